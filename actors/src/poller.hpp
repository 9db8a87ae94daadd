// poller: one thread that turns socket readiness into messages, so that PostgreSQL
// connection actors can run on the scheduler and never block on the network. Shared by
// every connection actor of the process; alive while one of them holds it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "orca/drivers/io_wait.hpp"

namespace orca::actors {

/// Watches sockets for their actors. Each watch() is one-shot: when the socket becomes
/// ready the actor receives `ready_atom` once, and watches again if it still has to wait.
class poller {
public:
  poller();
  ~poller();
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  /// The process's poller, started on first use.
  static std::shared_ptr<poller> shared();

  using clock = std::chrono::steady_clock;
  /// How late a deadline may be noticed.
  static constexpr std::chrono::milliseconds tick{50};

  /// Sends `ready_atom` to `target` once `fd` is ready for `what` (read, or read or write),
  /// or once `deadline` has passed, whichever comes first (the actor then checks the time).
  /// Throws orca::error if the kernel refuses the socket.
  void watch(int fd, drivers::io_wait what, const caf::actor& target,
             clock::time_point deadline = clock::time_point::max());
  /// Stops watching `fd`; call it before the socket is closed.
  void forget(int fd) noexcept;

private:
  void run();
  void wake() noexcept;
  void notify(int fd);
  int due_in();

  int epoll_ = -1;
  int wake_ = -1;  ///< eventfd: a new deadline, or stop
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  struct watch_entry {
    caf::actor_addr target;  ///< weak: a watch does not keep an actor alive
    clock::time_point deadline;
    bool armed = false;  ///< between watch() and the message it leads to
  };
  std::unordered_map<int, watch_entry> targets_;  ///< by fd
  std::thread thread_;
};

}  // namespace orca::actors

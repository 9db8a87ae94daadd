// poller: one thread that turns socket readiness into messages, so that PostgreSQL
// connection actors can run on the scheduler and never block on the network. Shared by
// every connection actor of the process; alive while one of them holds it.
#pragma once

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

  /// Sends `ready_atom` to `target` once `fd` is ready for `what` (read, or read or write).
  /// Throws orca::error if the kernel refuses the socket.
  void watch(int fd, drivers::io_wait what, const caf::actor& target);
  /// Stops watching `fd`; call it before the socket is closed.
  void forget(int fd) noexcept;

private:
  void run();

  int epoll_ = -1;
  int wake_ = -1;  ///< eventfd that stops the thread
  std::mutex mutex_;
  /// fd -> the actor watching it (weakly: a watch does not keep an actor alive).
  std::unordered_map<int, caf::actor_addr> targets_;
  std::thread thread_;
};

}  // namespace orca::actors

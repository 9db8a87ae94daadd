// poller: turns socket readiness into messages, so that PostgreSQL connection actors can run
// on the scheduler and never block on the network. One per process, shared by every
// connection actor; alive while one of them (or a scheduler's driver) holds it.
//
// Who waits on the sockets: a scheduler that loads orca's policy registers a `driver`, and
// its idle worker waits in the driver instead of on a condition variable, so that a ready
// socket wakes the worker that then runs the connection actor. Without any driver (CAF's own
// scheduler policy), the poller's thread waits on the sockets and wakes a worker with each
// message: one thread wake-up more per reply.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "orca/drivers/io_wait.hpp"

struct epoll_event;

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
  /// Stops watching `fd` for `target`: nothing happens if the number is now watched for
  /// another actor. The socket may be closed already: libpq closes a socket it finds broken,
  /// and its number can then belong to another socket, another connection's or none of
  /// ours. So the kernel is not asked to drop it: epoll drops a socket when it is closed,
  /// and an event of a forgotten socket still open finds no watch and is ignored.
  void forget(int fd, const caf::actor_addr& target) noexcept;
  /// Whether a watch waits for its socket (or deadline).
  bool armed() const noexcept { return armed_.load(std::memory_order_relaxed) > 0; }

  /// A scheduler's way in: one of its idle workers at a time waits in poll(). While any
  /// driver exists, the poller's own thread stays out of the way.
  ///
  /// The first driver (the usual case: one scheduler per process) is direct: its eventfd is
  /// in the sockets' set, so one epoll_wait() brings both the sockets and its interrupts. A
  /// driver made while another exists waits on a set of its own holding the sockets' set
  /// and its eventfd, then takes the sockets from the sockets' set: one epoll_wait() more a
  /// wake-up (PostgreSQL P5: a system call is 1.5 us on a virtual machine, 2% of a get).
  class driver {
  public:
    driver();
    ~driver();
    driver(const driver&) = delete;
    driver& operator=(const driver&) = delete;
    /// Waits until a socket is ready, a deadline passes, interrupt() is called, or
    /// `timeout_ms` passes (-1: no limit), and sends the `ready` messages that are due.
    void poll(int timeout_ms) noexcept;
    /// Makes the poll() in progress (or the next one) return at once. Any thread.
    void interrupt() noexcept;
    /// Whether a watch waits for its socket (or deadline).
    bool armed() const noexcept { return poller_->armed(); }

  private:
    std::shared_ptr<poller> poller_;
    /// wake_ is in the sockets' set, and poll() waits there (the first driver).
    bool direct() const noexcept { return epoll_ < 0; }

    int wake_ = -1;   ///< eventfd for interrupt()
    int epoll_ = -1;  ///< unless direct: an epoll set of the sockets' set and wake_
  };

private:
  void run();
  /// Waits on `outer` (which holds the sockets' epoll set and `wake`) and dispatches.
  void wait(int outer, int wake, int timeout_ms);
  /// Waits on the sockets' set itself, which holds `wake` too, and dispatches.
  void wait_direct(int wake, int timeout_ms);
  /// The wait's timeout: `timeout_ms` (-1: none), or less when a deadline comes first.
  int timeout_for(int timeout_ms);
  /// Sends `ready` for the sockets that are ready now. Returns whether it took the wake-up
  /// of a driver that waits on the sockets' set (see driver::poll).
  bool harvest();
  /// Handles one event of the sockets' set: a socket's readiness, or a driver's wake-up
  /// (drained if it is `own_wake`). Returns whether it was another driver's wake-up.
  bool dispatch(const epoll_event& event, int own_wake);
  void notify(int fd);
  void wake_waiters() noexcept;
  int due_in();

  int epoll_ = -1;         ///< the sockets, and the wake-up of the driver that waits here
  int thread_epoll_ = -1;  ///< the thread's: epoll_ and wake_
  int wake_ = -1;          ///< eventfd: the thread must look at its state (stop, drivers)
  std::atomic<bool> stopping_{false};
  std::atomic<int> armed_{0};
  std::mutex mutex_;
  struct watch_entry {
    caf::actor_addr target;  ///< weak: a watch does not keep an actor alive
    clock::time_point deadline;
    bool armed = false;  ///< between watch() and the message it leads to
  };
  std::unordered_map<int, watch_entry> targets_;  ///< by fd
  std::mutex drivers_mutex_;
  std::condition_variable drivers_gone_;
  int drivers_ = 0;                ///< guarded by drivers_mutex_
  std::vector<int> driver_wakes_;  ///< the drivers' eventfds; guarded by drivers_mutex_
  std::thread thread_;
};

}  // namespace orca::actors

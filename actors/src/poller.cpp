// poller: each socket's readiness becomes a `ready` message to the actor that asked. A socket
// is registered once, edge-triggered, and stays registered while the same actor watches it: a
// watch is armed in the poller's table, not in the kernel, so waiting for a reply costs no
// epoll_ctl. An edge that comes while no watch is armed is kept (`pending`) and answers the
// next watch at once. Each waiter (the poller's thread, and each scheduler's driver) has an
// epoll set of its own holding every socket and its own eventfd, so that one epoll_wait both
// waits and says which sockets are ready.
#include "poller.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "orca/actors/atoms.hpp"
#include "orca/drivers/error.hpp"

namespace orca::actors {

namespace {

[[noreturn]] void fail(const char* what) {
  throw error{errc::internal, std::string{"poller: "} + what + " failed: " + std::strerror(errno)};
}

// A waiter's epoll set, holding its eventfd `wake`.
int waiter_set(int wake) {
  int set = ::epoll_create1(EPOLL_CLOEXEC);
  if (set < 0) fail("epoll_create1");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake;
  if (::epoll_ctl(set, EPOLL_CTL_ADD, wake, &event) != 0) {
    ::close(set);
    fail("epoll_ctl");
  }
  return set;
}

// Registers socket `fd` in `set`, edge-triggered. epoll's registrations and ours can differ:
// a socket closed and reopened under the same number is new to epoll, and one forgotten
// while still open is still there (forget() leaves registrations to the kernel).
bool register_socket(int set, int fd) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLET;
  event.data.fd = fd;
  return ::epoll_ctl(set, EPOLL_CTL_ADD, fd, &event) == 0 ||
         (errno == EEXIST && ::epoll_ctl(set, EPOLL_CTL_MOD, fd, &event) == 0);
}

int new_eventfd() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) fail("eventfd");
  return fd;
}

void signal(int eventfd) noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(eventfd, &one, sizeof one);
}

}  // namespace

poller::poller() {
  wake_ = new_eventfd();
  try {
    set_ = waiter_set(wake_);
  } catch (...) {
    ::close(wake_);
    throw;
  }
  sets_.push_back(set_);
  thread_ = std::thread{[this] { run(); }};
}

poller::~poller() {
  stopping_.store(true);
  {
    std::lock_guard lock{drivers_mutex_};
    drivers_gone_.notify_all();
  }
  signal(wake_);
  thread_.join();
  ::close(set_);
  ::close(wake_);
}

std::shared_ptr<poller> poller::shared() {
  static std::mutex mutex;
  static std::weak_ptr<poller> current;
  std::lock_guard lock{mutex};
  auto p = current.lock();
  if (!p) {
    p = std::make_shared<poller>();
    current = p;
  }
  return p;
}

namespace {

constexpr std::uint32_t readable = EPOLLIN | EPOLLERR | EPOLLHUP;

std::uint32_t wanted(drivers::io_wait what) {
  return what == drivers::io_wait::read_write ? readable | EPOLLOUT : readable;
}

}  // namespace

void poller::watch(int fd, drivers::io_wait what, const caf::actor& target, clock::time_point deadline) {
  bool now = false;
  {
    std::lock_guard lock{mutex_};
    auto [it, added] = targets_.try_emplace(fd);
    auto& entry = it->second;
    auto address = target.address();
    if (added || entry.target != address) {
      // A socket new to the poller, or this number's socket is another actor's now (the old
      // one was closed): register it with every waiter.
      for (int set : sets_) {
        if (register_socket(set, fd)) continue;
        if (entry.armed) armed_.fetch_sub(1, std::memory_order_relaxed);
        targets_.erase(it);
        fail("epoll_ctl");
      }
      entry.pending = 0;  // registering reports the socket's current readiness afresh
    }
    if (!entry.armed) armed_.fetch_add(1, std::memory_order_relaxed);
    entry.target = address;
    entry.deadline = deadline;
    entry.wanted = wanted(what);
    entry.armed = true;
    // An edge that came since the last watch (the socket became ready while the actor was
    // busy) answers this watch at once.
    if (entry.pending & entry.wanted) {
      entry.pending = 0;
      entry.armed = false;
      armed_.fetch_sub(1, std::memory_order_relaxed);
      now = true;
    }
    if (added) wake_waiters();
  }
  if (now) caf::anon_send(target, ready_atom::value);
}

void poller::forget(int fd, const caf::actor_addr& target) noexcept {
  std::lock_guard lock{mutex_};
  auto it = targets_.find(fd);
  if (it == targets_.end() || it->second.target != target) return;
  if (it->second.armed) armed_.fetch_sub(1, std::memory_order_relaxed);
  targets_.erase(it);
}

// Sends `ready` to the actor watching `fd` if its watch is armed for `events` (0: its
// deadline passed), and disarms it; an edge no armed watch wants is kept for the next watch.
void poller::notify(int fd, std::uint32_t events) {
  caf::actor target;
  {
    std::lock_guard lock{mutex_};
    auto it = targets_.find(fd);
    if (it == targets_.end()) return;
    auto& entry = it->second;
    if (!entry.armed || (events != 0 && (events & entry.wanted) == 0)) {
      entry.pending |= events;
      return;
    }
    entry.armed = false;
    entry.pending = 0;
    armed_.fetch_sub(1, std::memory_order_relaxed);
    target = caf::actor_cast<caf::actor>(entry.target);
  }
  if (target) caf::anon_send(target, ready_atom::value);
}

// Milliseconds until the deadlines must be looked at again (rounded up; -1: never, no socket
// is watched); sends `ready` for those that have passed. While sockets are watched it asks
// for a look at least every `tick`, so that re-arming a watch needs no wake-up.
int poller::due_in() {
  auto now = clock::now();
  auto next = clock::time_point::max();
  std::vector<int> due;
  {
    std::lock_guard lock{mutex_};
    if (targets_.empty()) return -1;
    next = now + tick;
    for (auto& [fd, entry] : targets_) {
      if (!entry.armed || entry.deadline == clock::time_point::max()) continue;
      if (entry.deadline <= now)
        due.push_back(fd);
      else
        next = std::min(next, entry.deadline);
    }
  }
  for (int fd : due) notify(fd, 0);
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::max<long long>(wait, 0));
}

// Whoever waits may wait without a timeout (nothing was watched): make it look again.
void poller::wake_waiters() noexcept {
  signal(wake_);
  std::lock_guard lock{drivers_mutex_};
  for (int fd : driver_wakes_) signal(fd);
}

void poller::wait(int set, int wake, int timeout_ms) {
  int due = due_in();
  int timeout = timeout_ms < 0 ? due : due < 0 ? timeout_ms : std::min(due, timeout_ms);
  epoll_event events[64];
  int n = ::epoll_wait(set, events, 64, timeout);
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd == wake) {
      std::uint64_t count;
      [[maybe_unused]] auto read = ::read(wake, &count, sizeof count);
    } else {
      notify(events[i].data.fd, events[i].events);
    }
  }
}

// The thread waits on the sockets only while no scheduler's driver does.
void poller::run() {
  for (;;) {
    {
      std::unique_lock lock{drivers_mutex_};
      drivers_gone_.wait(lock, [this] { return stopping_.load() || drivers_ == 0; });
    }
    if (stopping_.load()) return;
    wait(set_, wake_, -1);
  }
}

poller::driver::driver() : poller_{poller::shared()} {
  wake_ = new_eventfd();
  try {
    set_ = waiter_set(wake_);
    // Every socket watched so far; later ones are registered by watch().
    std::lock_guard lock{poller_->mutex_};
    for (auto& watched : poller_->targets_)
      if (!register_socket(set_, watched.first)) fail("epoll_ctl");
    poller_->sets_.push_back(set_);
  } catch (...) {
    if (set_ >= 0) ::close(set_);
    ::close(wake_);
    throw;
  }
  {
    std::lock_guard lock{poller_->drivers_mutex_};
    ++poller_->drivers_;
    poller_->driver_wakes_.push_back(wake_);
  }
  signal(poller_->wake_);  // the thread leaves its epoll_wait and steps aside
}

poller::driver::~driver() {
  {
    std::lock_guard lock{poller_->drivers_mutex_};
    auto& wakes = poller_->driver_wakes_;
    wakes.erase(std::find(wakes.begin(), wakes.end(), wake_));
    if (--poller_->drivers_ == 0) poller_->drivers_gone_.notify_all();
  }
  {
    std::lock_guard lock{poller_->mutex_};
    auto& sets = poller_->sets_;
    sets.erase(std::find(sets.begin(), sets.end(), set_));
  }
  ::close(set_);
  ::close(wake_);
}

void poller::driver::poll(int timeout_ms) noexcept {
  try {
    poller_->wait(set_, wake_, timeout_ms);
  } catch (...) {
    // notify() allocates; a worker must not die of a failed send: the deadline tick retries.
  }
}

void poller::driver::interrupt() noexcept { signal(wake_); }

}  // namespace orca::actors

// poller: one epoll set of sockets; each readiness becomes a `ready` message to the actor that
// asked. One-shot registrations (EPOLLONESHOT) re-armed by each watch(). The direct driver
// (the first, see poller.hpp) waits on the sockets' set itself, which holds its eventfd too
// (level-triggered: it stays ready until the driver drains it). Any other waiter (the
// poller's thread, a second driver) waits on an epoll set of its own that holds the sockets'
// set and its own eventfd, then takes the ready sockets from the sockets' set without
// waiting. Events carry the socket's number, or an eventfd's number with `wake_tag`.
#include "poller.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <poll.h>
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

// An epoll set holding `inner` (another epoll set) and `wake` (an eventfd), both by fd.
int outer_set(int inner, int wake) {
  int outer = ::epoll_create1(EPOLL_CLOEXEC);
  if (outer < 0) fail("epoll_create1");
  for (int fd : {inner, wake}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(outer, EPOLL_CTL_ADD, fd, &event) != 0) {
      ::close(outer);
      fail("epoll_ctl");
    }
  }
  return outer;
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

void drain(int eventfd) noexcept {
  std::uint64_t count;
  [[maybe_unused]] auto read = ::read(eventfd, &count, sizeof count);
}

// Marks an event of the sockets' set as a driver's eventfd rather than a socket.
constexpr std::uint64_t wake_tag = std::uint64_t{1} << 63;

}  // namespace

poller::poller() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) fail("epoll_create1");
  try {
    wake_ = new_eventfd();
    thread_epoll_ = outer_set(epoll_, wake_);
  } catch (...) {
    if (wake_ >= 0) ::close(wake_);
    ::close(epoll_);
    throw;
  }
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
  ::close(thread_epoll_);
  ::close(wake_);
  ::close(epoll_);
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

void poller::watch(int fd, drivers::io_wait what, const caf::actor& target, clock::time_point deadline) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT | (what == drivers::io_wait::read_write ? EPOLLOUT : 0u);
  event.data.u64 = static_cast<std::uint64_t>(fd);
  std::lock_guard lock{mutex_};
  auto [it, added] = targets_.try_emplace(fd);
  if (!it->second.armed) armed_.fetch_add(1, std::memory_order_relaxed);
  it->second = watch_entry{target.address(), deadline, true};
  if (added) wake_waiters();
  if (::epoll_ctl(epoll_, added ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event) != 0) {
    // epoll's registrations and ours can differ: a socket closed and reopened under the same
    // number is new to epoll (ENOENT), and one forgotten while still open is still there
    // (EEXIST; forget() leaves registrations to the kernel).
    int again = errno == ENOENT ? EPOLL_CTL_ADD : errno == EEXIST ? EPOLL_CTL_MOD : -1;
    if (again < 0 || ::epoll_ctl(epoll_, again, fd, &event) != 0) {
      targets_.erase(fd);
      armed_.fetch_sub(1, std::memory_order_relaxed);
      fail("epoll_ctl");
    }
  }
}

void poller::forget(int fd, const caf::actor_addr& target) noexcept {
  std::lock_guard lock{mutex_};
  auto it = targets_.find(fd);
  if (it == targets_.end() || it->second.target != target) return;
  if (it->second.armed) armed_.fetch_sub(1, std::memory_order_relaxed);
  targets_.erase(it);
}

// Sends `ready` to the actor watching `fd` (which must be armed), and disarms it.
void poller::notify(int fd) {
  caf::actor target;
  {
    std::lock_guard lock{mutex_};
    auto it = targets_.find(fd);
    if (it == targets_.end() || !it->second.armed) return;
    it->second.armed = false;
    armed_.fetch_sub(1, std::memory_order_relaxed);
    target = caf::actor_cast<caf::actor>(it->second.target);
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
  for (int fd : due) notify(fd);
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::max<long long>(wait, 0));
}

// Whoever waits may wait without a timeout (nothing was watched): make it look again.
void poller::wake_waiters() noexcept {
  signal(wake_);
  std::lock_guard lock{drivers_mutex_};
  for (int fd : driver_wakes_) signal(fd);
}

bool poller::dispatch(const epoll_event& event, int own_wake) {
  if ((event.data.u64 & wake_tag) == 0) {
    notify(static_cast<int>(event.data.u64));
    return false;
  }
  int wake = static_cast<int>(event.data.u64 & ~wake_tag);
  if (wake != own_wake) return true;  // the direct driver's: it drains it itself
  drain(wake);
  return false;
}

bool poller::harvest() {
  epoll_event events[64];
  int n = ::epoll_wait(epoll_, events, 64, 0);
  bool foreign = false;
  for (int i = 0; i < n; ++i) foreign |= dispatch(events[i], -1);
  return foreign;
}

int poller::timeout_for(int timeout_ms) {
  int due = due_in();
  return timeout_ms < 0 ? due : due < 0 ? timeout_ms : std::min(due, timeout_ms);
}

void poller::wait(int outer, int wake, int timeout_ms) {
  epoll_event events[2];
  int n = ::epoll_wait(outer, events, 2, timeout_for(timeout_ms));
  bool foreign = false;
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd == wake)
      drain(wake);
    else
      foreign |= harvest();
  }
  // The direct driver's wake-up stays in the sockets' set until that driver drains it, so
  // the sockets' set would wake this waiter again at once: wait for it on this waiter's own
  // eventfd for a moment instead. (Only while two drivers exist, or as the first is made.)
  if (foreign) {
    pollfd own{wake, POLLIN, 0};
    if (::poll(&own, 1, 1) > 0) drain(wake);
  }
}

void poller::wait_direct(int wake, int timeout_ms) {
  epoll_event events[64];
  int n = ::epoll_wait(epoll_, events, 64, timeout_for(timeout_ms));
  for (int i = 0; i < n; ++i) dispatch(events[i], wake);
}

// The thread waits on the sockets only while no scheduler's driver does.
void poller::run() {
  for (;;) {
    {
      std::unique_lock lock{drivers_mutex_};
      drivers_gone_.wait(lock, [this] { return stopping_.load() || drivers_ == 0; });
    }
    if (stopping_.load()) return;
    wait(thread_epoll_, wake_, -1);
  }
}

poller::driver::driver() : poller_{poller::shared()} {
  wake_ = new_eventfd();
  try {
    std::lock_guard lock{poller_->drivers_mutex_};
    // The first driver waits on the sockets' set itself; one made while another exists
    // (a second scheduler, one starting while the last stops) on a set of its own.
    if (poller_->drivers_ == 0) {
      epoll_event event{};
      event.events = EPOLLIN;  // level-triggered: ready until poll() drains it
      event.data.u64 = wake_tag | static_cast<std::uint64_t>(wake_);
      if (::epoll_ctl(poller_->epoll_, EPOLL_CTL_ADD, wake_, &event) != 0) fail("epoll_ctl");
    } else {
      epoll_ = outer_set(poller_->epoll_, wake_);
    }
    ++poller_->drivers_;
    poller_->driver_wakes_.push_back(wake_);
  } catch (...) {
    ::close(wake_);
    throw;
  }
  signal(poller_->wake_);  // the thread leaves its epoll_wait and steps aside
}

poller::driver::~driver() {
  {
    std::lock_guard lock{poller_->drivers_mutex_};
    auto& wakes = poller_->driver_wakes_;
    wakes.erase(std::find(wakes.begin(), wakes.end(), wake_));
    if (direct()) ::epoll_ctl(poller_->epoll_, EPOLL_CTL_DEL, wake_, nullptr);
    if (--poller_->drivers_ == 0) poller_->drivers_gone_.notify_all();
  }
  if (!direct()) ::close(epoll_);
  ::close(wake_);
}

void poller::driver::poll(int timeout_ms) noexcept {
  try {
    if (direct())
      poller_->wait_direct(wake_, timeout_ms);
    else
      poller_->wait(epoll_, wake_, timeout_ms);
  } catch (...) {
    // notify() allocates; a worker must not die of a failed send: the deadline tick retries.
  }
}

void poller::driver::interrupt() noexcept { signal(wake_); }

}  // namespace orca::actors

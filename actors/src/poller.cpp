// poller: epoll on one thread; each readiness becomes a `ready` message to the actor that
// asked. One-shot registrations (EPOLLONESHOT) re-armed by each watch().
#include "poller.hpp"

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

}  // namespace

poller::poller() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) fail("epoll_create1");
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_ < 0) {
    ::close(epoll_);
    fail("eventfd");
  }
  epoll_event stop{};
  stop.events = EPOLLIN;
  stop.data.fd = wake_;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &stop);
  thread_ = std::thread{[this] { run(); }};
}

poller::~poller() {
  stopping_.store(true);
  wake();
  thread_.join();
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
  event.data.fd = fd;
  std::lock_guard lock{mutex_};
  auto [it, added] = targets_.try_emplace(fd, watch_entry{target.address(), deadline, true});
  if (!added) it->second = watch_entry{target.address(), deadline, true};
  if (added) wake();  // the thread may sleep without a timeout: nothing was watched
  if (::epoll_ctl(epoll_, added ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event) != 0) {
    // A socket closed and reopened under the same number is new to epoll.
    if (errno != ENOENT || ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
      targets_.erase(fd);
      fail("epoll_ctl");
    }
  }
}

void poller::forget(int fd) noexcept {
  std::lock_guard lock{mutex_};
  if (targets_.erase(fd) == 1) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
}

void poller::wake() noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_, &one, sizeof one);
}

// Sends `ready` to the actor watching `fd` (which must be armed), and disarms it.
void poller::notify(int fd) {
  caf::actor target;
  {
    std::lock_guard lock{mutex_};
    auto it = targets_.find(fd);
    if (it == targets_.end() || !it->second.armed) return;
    it->second.armed = false;
    target = caf::actor_cast<caf::actor>(it->second.target);
  }
  if (target) caf::anon_send(target, ready_atom::value);
}

// Milliseconds until the thread must look at the deadlines again (rounded up; -1: never,
// nothing is watched); sends `ready` for those that have passed. While sockets are watched
// it looks at least every `tick`, so that watch() needs no wake-up for a new deadline.
int poller::due_in() {
  auto now = clock::now();
  auto next = clock::time_point::max();
  std::vector<int> due;
  {
    std::lock_guard lock{mutex_};
    for (auto& [fd, entry] : targets_) {
      if (!entry.armed || entry.deadline == clock::time_point::max()) continue;
      if (entry.deadline <= now)
        due.push_back(fd);
      else
        next = std::min(next, entry.deadline);
    }
    if (!targets_.empty()) next = std::min(next, now + tick);
  }
  for (int fd : due) notify(fd);
  if (next == clock::time_point::max()) return -1;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::min<long long>(wait, 60'000));
}

void poller::run() {
  epoll_event events[64];
  for (;;) {
    int n = ::epoll_wait(epoll_, events, 64, due_in());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd != wake_) {
        notify(events[i].data.fd);
        continue;
      }
      std::uint64_t count;
      [[maybe_unused]] auto read = ::read(wake_, &count, sizeof count);
      if (stopping_.load()) return;
    }
  }
}

}  // namespace orca::actors

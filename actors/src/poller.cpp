// poller: epoll on one thread; each readiness becomes a `ready` message to the actor that
// asked. One-shot registrations (EPOLLONESHOT) re-armed by each watch().
#include "poller.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

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
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_, &one, sizeof one);
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

void poller::watch(int fd, drivers::io_wait what, const caf::actor& target) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT | (what == drivers::io_wait::read_write ? EPOLLOUT : 0u);
  event.data.fd = fd;
  std::lock_guard lock{mutex_};
  auto [it, added] = targets_.try_emplace(fd, target.address());
  if (!added) it->second = target.address();
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

void poller::run() {
  epoll_event events[64];
  for (;;) {
    int n = ::epoll_wait(epoll_, events, 64, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == wake_) return;
      caf::actor target;
      {
        std::lock_guard lock{mutex_};
        if (auto it = targets_.find(events[i].data.fd); it != targets_.end())
          target = caf::actor_cast<caf::actor>(it->second);
      }
      if (target) caf::anon_send(target, ready_atom::value);
    }
  }
}

}  // namespace orca::actors

// The poller on its own: a watch wakes its actor once, and forgetting a socket whose number
// was reused for another actor's socket leaves that actor's watch alone (libpq closes a
// socket it finds broken, before its connection actor forgets it).
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>
#include <utility>

#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/atoms.hpp"
#include "orca/actors/runtime.hpp"
#include "poller.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;

namespace {

struct socket_pair {
  int ends[2] = {-1, -1};
  socket_pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == 0); }
  ~socket_pair() { close(); }
  socket_pair(const socket_pair&) = delete;
  socket_pair& operator=(const socket_pair&) = delete;
  void close() {
    for (int& fd : ends)
      if (fd >= 0) ::close(std::exchange(fd, -1));
  }
  void make_readable() const { REQUIRE(::write(ends[1], "x", 1) == 1); }
  void drain() const {
    char byte;
    REQUIRE(::read(ends[0], &byte, 1) == 1);
  }
};

// Whether `self` receives `ready` within `wait`.
bool woken(caf::scoped_actor& self, std::chrono::milliseconds wait) {
  bool ready = false;
  self->receive([&](ready_atom) { ready = true; }, caf::after(wait) >> [] {});
  return ready;
}

}  // namespace

TEST_CASE("the poller wakes a watching actor once per watch, and not after forget", "[actors][poller]") {
  auto rt = runtime::get();
  poller sockets;
  caf::scoped_actor watcher{rt->system()};
  socket_pair pair;
  sockets.watch(pair.ends[0], orca::drivers::io_wait::read, caf::actor_cast<caf::actor>(watcher));
  CHECK(sockets.armed());
  pair.make_readable();
  CHECK(woken(watcher, 2000ms));
  CHECK(!woken(watcher, 200ms));  // one-shot: still readable, but not watched again
  // Watched again while not readable (a readable one could wake it before the forget), then
  // forgotten: becoming readable wakes no one.
  pair.drain();
  sockets.watch(pair.ends[0], orca::drivers::io_wait::read, caf::actor_cast<caf::actor>(watcher));
  sockets.forget(pair.ends[0], watcher->address());
  CHECK(!sockets.armed());
  pair.make_readable();
  CHECK(!woken(watcher, 200ms));
}

TEST_CASE("forgetting a closed socket whose number now belongs to another actor's socket keeps that watch",
          "[actors][poller]") {
  auto rt = runtime::get();
  poller sockets;
  caf::scoped_actor first{rt->system()};
  caf::scoped_actor second{rt->system()};
  auto old_pair = std::make_unique<socket_pair>();
  int number = old_pair->ends[0];
  sockets.watch(number, orca::drivers::io_wait::read, caf::actor_cast<caf::actor>(first));
  old_pair.reset();  // closed without forget, as libpq closes a broken connection's socket
  socket_pair reused;
  REQUIRE(reused.ends[0] == number);  // the lowest free number comes back
  sockets.watch(number, orca::drivers::io_wait::read, caf::actor_cast<caf::actor>(second));
  sockets.forget(number, first->address());  // the first actor ends and forgets its socket
  reused.make_readable();
  CHECK(woken(second, 2000ms));
  CHECK(!woken(first, 100ms));
}

TEST_CASE("a socket that became readable while no watch was armed wakes the next watch at once", "[actors][poller]") {
  auto rt = runtime::get();
  poller sockets;
  caf::scoped_actor watcher{rt->system()};
  socket_pair pair;
  auto watch = [&] { sockets.watch(pair.ends[0], orca::drivers::io_wait::read, caf::actor_cast<caf::actor>(watcher)); };
  watch();
  pair.make_readable();
  CHECK(woken(watcher, 2000ms));
  pair.drain();
  // Data comes while the actor is busy (no watch armed); the registration is edge-triggered
  // and stays, so only the kept edge can tell the next watch.
  pair.make_readable();
  std::this_thread::sleep_for(100ms);  // a worker or the poller's thread takes the edge meanwhile
  watch();
  CHECK(woken(watcher, 2000ms));
  pair.drain();
  // Nothing new: the next watch waits.
  watch();
  CHECK(!woken(watcher, 200ms));
  pair.make_readable();
  CHECK(woken(watcher, 2000ms));
}

TEST_CASE("a socket with data left unread wakes the next watch, though nothing new arrives", "[actors][poller]") {
  // libpq reads what fits its buffer: a reply can stay half read in the socket after a
  // `ready`. The next watch must see it (readiness is looked at again when a watch is set;
  // an edge-triggered registration would wait for bytes that never come).
  auto rt = runtime::get();
  poller sockets;
  caf::scoped_actor watcher{rt->system()};
  socket_pair pair;
  auto watch = [&] { sockets.watch(pair.ends[0], orca::drivers::io_wait::read, caf::actor_cast<caf::actor>(watcher)); };
  REQUIRE(::write(pair.ends[1], "xy", 2) == 2);
  watch();
  CHECK(woken(watcher, 2000ms));
  pair.drain();  // one byte of two
  watch();
  CHECK(woken(watcher, 2000ms));
  pair.drain();
  watch();
  CHECK(!woken(watcher, 200ms));
  sockets.forget(pair.ends[0], watcher->address());
}

TEST_CASE("the first scheduler's driver waits on the sockets itself, and one made beside it still gets sockets",
          "[actors][poller]") {
  // No runtime yet: this driver is the process's first, and waits on the sockets' set itself.
  auto direct = std::make_unique<poller::driver>();
  {
    std::thread waiting{[&] { direct->poll(-1); }};  // nothing is watched: only interrupt() ends it
    std::this_thread::sleep_for(50ms);
    auto asked = std::chrono::steady_clock::now();
    direct->interrupt();
    waiting.join();
    CHECK(std::chrono::steady_clock::now() - asked < 2s);
  }
  // The runtime's scheduler makes the second driver, which waits on a set of its own; its
  // idle worker takes the socket's readiness while the direct driver is not polling.
  auto rt = runtime::get();
  auto sockets = poller::shared();
  caf::scoped_actor watcher{rt->system()};
  socket_pair pair;
  auto watch = [&] {
    sockets->watch(pair.ends[0], orca::drivers::io_wait::read, caf::actor_cast<caf::actor>(watcher));
  };
  watch();
  pair.make_readable();
  CHECK(woken(watcher, 2000ms));
  pair.drain();
  // The direct driver's interrupt stays pending in the sockets' set while nobody drains it:
  // the other driver still dispatches sockets meanwhile.
  direct->interrupt();
  watch();
  pair.make_readable();
  CHECK(woken(watcher, 2000ms));
  direct->poll(0);  // drains its interrupt
  sockets->forget(pair.ends[0], watcher->address());
  direct.reset();
}

// Checkouts that their requester gave up: the pool's timeout governs, a waiter whose
// requester died or abandoned it is dropped, and a connection lent to a requester that
// did not take it comes back — the next requester gets it at once. Through the pool's
// typed interface, on every backend.
#include <chrono>
#include <thread>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/pool_actor.hpp"
#include "orca/actors/runtime.hpp"
#include "support/backends.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;
using clock_type = std::chrono::steady_clock;

namespace {

pool_status status(caf::scoped_actor& self, const pool_actor& pool) {
  pool_status result;
  self->request(pool, 10s, status_atom::value).receive([&](pool_status& s) { result = s; }, [](caf::error&) {});
  return result;
}

// Polls the pool until `condition` holds (true) or 5 s pass (false).
template <class Condition>
bool eventually(caf::scoped_actor& self, const pool_actor& pool, Condition condition) {
  auto deadline = clock_type::now() + 5s;
  while (clock_type::now() < deadline) {
    if (condition(status(self, pool))) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// Checks out with `timeout`; an empty actor on failure.
connection_actor checkout(caf::scoped_actor& self, const pool_actor& pool, std::chrono::milliseconds timeout) {
  connection_actor result;
  self->request(pool, timeout, checkout_atom::value, self->address())
      .receive([&](connection_handle& c) { result = c.actor; }, [](caf::error&) {});
  return result;
}

// A requester that asks for a connection with its own (short) timeout, as a session with
// request_timeout = 2 s once did, and stays alive after giving up. With `report`, it tells
// the pool that it gave up, as sessions do.
caf::actor impatient_requester(caf::actor_system& system, pool_actor pool, std::chrono::milliseconds patience,
                               bool report) {
  // The pool goes as a spawn argument: CAF's spawn of a function without arguments trips
  // UBSan inside CAF (init_fun_factory binds a null tuple).
  return system.spawn(
      [=](caf::event_based_actor* self, pool_actor pool) -> caf::behavior {
        self->request(pool, patience, checkout_atom::value, self->address())
            .then([](connection_handle&) {},
                  [=](caf::error& e) {
                    if (report && e == caf::sec::request_timeout)
                      self->send(pool, abandon_atom::value, self->address());
                  });
        return {[](int) {}};
      },
      pool);
}

void dispose(caf::scoped_actor& self, const pool_actor& pool) {
  self->request(pool, 10s, dispose_atom::value).receive([](ok_atom) {}, [](caf::error&) {});
}

}  // namespace

TEST_CASE("a checkout abandoned after request_timeout leaves the connection to the next requester at once",
          "[actors][pool][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  // The default pool timeout (30 s) and a requester that gives up after 2 s.
  auto pool = spawn_pool(rt->system(), "abandoned", orca::parse_url(target.url), {},
                         pool_options{.size = 1, .max_overflow = 0, .request_timeout = 2000ms});
  auto held = checkout(self, pool, 10s);
  REQUIRE(held);
  auto requester = impatient_requester(rt->system(), pool, 2000ms, true);
  CHECK(eventually(self, pool, [](const pool_status& s) { return s.waiting == 1; }));
  // It gives up; the pool drops its request.
  CHECK(eventually(self, pool, [](const pool_status& s) { return s.waiting == 0; }));
  self->send(pool, checkin_atom::value, held, true);
  auto started = clock_type::now();
  auto next = checkout(self, pool, 10s);
  auto waited = clock_type::now() - started;
  CHECK(next.address() == held.address());
  CHECK(waited < 500ms);
  auto s = status(self, pool);
  CHECK(s.checked_out == 1);
  CHECK(s.opened == 1);
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  dispose(self, pool);
}

TEST_CASE("a connection lent just as its requester gave up comes back when the requester says so",
          "[actors][pool][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  auto pool = spawn_pool(rt->system(), "raced", orca::parse_url(target.url), {},
                         pool_options{.size = 1, .max_overflow = 0});
  auto held = checkout(self, pool, 10s);
  REQUIRE(held);
  // Silent: the pool still counts its request, and lends it the connection, which the
  // requester drops because its own timeout passed.
  auto requester = impatient_requester(rt->system(), pool, 50ms, false);
  CHECK(eventually(self, pool, [](const pool_status& s) { return s.waiting == 1; }));
  std::this_thread::sleep_for(100ms);  // past the requester's timeout
  self->send(pool, checkin_atom::value, held, true);
  CHECK(eventually(self, pool, [](const pool_status& s) { return s.waiting == 0 && s.checked_out == 1; }));
  // What a session sends when its checkout request times out.
  self->send(pool, abandon_atom::value, requester.address());
  auto started = clock_type::now();
  auto next = checkout(self, pool, 10s);
  CHECK(next.address() == held.address());
  CHECK(clock_type::now() - started < 500ms);
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  dispose(self, pool);
}

TEST_CASE("a requester that dies while waiting for a checkout is dropped from the queue", "[actors][pool][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  auto pool = spawn_pool(rt->system(), "orphaned", orca::parse_url(target.url), {},
                         pool_options{.size = 1, .max_overflow = 0});
  auto held = checkout(self, pool, 10s);
  REQUIRE(held);
  auto requester = impatient_requester(rt->system(), pool, 60s, false);
  CHECK(eventually(self, pool, [](const pool_status& s) { return s.waiting == 1; }));
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  CHECK(eventually(self, pool, [](const pool_status& s) { return s.waiting == 0; }));
  self->send(pool, checkin_atom::value, held, true);
  auto next = checkout(self, pool, 10s);
  CHECK(next.address() == held.address());
  // Never lent to the dead requester: no rollback-and-return round, nothing replaced.
  auto s = status(self, pool);
  CHECK(s.replaced == 0);
  CHECK(s.opened == 1);
  dispose(self, pool);
}

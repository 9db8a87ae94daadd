// The pool as a supervisor: a connection actor that dies is replaced, a database that
// refuses connections is reported (not waited on forever), pre-ping and recycle hand out
// live connections. Driven through the pool's typed interface.
#include <future>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/pool_actor.hpp"
#include "orca/actors/runtime.hpp"
#include "support/backends.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;

namespace {

// Blocking helpers for a test thread (a scoped actor is fine outside the scheduler).
connection_actor checkout(caf::scoped_actor& self, const pool_actor& pool, std::string* error = nullptr,
                          orca::errc* code = nullptr) {
  connection_actor result;
  self->request(pool, 10s, checkout_atom::value, self->address())
      .receive([&](connection_handle& c) { result = c.actor; },
               [&](caf::error& e) {
                 auto failure = from_caf_error(e, "checkout");
                 if (error != nullptr) *error = failure.what();
                 if (code != nullptr) *code = failure.code();
               });
  return result;
}

pool_status status(caf::scoped_actor& self, const pool_actor& pool) {
  pool_status result;
  self->request(pool, 10s, status_atom::value).receive([&](pool_status& s) { result = s; }, [](caf::error&) {});
  return result;
}

bool ping(caf::scoped_actor& self, const connection_actor& c) {
  bool alive = false;
  self->request(c, 10s, ping_atom::value).receive([&](bool b) { alive = b; }, [](caf::error&) {});
  return alive;
}

}  // namespace

TEST_CASE("a connection actor that dies is dropped and the next checkout gets a fresh one",
          "[actors][pool][supervision]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto rt = runtime::get();
  {
    caf::scoped_actor self{rt->system()};
    auto pool = spawn_pool(rt->system(), "supervised", orca::parse_url(target.url), {},
                           pool_options{.size = 1, .max_overflow = 0, .timeout = 5000ms});
    auto first = checkout(self, pool);
    REQUIRE(first);
    REQUIRE(ping(self, first));
    caf::anon_send_exit(first, caf::exit_reason::kill);  // a crash of the connection's thread
    self->send(pool, checkin_atom::value, first, false);
    auto second = checkout(self, pool);
    REQUIRE(second);
    CHECK(second.address() != first.address());
    CHECK(ping(self, second));
    auto s = status(self, pool);
    CHECK(s.opened == 2);
    CHECK(s.replaced == 1);
    self->request(pool, 10s, dispose_atom::value).receive([](ok_atom) {}, [](caf::error&) {});
  }
}

TEST_CASE("a database that refuses connections fails checkouts with connection_failed, with backoff",
          "[actors][pool][supervision]") {
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  // Nothing listens on port 1 of the loopback address.
  auto pool = spawn_pool(rt->system(), "refused", orca::parse_url("postgresql://orca:secret@127.0.0.1:1/none"), {},
                         pool_options{.size = 1, .max_overflow = 0, .timeout = 3000ms});
  std::string first_error, second_error;
  auto first_code = orca::errc::none, second_code = orca::errc::none;
  auto started = std::chrono::steady_clock::now();
  CHECK(!checkout(self, pool, &first_error, &first_code));
  CHECK(!checkout(self, pool, &second_error, &second_code));
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(first_code == orca::errc::connection_failed);
  CHECK(second_code == orca::errc::connection_failed);
  CHECK_THAT(first_error, Catch::Contains("127.0.0.1"));
  CHECK_THAT(first_error, !Catch::Contains("secret"));
  CHECK_THAT(second_error, Catch::Contains("127.0.0.1"));
  // The second attempt waited for the first backoff, 100 ms (docs/actors.md), not longer.
  CHECK(elapsed >= 100ms);
  CHECK(elapsed < 200ms);
  self->request(pool, 10s, dispose_atom::value).receive([](ok_atom) {}, [](caf::error&) {});
}

TEST_CASE("with pre-ping and recycle the pool lends only live, young connections", "[actors][pool]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  auto pool = spawn_pool(
      rt->system(), "recycling", orca::parse_url(target.url), {},
      pool_options{.size = 1, .max_overflow = 0, .timeout = 5000ms, .pre_ping = true, .recycle = 3000ms});
  auto c = checkout(self, pool);
  REQUIRE(c);
  REQUIRE(ping(self, c));
  self->send(pool, checkin_atom::value, c, false);
  auto again = checkout(self, pool);  // young: the same connection, pinged
  CHECK(again.address() == c.address());
  if (target.name == "postgresql") {
    // The server ends the idle connection: the pre-ping finds it dead and a new one is lent.
    std::int64_t pid = 0;
    self->request(again, 10s, execute_atom::value, std::string{"SELECT pg_backend_pid()"}, orca::params{})
        .receive([&](orca::drivers::rowset& rows) { pid = rows.at(0, 0).as_integer(); }, [](caf::error&) {});
    REQUIRE(pid != 0);
    self->send(pool, checkin_atom::value, again, true);
    auto admin = target.connect();
    REQUIRE(admin->execute("SELECT pg_terminate_backend($1::int, 10000)", {pid}).at(0, 0) == orca::value{true});
    auto replacement = checkout(self, pool);
    REQUIRE(replacement);
    CHECK(replacement.address() != c.address());
    CHECK(ping(self, replacement));
    auto s = status(self, pool);
    CHECK(s.replaced == 1);
    CHECK(s.opened == 2);
    again = replacement;
  }
  auto before = status(self, pool).opened;
  self->send(pool, checkin_atom::value, again, false);
  std::this_thread::sleep_for(3100ms);  // let it age past pool_recycle (long: a loaded machine is slow to get here)
  auto fresh = checkout(self, pool);
  REQUIRE(fresh);
  CHECK(fresh.address() != again.address());
  CHECK(status(self, pool).opened == before + 1);
  self->request(pool, 10s, dispose_atom::value).receive([](ok_atom) {}, [](caf::error&) {});
}

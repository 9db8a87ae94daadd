// The pool's events on the `orca.pool` logger at debug: connects, checkouts that wait,
// replaced connections, failed connects and backoff. Driven through the pool's typed interface.
#include <algorithm>

#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/pool_actor.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/drivers/logger.hpp"
#include "support/backends.hpp"
#include "support/captured_log.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;

namespace {

// A blocking checkout from a test thread; an empty handle if it failed.
connection_actor checkout(caf::scoped_actor& self, const pool_actor& pool) {
  connection_actor result;
  self->request(pool, 10s, checkout_atom::value, self->address())
      .receive([&](connection_handle& c) { result = c.actor; }, [](caf::error&) {});
  return result;
}

void dispose(caf::scoped_actor& self, const pool_actor& pool) {
  self->request(pool, 10s, dispose_atom::value).receive([](ok_atom) {}, [](caf::error&) {});
}

std::size_t count_containing(const std::vector<std::string>& lines, const std::string& text) {
  return std::count_if(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("the pool logs connects, checkouts that wait and replaced connections to orca.pool at debug",
          "[actors][pool][log]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  orca::test::captured_log log{orca::drivers::pool_logger(), "%l %v", spdlog::level::debug};
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  auto pool = spawn_pool(rt->system(), "logged", orca::parse_url(target.url), {},
                         pool_options{.size = 1, .max_overflow = 0, .timeout = 1000ms});
  auto first = checkout(self, pool);
  REQUIRE(first);
  CHECK(!checkout(self, pool));  // waits for the only connection, then times out
  caf::anon_send_exit(first, caf::exit_reason::kill);
  self->send(pool, checkin_atom::value, first, false);
  CHECK(checkout(self, pool));
  dispose(self, pool);
  auto lines = log.lines();
  INFO("orca.pool wrote:\n"
       << [&] {
            std::string all;
            for (auto& line : lines) all += line + "\n";
            return all;
          }());
  CHECK(count_containing(lines, "debug pool 'logged': connected") == 2);
  CHECK(count_containing(lines,
                         "debug pool 'logged': a checkout waits in pool 'logged' (size 1, overflow 0, "
                         "1 checked out, 1 waiting)") == 1);
  // The kill and the checkin race: the pool sees the connection die, or fail its reset.
  CHECK(count_containing(lines, "debug pool 'logged': replacing a connection that ") == 1);
  CHECK(count_containing(lines, " (1 replaced so far)") == 1);
}

TEST_CASE("the pool logs failed connects and its backoff to orca.pool at debug", "[actors][pool][log]") {
  orca::test::captured_log log{orca::drivers::pool_logger(), "%l %v", spdlog::level::debug};
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  // Nothing listens on port 1 of the loopback address.
  auto pool = spawn_pool(rt->system(), "refused", orca::parse_url("postgresql://orca:secret@127.0.0.1:1/none"), {},
                         pool_options{.size = 1, .max_overflow = 0, .timeout = 3000ms});
  CHECK(!checkout(self, pool));
  dispose(self, pool);
  auto lines = log.lines();
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("debug pool 'refused': connecting failed: ") && Catch::Contains("127.0.0.1") &&
                           !Catch::Contains("secret"));
  CHECK(lines[1] == "debug pool 'refused': backing off 100 ms after 1 failed connect(s) in a row");
}

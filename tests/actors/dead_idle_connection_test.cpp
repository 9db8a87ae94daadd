// Idle PostgreSQL connections the server closed (what a restart does to them) are found
// dead when the pool lends them, without a round trip and without pre-ping, and replaced:
// no user transaction fails. Effects checked through an independent connection.
#include <string>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using seed::A;

namespace {
constexpr int pool_size = 3;
}  // namespace

TEST_CASE("idle connections closed by the server are replaced before a transaction starts, without pre-ping",
          "[actors][pool][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(target,
                                         "PostgreSQL only: a SQLite connection has no server that could close it"))
    return;
  // The pool's connections carry a name of their own, so that only they are terminated.
  auto name = "orca_dead_idle_" + std::to_string(::getpid());
  auto url = target.url + "&application_name=" + name;
  actor_test::run([](orca::engine engine, orca::test::backend_target target, std::string name) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    co_await actor_test::fill_pool(engine, pool_size);  // every connection of the pool, idle
    auto before = co_await engine.status();
    CHECK(before.opened == pool_size);
    CHECK(before.idle == pool_size);
    // The server ends them while they sit idle, as a restart would.
    auto admin = target.connect();
    auto killed = admin->execute(
        "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE application_name = $1", {name});
    CHECK(killed.at(0, 0).as_integer() == pool_size);
    // The next pool_size transactions all succeed.
    for (int i = 0; i < pool_size; ++i) {
      auto session = make();
      session.add(A{.data = "after " + std::to_string(i)});
      co_await session.commit();
    }
    auto after = co_await engine.status();
    // The first checkout found all of them dead and opened one; the others reused it.
    CHECK(after.replaced == pool_size);
    CHECK(after.opened == pool_size + 1);
    co_await engine.dispose();
  }(orca::create_engine(url, {.pool_size = pool_size, .max_overflow = 0}), target, name));
  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a WHERE data LIKE 'after %'").at(0, 0).as_integer() == pool_size);
}

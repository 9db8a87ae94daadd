// The scheduler's workers: ORCA_WORKERS chooses how many, a bad value is refused with a clear
// error, and one worker carries concurrent sessions on both backends (nothing on the
// scheduler blocks). Effects checked through a second connection.
#include <string>
#include <thread>
#include <vector>

#include <caf/scheduler/abstract_coordinator.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/runtime.hpp"
#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/workers.hpp"

using seed::A;

namespace {

std::size_t workers_of_new_runtime() { return orca::actors::runtime::get()->system().scheduler().num_workers(); }

}  // namespace

TEST_CASE("the scheduler has one worker per core but one by default, or ORCA_WORKERS of them", "[actors][scheduler]") {
  unsigned cores = std::thread::hardware_concurrency();
  CHECK(workers_of_new_runtime() == (cores > 1 ? cores - 1 : 1));
  {
    orca::test::scheduler_workers three{"3"};
    CHECK(workers_of_new_runtime() == 3);
  }
}

TEST_CASE("a bad ORCA_WORKERS is refused with an error that names it, and nothing starts", "[actors][scheduler]") {
  for (const char* bad : {"0", "two", "3x", "", "100000"}) {
    INFO("ORCA_WORKERS=\"" << bad << "\"");
    orca::test::scheduler_workers chosen{bad};
    try {
      auto engine = orca::create_engine("sqlite:///:memory:");
      FAIL("an engine started with a bad ORCA_WORKERS");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::invalid_argument);
      CHECK_THAT(e.what(), Catch::Contains("ORCA_WORKERS") && Catch::Contains(std::string{"\""} + bad + "\""));
    }
  }
  CHECK(workers_of_new_runtime() >= 1);  // unset again, the runtime starts
}

TEST_CASE("one scheduler worker carries many concurrent sessions, each transaction committed",
          "[actors][scheduler][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  constexpr int sessions = 16;
  constexpr int transactions = 10;
  orca::test::scheduler_workers one{"1"};
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    CHECK(orca::actors::runtime::get()->system().scheduler().num_workers() == 1);
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto setup = make();
      setup.add(A{.data = "0"});
      co_await setup.commit();
    }
    std::vector<orca::task<void>> all;
    for (int i = 0; i < sessions; ++i)
      all.push_back([](orca::async_sessionmaker make, int i) -> orca::task<void> {
        for (int k = 0; k < transactions; ++k) {
          auto session = make();
          session.add(A{.data = "session " + std::to_string(i)});
          co_await session.commit();
        }
      }(make, i));
    co_await orca::when_all(std::move(all));
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 4, .max_overflow = 0})));
  auto observer = target.connect();
  CHECK(observer->execute("SELECT count(*) FROM a WHERE data LIKE 'session %'", {}).at(0, 0).as_integer() ==
        sessions * transactions);
  CHECK(observer->execute("SELECT count(DISTINCT data) FROM a WHERE data LIKE 'session %'", {}).at(0, 0).as_integer() ==
        sessions);
}

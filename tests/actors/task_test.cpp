// orca::task, when_all and orca::run: results and exceptions travel through nested tasks,
// when_all waits for every task and rethrows the first failure, run() maps the outcome
// to an exit status.
#include <atomic>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "orca/orca.hpp"

namespace {

constexpr const char* memory_url = "sqlite:///:memory:";

orca::task<int> fails_after_a_round_trip(orca::engine engine, std::string what) {
  (void)co_await engine.status();  // a real suspension on an actor's reply
  throw orca::error{orca::errc::invalid_state, what};
}

orca::task<int> answers_after_a_round_trip(orca::engine engine, std::atomic<int>* finished, int value) {
  (void)co_await engine.status();
  ++*finished;
  co_return value;
}

}  // namespace

TEST_CASE("an exception in a nested task reaches the task awaiting it and run_or_throw", "[actors][task]") {
  auto engine = orca::create_engine(memory_url);
  bool caught_inside = false;
  try {
    orca::run_or_throw([](orca::engine engine, bool* caught_inside) -> orca::task<void> {
      try {
        co_await fails_after_a_round_trip(engine, "inner failure");
      } catch (const orca::error& e) {
        *caught_inside = e.code() == orca::errc::invalid_state && e.message() == "inner failure";
      }
      co_await fails_after_a_round_trip(engine, "escapes");
    }(engine, &caught_inside));
    FAIL_CHECK("run_or_throw returned although the task threw");
  } catch (const orca::error& e) {
    CHECK(e.message() == "escapes");
  }
  CHECK(caught_inside);
  orca::run_or_throw([](orca::engine engine) -> orca::task<void> { co_await engine.dispose(); }(engine));
}

TEST_CASE("when_all waits for every task and rethrows the first failure", "[actors][task]") {
  auto engine = orca::create_engine(memory_url);
  std::atomic<int> finished{0};
  std::string failure;
  orca::run_or_throw([](orca::engine engine, std::atomic<int>* finished, std::string* failure) -> orca::task<void> {
    std::vector<orca::task<int>> tasks;
    tasks.push_back(answers_after_a_round_trip(engine, finished, 1));
    tasks.push_back(fails_after_a_round_trip(engine, "first failure"));
    tasks.push_back(fails_after_a_round_trip(engine, "second failure"));
    tasks.push_back(answers_after_a_round_trip(engine, finished, 4));
    try {
      (void)co_await orca::when_all(std::move(tasks));
    } catch (const orca::error& e) {
      *failure = e.message();
    }
    // Without failures the results come back in order.
    std::vector<orca::task<int>> fine;
    for (int i = 0; i < 3; ++i) fine.push_back(answers_after_a_round_trip(engine, finished, i * 10));
    auto results = co_await orca::when_all(std::move(fine));
    CHECK(results == std::vector<int>{0, 10, 20});
    co_await engine.dispose();
  }(engine, &finished, &failure));
  CHECK(failure == "first failure");
  CHECK(finished == 5);  // both answers of the failed group arrived before when_all threw
}

TEST_CASE("orca::run returns 0, the status a task returns, or 1 when an exception escapes", "[actors][task]") {
  CHECK(orca::run([]() -> orca::task<void> { co_return; }()) == 0);
  CHECK(orca::run([]() -> orca::task<int> { co_return 7; }()) == 7);
  CHECK(orca::run([]() -> orca::task<void> {
          throw std::runtime_error("escaped");
          co_return;
        }()) == 1);
  CHECK(orca::run([]() -> orca::task<int> {
          throw orca::error{orca::errc::internal, "escaped"};
          co_return 0;
        }()) == 1);
}

// Streams: bounded memory over a result of a million rows, nesting, early close.
#include <chrono>
#include <string>
#include <thread>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/item_rows.hpp"
#include "support/workers.hpp"

using actor_test::fill_items;
using actor_test::item;

TEST_CASE("streaming a million rows holds one batch of objects at a time", "[actors][stream][memory]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  constexpr std::int64_t rows = 1'000'000;
  fill_items(*target.connect(), rows);
  item::reset();
  auto baseline = item::alive.load();
  std::int64_t seen = 0, sum = 0;
  actor_test::run([](orca::engine engine, std::int64_t* seen, std::int64_t* sum) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    auto stream = co_await session.stream(orca::select<item>(), 1000);
    while (true) {
      auto batch = co_await stream.next_batch();
      if (batch.empty()) break;
      CHECK(batch.size() <= 1000);
      for (auto& i : batch) {
        ++*seen;
        *sum += i->n;
      }
    }
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), &seen, &sum));
  CHECK(seen == rows);
  CHECK(sum == rows * (rows + 1) / 2);
  // One batch in the consumer's hands plus at most one being merged: never the result.
  CHECK(item::peak.load() - baseline <= 2 * 1000 + 1);
}

TEST_CASE("a stream opened inside another stream on the same session reads independently", "[actors][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  fill_items(*target.connect(), 30);
  std::vector<std::int64_t> pairs;
  actor_test::run([](orca::engine engine, std::vector<std::int64_t>* pairs) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    auto outer = co_await session.stream(orca::select<item>().where(orca::col(&item::n) <= 3).order_by(&item::n), 1);
    while (auto o = co_await outer.next()) {
      auto inner = co_await session.stream(
          orca::select<item>().where(orca::col(&item::n) > 27).order_by(orca::desc(&item::n)), 2);
      while (auto i = co_await inner.next()) pairs->push_back(o->n * 100 + i->n);
    }
    co_await engine.dispose();
  }(orca::create_engine(target.url), &pairs));
  CHECK(pairs == std::vector<std::int64_t>{130, 129, 128, 230, 229, 228, 330, 329, 328});
}

TEST_CASE("a stream dropped before its end closes its cursor and the session goes on", "[actors][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  fill_items(*target.connect(), 100);
  // The host blocks its worker while it watches the server (a stand-in for a consumer busy
  // elsewhere): the stream closes on a second one, whatever the machine's default.
  orca::test::scheduler_workers second_worker{"2"};
  // On PostgreSQL the session's connection carries a name of its own, so that an observer
  // sees the last statement it ran (pg_stat_activity.query): the cursor's CLOSE.
  auto name = "orca_stream_close_" + std::to_string(::getpid());
  auto url = target.name == "postgresql" ? target.url + "&application_name=" + name : target.url;
  std::string last_statement;
  actor_test::run([](orca::engine engine, const orca::test::backend_target* target, std::string name,
                     std::string* last_statement) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    {
      auto stream = co_await session.stream(orca::select<item>(), 10);
      auto first = co_await stream.next();
      CHECK(first != nullptr);
    }
    if (target->name == "postgresql") {
      auto observer = target->connect();
      for (int i = 0; i < 200 && last_statement->rfind("CLOSE", 0) != 0; ++i) {
        auto rows = observer->execute("SELECT query FROM pg_stat_activity WHERE application_name = $1", {name});
        if (rows.size() == 1) *last_statement = rows.at(0, 0).as_text();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    auto all = co_await session.scalars(orca::select<item>());
    CHECK(all.size() == 100);
    co_await session.commit();
    co_await engine.dispose();
  }(orca::create_engine(url, {.pool_size = 1}), &target, name, &last_statement));
  if (target.name == "postgresql") CHECK_THAT(last_statement, Catch::StartsWith("CLOSE"));
}

TEST_CASE("a stream nobody fetches from closes after its idle timeout, and only then", "[actors][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  fill_items(*target.connect(), 100);
  orca::test::scheduler_workers second_worker{"2"};  // the host blocks its worker below
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    // Blocking the host's thread stands in for a slow consumer (the streams' timers run on
    // CAF's clock thread, their handlers on the other worker).
    {
      auto busy = co_await session.stream(orca::select<item>(), 10);
      int seen = 0;
      while (auto x = co_await busy.next()) {
        if (++seen % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      CHECK(seen == 100);  // 100 ms between fetches, within the 300 ms timeout
    }
    auto idle = co_await session.stream(orca::select<item>(), 10);
    for (int j = 0; j < 10; ++j) {
      auto x = co_await idle.next();
      CHECK(x != nullptr);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    try {
      co_await idle.next();
      FAIL("a stream idle for longer than its timeout served a batch");
    } catch (const orca::error& e) {
      // The stream actor quit: the fetch finds it gone.
      CHECK(e.code() == orca::errc::disposed);
      CHECK_THAT(e.what(), Catch::Matchers::Contains("idle timeout"));
    }
    co_await session.commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.stream_idle_timeout = std::chrono::milliseconds(300)})));
}

TEST_CASE("streamed objects the consumer keeps stay its session's, and their changes are written", "[actors][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  fill_items(*target.connect(), 1000);
  item::reset();
  std::vector<std::int64_t> kept_ids;
  long alive_after_stream = -1;
  actor_test::run(
      [](orca::engine engine, std::vector<std::int64_t>* kept_ids, long* alive_after_stream) -> orca::task<void> {
        auto session = orca::async_sessionmaker(engine)();
        std::vector<std::shared_ptr<item>> kept;
        {
          auto stream = co_await session.stream(orca::select<item>().order_by(&item::n), 100);
          while (auto i = co_await stream.next())
            if (i->n % 97 == 0) kept.push_back(std::move(i));  // the others are dropped at once
        }
        for (auto& i : kept) kept_ids->push_back(i->id);
        kept[0]->payload = "changed";
        // Each kept object is the session's object for its key (no SQL), the dropped ones are
        // gone: a get loads a new object.
        for (auto& i : kept) CHECK((co_await session.get<item>(i->id)) == i);
        *alive_after_stream = item::alive.load();
        auto loaded_again = co_await session.get<item>(kept[0]->id + 1);
        CHECK(loaded_again);
        CHECK(loaded_again->n == kept[0]->n + 1);
        co_await session.commit();
        co_await session.close();
        co_await engine.dispose();
      }(orca::create_engine(target.url), &kept_ids, &alive_after_stream));
  REQUIRE(kept_ids.size() == 10);
  // Only the kept objects outlived the stream: the dropped ones were not held by the session.
  CHECK(alive_after_stream == 10);
  auto other = target.connect();
  CHECK(other->execute("SELECT payload FROM item WHERE id = " + std::to_string(kept_ids[0])).at(0, 0).as_text() ==
        "changed");
  CHECK(other->execute("SELECT count(*) FROM item WHERE payload = 'changed'").at(0, 0).as_integer() == 1);
}

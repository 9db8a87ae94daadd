// Column types beyond the basic ones through sessions: enums stored as integer or as text,
// std::chrono::system_clock::time_point, calendar dates and JSON (jsonb on PostgreSQL). Each
// round-trips into another session and is read as stored through a raw connection.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using namespace std::chrono;

namespace {

enum class status : std::int16_t { draft = 1, open = 2, closed = -3 };

struct event {
  std::int64_t id = 0;
  status as_number = status::draft;
  status as_name = status::draft;
  std::optional<status> maybe_name{};
  system_clock::time_point at{};
  year_month_day date{year{2000}, month{1}, day{1}};
  std::optional<year_month_day> maybe_date{};
  orca::json doc{"{}"};
};

void orca_table(orca::table_builder<event>& t) {
  t.table("event");
  t.column("id", &event::id).primary_key();
  t.column("as_number", &event::as_number);
  t.column("as_name", &event::as_name)
      .as_text({{status::draft, "draft"}, {status::open, "open"}, {status::closed, "closed"}});
  t.column("maybe_name", &event::maybe_name).as_text({{status::open, "open"}, {status::closed, "closed"}});
  t.column("at", &event::at);
  t.column("day", &event::date);
  t.column("maybe_day", &event::maybe_date);
  t.column("doc", &event::doc);
}

orca::task<void> reset_schema(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    orca::metadata::of<event>().drop_all(c);
    orca::metadata::of<event>().create_all(c);
  });
}

// Adds `value` and expects the commit to refuse it with type_mismatch naming `column`.
orca::task<void> expect_refused(orca::async_sessionmaker make, event value, std::string column) {
  auto session = make();
  session.add(std::move(value));
  try {
    co_await session.commit();
    FAIL_CHECK("the commit accepted a value for " << column);
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::type_mismatch);
    CHECK_THAT(e.message(), Catch::Contains(column));
  }
  co_await session.close();
}

}  // namespace

TEST_CASE("enums, system_clock times, dates and JSON round-trip through sessions", "[actors][values]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  // Canonical jsonb text (PostgreSQL normalises what it stores; SQLite keeps it verbatim).
  std::string document = "{\"a\": [1, 2.5, null], \"b\": {\"c\": \"d\xc3\xa9\"}}";
  auto at = sys_days{year{2026} / 12 / 1} + hours{3} + microseconds{123'456};
  event full{.as_number = status::closed,
             .as_name = status::open,
             .maybe_name = status::closed,
             .at = at,
             .date = year{1} / 1 / 1,
             .maybe_date = year{2024} / 2 / 29,
             .doc = orca::json{document}};
  event plain{.date = year{9999} / 12 / 31, .doc = orca::json{"123"}};
  actor_test::run([](orca::engine engine, event full, event plain) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto writer = make();
      writer.add(event{full});  // copies: the originals are compared with what is read back
      writer.add(event{plain});
      co_await writer.commit();
    }
    auto reader = make();
    auto rows = co_await reader.scalars(orca::select<event>().order_by(&event::id));
    REQUIRE(rows.size() == 2);
    auto& a = *rows.all().at(0);
    CHECK(a.as_number == status::closed);
    CHECK(a.as_name == status::open);
    CHECK(a.maybe_name == std::optional<status>{status::closed});
    CHECK(a.at == full.at);
    CHECK(a.date == full.date);
    CHECK(a.maybe_date == full.maybe_date);
    CHECK(a.doc == full.doc);
    auto& b = *rows.all().at(1);
    CHECK(b.as_number == status::draft);
    CHECK(b.as_name == status::draft);
    CHECK_FALSE(b.maybe_name.has_value());
    CHECK(b.at == system_clock::time_point{});
    CHECK(b.date == plain.date);
    CHECK_FALSE(b.maybe_date.has_value());
    CHECK(b.doc.text == "123");
    co_await engine.dispose();
  }(orca::create_engine(target.url), full, plain));
  auto raw = target.connect();
  auto stored = raw->execute("SELECT as_number, as_name, maybe_name, day, maybe_day FROM event ORDER BY id");
  REQUIRE(stored.size() == 2);
  CHECK(stored.at(0, 0).as_integer() == -3);
  CHECK(stored.at(0, 1).as_text() == "open");
  CHECK(stored.at(0, 2).as_text() == "closed");
  CHECK(stored.at(0, 3).as_text() == "0001-01-01");
  CHECK(stored.at(0, 4).as_text() == "2024-02-29");
  CHECK(stored.at(1, 1).as_text() == "draft");
  CHECK(stored.at(1, 2).is_null());
  if (target.name == "postgresql") {
    auto types = raw->execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'event' AND "
        "table_schema = current_schema() AND column_name IN ('day', 'doc') ORDER BY column_name");
    REQUIRE(types.size() == 2);
    CHECK(types.at(0, 1).as_text() == "date");
    CHECK(types.at(1, 1).as_text() == "jsonb");
    CHECK(raw->execute("SELECT doc -> 'b' ->> 'c' FROM event ORDER BY id LIMIT 1").at(0, 0).as_text() == "d\xc3\xa9");
  } else {
    CHECK(raw->execute("SELECT doc FROM event ORDER BY id").at(0, 0).as_text() == document);
    CHECK(raw->execute("SELECT typeof(doc) FROM event ORDER BY id DESC").at(0, 0).as_text() == "text");
  }
  CHECK(raw->execute("SELECT at FROM event ORDER BY id").at(0, 0).as_timestamp() == floor<microseconds>(at));
}

TEST_CASE("a time with nanoseconds, an invalid date or an unnamed enumerator is refused at flush",
          "[actors][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    struct refusal {
      event value;
      std::string column;
    };
    std::vector<refusal> refusals;
    refusals.push_back({event{.at = system_clock::time_point{nanoseconds{1'000'000'001}}}, "event.at"});
    refusals.push_back({event{.date = year{2023} / 2 / 29}, "event.day"});
    refusals.push_back({event{.date = year{10000} / 1 / 1}, "event.day"});
    refusals.push_back({event{.maybe_name = status::draft}, "event.maybe_name"});
    for (auto& r : refusals) {
      auto attempt = expect_refused(make, r.value, r.column);
      co_await attempt;
    }
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  CHECK(target.connect()->execute("SELECT count(*) FROM event").at(0, 0).as_integer() == 0);
}

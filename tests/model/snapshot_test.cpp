// A load fills each member and the object's snapshot from one copy of the row's value; the
// snapshot must still equal what the member gives back, whatever form the backend returned
// (SQLite's integers for booleans and its text for times, a double for a float member), or
// an untouched object would be written back. Rows are written and read through a second
// connection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "support/backends.hpp"
#include "model/session_test_support.hpp"

using namespace std::chrono;
using session_test::recording_connection;
using session_test::reset_schema;

namespace snapshot_test {

enum class level : std::int16_t { low = 1, high = 2 };

struct sample {
  std::int64_t id = 0;
  float ratio = 0;                // the row holds a double
  std::int32_t small = 0;         // range-checked narrowing
  bool flag = false;              // SQLite holds an integer
  level as_number = level::low;   // an enumeration stored as its integer
  level as_name = level::low;     // and as text
  system_clock::time_point at{};  // SQLite holds text
  year_month_day date{year{2000}, month{1}, day{1}};
  std::optional<float> maybe_ratio;  // NULL, then a double
  std::optional<std::string> note;   // NULL
  std::string text;
  orca::json doc{"{}"};
};

void orca_table(orca::table_builder<sample>& t) {
  t.table("snapshot_sample");
  t.column("id", &sample::id).primary_key();
  t.column("ratio", &sample::ratio);
  t.column("small", &sample::small);
  t.column("flag", &sample::flag);
  t.column("as_number", &sample::as_number);
  t.column("as_name", &sample::as_name).as_text({{level::low, "low"}, {level::high, "high"}});
  t.column("taken_at", &sample::at);
  t.column("day", &sample::date);
  t.column("maybe_ratio", &sample::maybe_ratio);
  t.column("note", &sample::note);
  t.column("body", &sample::text);
  t.column("doc", &sample::doc);
}

}  // namespace snapshot_test

using snapshot_test::sample;

TEST_CASE("a loaded object that was not changed is not written back, whatever its member types",
          "[session][unit_of_work][snapshot]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  auto check = target.connect();
  reset_schema(conn, orca::metadata::of<sample>());
  {
    orca::sync_session setup;
    auto s = std::make_shared<sample>();
    s->id = 1;
    s->text = "a text longer than the small-string buffer of std::string";
    s->at = sys_days{year{2026} / 12 / 1} + microseconds{123'456};
    s->date = year{2024} / 2 / 29;
    setup.add({&orca::table_of<sample>(), s});
    setup.commit(conn);
  }
  // Values no float holds exactly, written as the database's own types.
  check->execute("UPDATE snapshot_sample SET ratio = 0.1, maybe_ratio = 0.3, small = -7 WHERE id = 1");

  orca::sync_session session{{.expire_on_commit = false}};
  auto loaded = session.execute(conn, orca::select<sample>().spec());
  REQUIRE(loaded.size() == 1);
  auto s = std::static_pointer_cast<sample>(loaded.front().object);
  CHECK(s->ratio == 0.1f);
  CHECK(s->maybe_ratio == 0.3f);
  CHECK(s->small == -7);
  CHECK(s->date == year{2024} / 2 / 29);
  conn.clear();
  session.commit(conn);
  CHECK(session.last_flush().updated == 0);
  CHECK(conn.count_starting_with("UPDATE") == 0);

  SECTION("a reload that overwrites the object leaves it clean too") {
    check->execute("UPDATE snapshot_sample SET ratio = 0.7 WHERE id = 1");
    session.expire_all();
    auto again = session.execute(conn, orca::select<sample>().spec());
    REQUIRE(again.size() == 1);
    CHECK(again.front().object.get() == s.get());
    CHECK(s->ratio == 0.7f);
    conn.clear();
    session.commit(conn);
    CHECK(conn.count_starting_with("UPDATE") == 0);
  }
  SECTION("changed members are written, and only those columns") {
    s->text = "changed";
    s->note = "";  // NULL to an empty text is a change
    conn.clear();
    session.commit(conn);
    CHECK(session.last_flush().updated == 1);
    REQUIRE(conn.count_starting_with("UPDATE") == 1);
    for (auto& sql : conn.statements())
      if (sql.starts_with("UPDATE")) {
        CHECK(sql.find("body") != std::string::npos);
        CHECK(sql.find("note") != std::string::npos);
        CHECK(sql.find("small") == std::string::npos);
      }
    CHECK(check->execute("SELECT body FROM snapshot_sample WHERE id = 1").at(0, 0).as_text() == "changed");
    CHECK(check->execute("SELECT note FROM snapshot_sample WHERE id = 1").at(0, 0) == orca::value{std::string{}});
    CHECK(check->execute("SELECT small FROM snapshot_sample WHERE id = 1").at(0, 0).as_integer() == -7);
  }
}

TEST_CASE("numbers, booleans and times keep 8-byte snapshot slots, and their changes are written",
          "[session][unit_of_work][snapshot]") {
  // Not optional, these members always hold a value: their slots take 8 bytes; the others
  // (text, enumeration as text, date, optional, JSON) a 16-byte packed value.
  auto& table = orca::table_of<sample>();
  CHECK(table.snapshot_bytes() == 5 * 8 + 6 * 16);
  for (auto* name : {"ratio", "small", "flag", "as_number", "taken_at"}) {
    INFO(name);
    auto& c = *std::find_if(table.columns().begin(), table.columns().end(), [&](auto& x) { return x.name == name; });
    CHECK(table.snapshot_layout(table.snapshot_slot(c.ordinal)).fixed == c.type);
  }

  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  auto check = target.connect();
  reset_schema(conn, orca::metadata::of<sample>());
  check->execute(
      "INSERT INTO snapshot_sample (id, ratio, small, flag, as_number, as_name, taken_at, day, body, doc) "
      "VALUES (1, 0.5, 3, " +
      std::string{target.name == "sqlite" ? "0" : "false"} +
      ", 1, 'low', '2026-12-01 10:00:00', '2024-02-29', 'x', '{}')");

  orca::sync_session session{{.expire_on_commit = false}};
  auto loaded = session.execute(conn, orca::select<sample>().spec());
  REQUIRE(loaded.size() == 1);
  auto s = std::static_pointer_cast<sample>(loaded.front().object);
  conn.clear();
  session.commit(conn);
  CHECK(conn.count_starting_with("UPDATE") == 0);  // loaded as they are: clean

  s->small = -4;
  s->flag = true;
  s->as_number = snapshot_test::level::high;
  s->at += hours{1};
  conn.clear();
  session.commit(conn);
  REQUIRE(conn.count_starting_with("UPDATE") == 1);
  for (auto& sql : conn.statements())
    if (sql.starts_with("UPDATE")) {
      CHECK(sql.find("small") != std::string::npos);
      CHECK(sql.find("flag") != std::string::npos);
      CHECK(sql.find("as_number") != std::string::npos);
      CHECK(sql.find("taken_at") != std::string::npos);
      CHECK(sql.find("ratio") == std::string::npos);
      CHECK(sql.find("body") == std::string::npos);
    }
  auto row = check->execute("SELECT small, flag, as_number FROM snapshot_sample WHERE id = 1");
  CHECK(row.at(0, 0).as_integer() == -4);
  CHECK(row.at(0, 1) == (target.name == "sqlite" ? orca::value{std::int64_t{1}} : orca::value{true}));
  CHECK(row.at(0, 2).as_integer() == 2);

  // The flush's snapshot holds the written values: committing again writes nothing.
  conn.clear();
  session.commit(conn);
  CHECK(conn.count_starting_with("UPDATE") == 0);
  s->ratio = 0.25f;
  conn.clear();
  session.commit(conn);
  CHECK(conn.count_starting_with("UPDATE") == 1);
  CHECK(check->execute("SELECT ratio FROM snapshot_sample WHERE id = 1").at(0, 0).as_real() == 0.25);
}

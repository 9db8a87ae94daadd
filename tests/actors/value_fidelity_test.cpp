// Value fidelity through sessions: every member type orca maps reads back equal in another
// session and as stored (read by a raw connection), and a value the backend cannot hold is
// refused at flush with errc::type_mismatch naming the table and column — on every backend.
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using namespace std::chrono;

namespace {

struct sample {
  std::int64_t id = 0;
  bool flag = false;
  double ratio = 0;
  orca::blob bytes{};
  std::string name{};
  std::optional<std::string> note{};
  std::optional<std::int64_t> count{};
  std::optional<double> maybe_ratio{};
  std::optional<bool> maybe_flag{};
  orca::timestamp at{};
};

void orca_table(orca::table_builder<sample>& t) {
  t.table("sample");
  t.column("id", &sample::id).primary_key();
  t.column("flag", &sample::flag);
  t.column("ratio", &sample::ratio);
  t.column("bytes", &sample::bytes);
  t.column("name", &sample::name);
  t.column("note", &sample::note);
  t.column("count", &sample::count);
  t.column("maybe_ratio", &sample::maybe_ratio);
  t.column("maybe_flag", &sample::maybe_flag);
  t.column("at", &sample::at);
}

orca::task<void> reset_schema(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    orca::metadata::of<sample>().drop_all(c);
    orca::metadata::of<sample>().create_all(c);
  });
}

orca::timestamp at(int y, unsigned m, unsigned d) { return orca::timestamp{sys_days{year{y} / month{m} / day{d}}}; }

// Adds `value` and expects the commit to refuse it naming `column`; the table stays empty.
orca::task<void> expect_refused(orca::async_sessionmaker make, sample value, std::string column, std::string reason) {
  auto session = make();
  session.add(std::move(value));
  try {
    co_await session.commit();
    FAIL_CHECK("the commit accepted a value for " << column);
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::type_mismatch);
    CHECK(e.details().column == column);
    CHECK_THAT(e.message(), Catch::StartsWith("column " + column + ": ") && Catch::Contains(reason));
    CHECK_THAT(e.what(), Catch::Contains("column " + column));
  }
  co_await session.close();
}

}  // namespace

TEST_CASE("bool, double, blob, text, optional and timestamp members round-trip through sessions",
          "[actors][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  sample full{.flag = true,
              .ratio = 0.1,
              .bytes = orca::blob{{0x00, 0xff, 0x00}},
              .name = "na\xc3\xafve",
              .note = "",
              .count = std::numeric_limits<std::int64_t>::min(),
              .maybe_ratio = -std::numeric_limits<double>::infinity(),
              .maybe_flag = false,
              .at = at(9999, 12, 31) + microseconds{86'399'999'999}};
  sample empty;
  empty.at = at(1, 1, 1);
  actor_test::run([](orca::engine engine, sample full, sample empty) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto writer = make();
      writer.add(sample{full});   // a copy: the test compares against the original
      writer.add(sample{empty});  // a copy: the test compares against the original
      co_await writer.commit();
    }
    auto reader = make();
    auto rows = co_await reader.scalars(orca::select<sample>().order_by(&sample::id));
    REQUIRE(rows.size() == 2);
    auto& a = *rows.all().at(0);
    CHECK(a.flag);
    CHECK(a.ratio == 0.1);
    CHECK(a.bytes == full.bytes);
    CHECK(a.name == full.name);
    CHECK(a.note == std::optional<std::string>{""});
    CHECK(a.count == full.count);
    CHECK(a.maybe_ratio == full.maybe_ratio);
    CHECK(a.maybe_flag == std::optional<bool>{false});
    CHECK(a.at == full.at);
    auto& b = *rows.all().at(1);
    CHECK_FALSE(b.flag);
    CHECK(b.bytes.bytes.empty());
    CHECK(b.name.empty());
    CHECK_FALSE(b.note.has_value());
    CHECK_FALSE(b.count.has_value());
    CHECK_FALSE(b.maybe_ratio.has_value());
    CHECK_FALSE(b.maybe_flag.has_value());
    CHECK(b.at == empty.at);
    co_await engine.dispose();
  }(orca::create_engine(target.url), full, empty));
  // As stored: NULL only where the optional was empty, an empty text and blob are not NULL.
  auto raw = target.connect();
  auto stored = raw->execute(
      "SELECT note IS NULL, count IS NULL, maybe_flag IS NULL, bytes IS NULL, name IS NULL "
      "FROM sample ORDER BY id");
  REQUIRE(stored.size() == 2);
  for (std::size_t column = 0; column < 5; ++column) {
    CHECK_FALSE(stored.at(0, column).as_boolean());
    CHECK(stored.at(1, column).as_boolean() == (column < 3));
  }
  // The values themselves, as another connection reads them (not through a session's
  // mapping, which would undo a symmetric mistake).
  auto values = raw->execute(
      "SELECT CASE WHEN flag THEN 1 ELSE 0 END, ratio, bytes, name, count, "
      "CASE WHEN maybe_flag THEN 1 ELSE 0 END FROM sample ORDER BY id");
  REQUIRE(values.size() == 2);
  CHECK(values.at(0, 0).as_integer() == 1);
  CHECK(values.at(0, 1).as_real() == 0.1);
  CHECK(values.at(0, 2).as_blob() == full.bytes);
  CHECK(values.at(0, 3).as_text() == full.name);
  CHECK(values.at(0, 4).as_integer() == std::numeric_limits<std::int64_t>::min());
  CHECK(values.at(0, 5).as_integer() == 0);
  CHECK(values.at(1, 0).as_integer() == 0);
  CHECK(values.at(1, 2).as_blob().bytes.empty());
}

TEST_CASE("a value the backend cannot hold is refused at flush naming its column, on insert and update",
          "[actors][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  bool sqlite = target.name == "sqlite";
  actor_test::run([](orca::engine engine, bool sqlite) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    // Each case is a named object: g++ 12 destroys non-trivial temporaries in a co_await
    // operand twice.
    struct refusal {
      sample value;
      std::string column, reason;
    };
    std::vector<refusal> refusals;
    refusals.push_back({sample{.name = std::string{"before\0after", 12}}, "sample.name", "NUL byte"});
    refusals.push_back({sample{.note = "caf\xe9"}, "sample.note", "not valid UTF-8"});
    if (sqlite) {
      refusals.push_back({sample{.ratio = std::nan("")}, "sample.ratio", "NaN"});
      refusals.push_back({sample{.maybe_ratio = -0.0}, "sample.maybe_ratio", "-0.0"});
      refusals.push_back({sample{.at = at(12000, 1, 1)}, "sample.at", "after year 9999"});
    } else {
      refusals.push_back({sample{.at = at(-4713, 11, 23)}, "sample.at", "4714-11-24 BC"});
    }
    for (auto& r : refusals) {
      auto attempt = expect_refused(make, r.value, r.column, r.reason);
      co_await attempt;
    }
    // On update: only the changed column is sent, and it is the one named.
    auto session = make();
    session.add(sample{.name = "fine"});
    co_await session.commit();
    auto row = (co_await session.scalars(orca::select<sample>())).one();
    row->note = "\xff";
    try {
      co_await session.commit();
      FAIL_CHECK("the update accepted invalid UTF-8");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::type_mismatch);
      CHECK(e.details().column == "sample.note");
    }
    co_await session.rollback();
    co_await engine.dispose();
  }(orca::create_engine(target.url), sqlite));
  auto raw = target.connect();
  CHECK(raw->execute("SELECT count(*) FROM sample").at(0, 0).as_integer() == 1);
  CHECK(raw->execute("SELECT note FROM sample").at(0, 0).is_null());
}

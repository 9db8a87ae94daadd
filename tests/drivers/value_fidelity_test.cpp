// Value fidelity at the driver: every edge value either reads back equal — checked through
// a second connection, as the database stores it — or is refused before anything is sent,
// with errc::type_mismatch naming the parameter (docs/values.md has the table).
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include <catch2/catch.hpp>

#include "orca/drivers/error.hpp"
#include "support/backends.hpp"

using namespace std::chrono;
using orca::drivers::connection;

namespace {

// A table `v` with one column of the type orca gives `type` on this backend.
std::unique_ptr<connection> table_of(const orca::test::backend_target& target, orca::value_type type) {
  auto c = target.connect();
  c->execute_script("DROP TABLE IF EXISTS v");
  c->execute_script("CREATE TABLE v (id INTEGER PRIMARY KEY, x " + std::string{c->sql_dialect().type_name(type)} + ")");
  return c;
}

std::string insert_sql(const connection& c) {
  return c.sql_dialect().name() == "sqlite" ? "INSERT INTO v (id, x) VALUES (?, ?)"
                                            : "INSERT INTO v (id, x) VALUES ($1, $2)";
}

// Writes `x` as row `id` on `writer`, reads it back on a second connection.
orca::value round_trip(connection& writer, const orca::test::backend_target& target, int id, const orca::value& x) {
  writer.execute(insert_sql(writer), {id, x});
  auto reader = target.connect();
  return reader->execute("SELECT x FROM v WHERE id = " + std::to_string(id)).at(0, 0);
}

// Expects `x` to be refused as parameter 2, and nothing to be written.
void expect_refused(connection& writer, const orca::test::backend_target& target, const orca::value& x,
                    const std::string& reason) {
  try {
    writer.execute(insert_sql(writer), {999, x});
    FAIL_CHECK("the value was accepted: " << orca::to_string(x));
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::type_mismatch);
    CHECK(e.details().parameter == 2);
    CHECK_THAT(e.message(), Catch::StartsWith("parameter 2: ") && Catch::Contains(reason));
  }
  CHECK(target.connect()->execute("SELECT count(*) FROM v WHERE id = 999").at(0, 0).as_integer() == 0);
}

orca::timestamp at(int y, unsigned m, unsigned d, microseconds time_of_day = {}) {
  return orca::timestamp{sys_days{year{y} / month{m} / day{d}}} + time_of_day;
}

}  // namespace

TEST_CASE("text with a NUL byte is refused on every backend and nothing is written", "[drivers][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto c = table_of(target, orca::value_type::text);
  expect_refused(*c, target, std::string{"before\0after", 12}, "NUL byte (at byte 6)");
  // The refusal happened before anything was sent: the connection goes on as before.
  c->begin();
  c->execute(insert_sql(*c), {1, "after the refusal"});
  c->commit();
  CHECK(target.connect()->execute("SELECT x FROM v").at(0, 0) == orca::value{"after the refusal"});
}

TEST_CASE("invalid UTF-8 text is refused alike on both backends and valid text reads back byte for byte",
          "[drivers][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto c = table_of(target, orca::value_type::text);
  for (std::string bad : {"\xff", "ab\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "x\x80"}) {
    INFO("text bytes: " << orca::to_string(orca::value{orca::blob{{bad.begin(), bad.end()}}}));
    expect_refused(*c, target, bad, "not valid UTF-8");
  }
  std::string good = "\xc3\xa4\xe2\x82\xac\xf0\x9d\x84\x9e \x7f";  // ä € 𝄞, a space, DEL
  CHECK(round_trip(*c, target, 1, good) == orca::value{good});
  CHECK(round_trip(*c, target, 2, "") == orca::value{""});  // empty text is not NULL
  auto length = target.name == "sqlite" ? "length(x)" : "char_length(x)";
  CHECK(target.connect()->execute(std::string{"SELECT "} + length + " FROM v WHERE id = 1").at(0, 0).as_integer() == 5);
}

TEST_CASE("reals read back bit for bit, SQLite refuses NaN and -0.0, PostgreSQL keeps them",
          "[drivers][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto c = table_of(target, orca::value_type::real);
  constexpr auto inf = std::numeric_limits<double>::infinity();
  int id = 0;
  for (double x : {1.5, 0.1, 1e308, 5e-324, -2.2250738585072014e-308, inf, -inf, 0.0}) {
    INFO("value " << x);
    auto back = round_trip(*c, target, ++id, x);
    REQUIRE(back.type() == orca::value_type::real);
    CHECK(std::memcmp(&std::get<double>(back.data()), &x, sizeof x) == 0);
  }
  auto raw = target.connect();
  if (target.name == "sqlite") {
    expect_refused(*c, target, std::numeric_limits<double>::quiet_NaN(), "NaN");
    expect_refused(*c, target, -0.0, "-0.0");
    CHECK(raw->execute("SELECT typeof(x) FROM v WHERE id = 6").at(0, 0) == orca::value{"real"});
  } else {
    auto nan = round_trip(*c, target, 100, std::numeric_limits<double>::quiet_NaN());
    CHECK(std::isnan(nan.as_real()));
    auto negative_zero = round_trip(*c, target, 101, -0.0);
    CHECK(negative_zero.as_real() == 0.0);
    CHECK(std::signbit(negative_zero.as_real()));
    CHECK(raw->execute("SELECT x::text FROM v WHERE id = 100").at(0, 0) == orca::value{"NaN"});
    CHECK(raw->execute("SELECT x::text FROM v WHERE id = 101").at(0, 0) == orca::value{"-0"});
    CHECK(raw->execute("SELECT x::text FROM v WHERE id = 7").at(0, 0) == orca::value{"-Infinity"});
  }
}

TEST_CASE("timestamps round-trip over the range each backend holds and are refused outside it",
          "[drivers][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto c = table_of(target, orca::value_type::time);
  int id = 0;
  auto last_micro = hours{23} + minutes{59} + seconds{59} + microseconds{999999};
  // Every backend: year 0 (1 BC) through 9999.
  for (auto t : {at(1970, 1, 1), at(2026, 2, 28, microseconds{1}), at(1, 1, 1), at(0, 2, 29, last_micro),
                 at(9999, 12, 31, last_micro), at(1969, 12, 31, last_micro)}) {
    INFO("timestamp " << orca::format_timestamp(t));
    CHECK(round_trip(*c, target, ++id, t).as_timestamp() == t);
  }
  auto raw = target.connect();
  if (target.name == "sqlite") {
    CHECK(raw->execute("SELECT x FROM v WHERE id = 4").at(0, 0) == orca::value{"0000-02-29 23:59:59.999999"});
    expect_refused(*c, target, at(10000, 1, 1), "after year 9999");
    expect_refused(*c, target, at(-1, 12, 31, last_micro), "before year 0");
  } else {
    CHECK(raw->execute("SELECT x::text FROM v WHERE id = 4").at(0, 0) == orca::value{"0001-02-29 23:59:59.999999 BC"});
    // Beyond std::chrono::year too: PostgreSQL holds years up to 294276.
    auto far = orca::timestamp{days{106'751'000} + microseconds{123456}};  // in the year 294,247
    auto earliest = at(-4713, 11, 24);
    for (auto t : {at(12000, 6, 15, hours{12}), at(-44, 3, 15), earliest, far}) {
      INFO("timestamp at " << t.time_since_epoch().count() << " us");
      CHECK(round_trip(*c, target, ++id, t).as_timestamp() == t);
    }
    CHECK(raw->execute("SELECT x::text FROM v WHERE id = 7").at(0, 0) == orca::value{"12000-06-15 12:00:00"});
    CHECK(raw->execute("SELECT x::text FROM v WHERE id = 9").at(0, 0) == orca::value{"4714-11-24 00:00:00 BC"});
    expect_refused(*c, target, earliest - microseconds{1}, "4714-11-24 BC");
  }
}

TEST_CASE("integers, blobs, booleans and NULL read back as written", "[drivers][values][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  {
    auto c = table_of(target, orca::value_type::integer);
    CHECK(round_trip(*c, target, 1, std::numeric_limits<std::int64_t>::max()) ==
          orca::value{std::numeric_limits<std::int64_t>::max()});
    CHECK(round_trip(*c, target, 2, std::numeric_limits<std::int64_t>::min()) ==
          orca::value{std::numeric_limits<std::int64_t>::min()});
    CHECK(round_trip(*c, target, 3, nullptr).is_null());
  }
  {
    auto c = table_of(target, orca::value_type::binary);
    orca::blob bytes{{0x00, 0xff, 0x00, 'a', 0xc0, 0x80, 0x00}};
    CHECK(round_trip(*c, target, 1, bytes) == orca::value{bytes});
    CHECK(round_trip(*c, target, 2, orca::blob{}) == orca::value{orca::blob{}});  // empty is not NULL
    auto length = target.name == "sqlite" ? "length(x)" : "octet_length(x)";
    CHECK(target.connect()->execute(std::string{"SELECT "} + length + " FROM v WHERE id = 1").at(0, 0).as_integer() ==
          7);
  }
  {
    auto c = table_of(target, orca::value_type::boolean);
    CHECK(round_trip(*c, target, 1, true).as_boolean());
    CHECK_FALSE(round_trip(*c, target, 2, false).as_boolean());
  }
}

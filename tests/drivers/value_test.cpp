// Tests of orca::value conversions, rendering, the timestamp text format and orca::error.
// Backend-independent; no database is opened.
#include <catch2/catch.hpp>

#include "orca/drivers/error.hpp"
#include "orca/drivers/value.hpp"

using namespace std::chrono;

namespace {

orca::timestamp at(int y, unsigned mo, unsigned d, int h, int mi, int s, int us = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + microseconds{us};
}

// The message of the type_mismatch error `read` throws.
template <class Read>
std::string mismatch_of(Read&& read) {
  try {
    read();
  } catch (const orca::error& failed) {
    CHECK(failed.code() == orca::errc::type_mismatch);
    return failed.message();
  }
  FAIL("no type_mismatch was thrown");
  return {};
}

}  // namespace

TEST_CASE("a value reports the type it holds", "[value]") {
  CHECK(orca::value{}.type() == orca::value_type::null);
  CHECK(orca::value{nullptr}.is_null());
  CHECK(orca::value{42}.type() == orca::value_type::integer);
  CHECK(orca::value{1.5}.type() == orca::value_type::real);
  CHECK(orca::value{"a"}.type() == orca::value_type::text);
  CHECK(orca::value{orca::blob{{1, 2}}}.type() == orca::value_type::binary);
  CHECK(orca::value{true}.type() == orca::value_type::boolean);
  CHECK(orca::value{at(2026, 1, 2, 3, 4, 5)}.type() == orca::value_type::time);
}

TEST_CASE("lossless conversions are allowed", "[value]") {
  CHECK(orca::value{7}.as_real() == 7.0);
  CHECK(orca::value{true}.as_integer() == 1);
  CHECK(orca::value{std::int64_t{0}}.as_boolean() == false);
  CHECK(orca::value{std::int64_t{1}}.as_boolean() == true);
  CHECK(orca::value{"2026-11-21 12:00:00.123456"}.as_timestamp() == at(2026, 11, 21, 12, 0, 0, 123456));
}

TEST_CASE("asking for the wrong type says what was expected and what was found", "[value]") {
  CHECK(mismatch_of([] { return orca::value{"abc"}.as_integer(); }) == "expected integer, found text 'abc'");
  CHECK(mismatch_of([] { return orca::value{}.as_text(); }) == "expected text, found NULL");
  CHECK(mismatch_of([] { return orca::value{2.5}.as_integer(); }) == "expected integer, found real 2.5");
  CHECK(mismatch_of([] { return orca::value{std::int64_t{2}}.as_boolean(); }) == "expected boolean, found integer 2");
  CHECK(mismatch_of([] { return orca::value{"yesterday"}.as_timestamp(); }) ==
        "expected timestamp, found text 'yesterday'");
  CHECK(mismatch_of([] { return orca::value{"x"}.as_blob(); }) == "expected blob, found text 'x'");
}

TEST_CASE("a long value is cut short in a type mismatch message", "[value]") {
  auto message = mismatch_of([] { return orca::value{std::string(1000, 'x')}.as_integer(); });
  CHECK(message.size() < 100);
  CHECK_THAT(message, Catch::EndsWith("..."));
}

TEST_CASE("values render as SQL literals for logs", "[value]") {
  CHECK(orca::to_string(orca::value{}) == "NULL");
  CHECK(orca::to_string(orca::value{-42}) == "-42");
  CHECK(orca::to_string(orca::value{0.25}) == "0.25");
  CHECK(orca::to_string(orca::value{"it's"}) == "'it''s'");
  CHECK(orca::to_string(orca::value{orca::blob{{0x0a, 0xff}}}) == "X'0aff'");
  CHECK(orca::to_string(orca::value{false}) == "false");
  CHECK(orca::to_string(orca::value{at(2026, 3, 4, 5, 6, 7, 89)}) == "'2026-03-04 05:06:07.000089'");
}

TEST_CASE("timestamps format as UTC text with microseconds", "[value]") {
  CHECK(orca::format_timestamp(at(2026, 11, 21, 12, 0, 0, 123456)) == "2026-11-21 12:00:00.123456");
  CHECK(orca::format_timestamp(at(1969, 12, 31, 23, 59, 59, 999999)) == "1969-12-31 23:59:59.999999");
  CHECK(orca::format_timestamp(orca::timestamp{}) == "1970-01-01 00:00:00.000000");
}

TEST_CASE("a formatted timestamp parses back to the same instant", "[value]") {
  for (auto t : {at(2026, 11, 21, 12, 0, 0, 123456), at(1999, 2, 28, 23, 59, 59, 1), at(2024, 2, 29, 0, 0, 0)})
    CHECK(orca::parse_timestamp(orca::format_timestamp(t)) == t);
}

TEST_CASE("the timestamp spellings of both backends parse", "[value]") {
  auto noon = at(2026, 11, 21, 12, 0, 0);
  CHECK(orca::parse_timestamp("2026-11-21 12:00:00") == noon);
  CHECK(orca::parse_timestamp("2026-11-21T12:00:00") == noon);
  CHECK(orca::parse_timestamp("2026-11-21 12:00:00Z") == noon);
  CHECK(orca::parse_timestamp("2026-11-21 12:00:00+00") == noon);
  CHECK(orca::parse_timestamp("2026-11-21 12:00:00+00:00") == noon);
  CHECK(orca::parse_timestamp("2026-11-21 12:00:00.5") == noon + milliseconds{500});
  CHECK(orca::parse_timestamp("2026-11-21 12:00:00.123+00") == noon + milliseconds{123});
  CHECK(orca::parse_timestamp("2026-11-21T12:00:00.000001Z") == noon + microseconds{1});
}

TEST_CASE("text that is not a timestamp does not parse", "[value]") {
  for (auto text : {"", "2026-11-21", "2026-11-21 12:00", "2026-13-01 00:00:00", "2026-02-30 00:00:00",
                    "2026-11-21 24:00:00", "2026-11-21 12:60:00", "2026-11-21 12:00:00.", "2026-11-21 12:00:00.1234567",
                    "2026-11-21 12:00:00+01", "2026-11-21 12:00:00 ", " 2026-11-21 12:00:00", "26-11-21 12:00:00",
                    "2026/11/21 12:00:00", "2026-11-21x12:00:00", "2026-1a-21 12:00:00"})
    CHECK_FALSE(orca::parse_timestamp(text).has_value());
}

TEST_CASE("an error's what() carries the constraint, the code and the SQL", "[error]") {
  orca::error_details details;
  details.sql = "INSERT INTO a (data) VALUES (?)";
  details.sqlstate = "sqlite:2067";
  details.constraint = "a.data";
  orca::error failed{orca::errc::constraint_violation, "UNIQUE constraint failed: a.data", details};
  CHECK(failed.message() == "UNIQUE constraint failed: a.data");
  CHECK(std::string{failed.what()} ==
        "UNIQUE constraint failed: a.data [constraint a.data; sqlite:2067] in: INSERT INTO a (data) VALUES (?)");
  CHECK(std::string{orca::error{orca::errc::closed, "the session is closed"}.what()} == "the session is closed");
}

TEST_CASE("every errc has a name", "[error]") {
  CHECK(orca::to_string(orca::errc::constraint_violation) == "constraint_violation");
  CHECK(orca::to_string(orca::errc::database_busy) == "database_busy");
  for (int code = 0; code <= static_cast<int>(orca::errc::internal); ++code)
    CHECK(orca::to_string(static_cast<orca::errc>(code)) != "unknown");
}

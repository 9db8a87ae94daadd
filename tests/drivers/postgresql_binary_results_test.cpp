// Binary results on PostgreSQL: a statement whose first result (in text) has only column
// types orca decodes in binary asks for binary from then on. Each type must read to the
// same value either way: the same rows are read in text and in binary through libpq and
// compared cell by cell, edge values included; then the driver's own statements and
// cursors, whose later results come in binary, are compared with their first.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "postgresql_connect.hpp"
#include "postgresql_result.hpp"
#include "postgresql_test_support.hpp"

using orca::drivers::rowset;
using orca::test::postgresql::test_database;
namespace pg = orca::drivers::postgresql;

namespace {

// Every type binary_decodable() accepts, with the values where text and binary could part:
// signs, NaN and infinities, float4's shortest digits, padded char(n), empty and 0x00/0xff
// bytes, fractions of a second, BC, infinite and far-future timestamps, NULL.
constexpr const char* every_type = R"(
SELECT * FROM (VALUES
  (1, 32767::int2, '-2147483648'::int4, '-9223372036854775808'::int8, 4294967295::oid,
   1.1::float4, 0.1::float8, true, '\x00ff10'::bytea, 'grüße'::text, 'v'::varchar(10),
   'ab'::char(5), 'n'::name, '{"a": [1, 2]}'::json,
   '2026-11-30 12:34:56.789012'::timestamp, '2026-11-30 12:34:56.5+02'::timestamptz,
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid),
  (2, -1::int2, 0::int4, 9223372036854775807::int8, 0::oid,
   '-0'::float4, '-Infinity'::float8, false, ''::bytea, '', '',
   '', '', 'null'::json,
   '0044-03-15 01:02:03 BC'::timestamp, '4714-11-24 00:00:00+00 BC'::timestamptz,
   '00000000-0000-0000-0000-000000000000'::uuid),
  (3, NULL, NULL, NULL, NULL,
   'NaN'::float4, 'NaN'::float8, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL,
   'infinity'::timestamp, '-infinity'::timestamptz, NULL),
  (4, 7::int2, 7::int4, 7::int8, 7::oid,
   3.4028235e38::float4, 1.7976931348623157e308::float8, true, '\x41'::bytea, 'x', 'y',
   'zzzzz', 'w', '[]'::json,
   '294270-06-01 00:00:00.25'::timestamp, '294276-12-31 23:59:59.999999+00'::timestamptz,
   'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
) AS t(id, i2, i4, i8, o, f4, f8, b, bytes, txt, vc, ch, nm, js, ts, tstz, u)
ORDER BY id)";

// Cell equality, with NaN equal to NaN (a value's == is IEEE's).
bool same(const orca::value& a, const orca::value& b) {
  if (a.type() == orca::value_type::real && b.type() == orca::value_type::real && std::isnan(a.as_real()))
    return std::isnan(b.as_real());
  return a == b;
}

void check_same_rows(const rowset& text, const rowset& binary) {
  REQUIRE(text.size() == binary.size());
  REQUIRE(text.width() == binary.width());
  CHECK(text.columns() == binary.columns());
  for (std::size_t r = 0; r < text.size(); ++r)
    for (std::size_t c = 0; c < text.width(); ++c) {
      INFO("row " << r << ", column " << text.columns()[c] << ": text " << orca::to_string(text.at(r, c)) << ", binary "
                  << orca::to_string(binary.at(r, c)));
      CHECK(same(text.at(r, c), binary.at(r, c)));
    }
}

}  // namespace

TEST_CASE("postgresql reads every binary-decodable type to the same value as its text form", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = pg::connect_server(db->server(), {});
  pg::result_ptr text{PQexecParams(conn.get(), every_type, 0, nullptr, nullptr, nullptr, nullptr, 0)};
  pg::result_ptr binary{PQexecParams(conn.get(), every_type, 0, nullptr, nullptr, nullptr, nullptr, 1)};
  REQUIRE(pg::succeeded(text.get()));
  REQUIRE(pg::succeeded(binary.get()));
  REQUIRE(PQfformat(binary.get(), 0) == 1);  // the binary path is the one under test
  CHECK(pg::binary_decodable(text.get()));
  rowset from_text, from_binary;
  pg::append_rows(text.get(), from_text);
  pg::append_rows(binary.get(), from_binary);
  check_same_rows(from_text, from_binary);
  // Spot checks of what both read: values, not merely agreement.
  CHECK(from_binary.at(0, 5) == orca::value{1.1});  // float4 1.1 reads as the double 1.1
  CHECK(from_binary.at(1, 7) == orca::value{false});
  CHECK(from_binary.at(0, 11) == orca::value{"ab   "});  // char(5) keeps its padding
  CHECK(from_binary.at(2, 14) == orca::value{"infinity"});
  CHECK(from_binary.at(3, 8).as_blob().bytes == std::vector<std::uint8_t>{0x41});
}

TEST_CASE("postgresql keeps text results for a type it does not decode in binary", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = pg::connect_server(db->server(), {});
  for (const char* sql : {"SELECT 1::int8, 2.5::numeric", "SELECT DATE '2026-11-30'", "SELECT '1 day'::interval",
                          "SELECT '{1,2}'::int4[]"}) {
    pg::result_ptr result{PQexec(conn.get(), sql)};
    REQUIRE(pg::succeeded(result.get()));
    INFO(sql);
    CHECK_FALSE(pg::binary_decodable(result.get()));
  }
}

TEST_CASE("postgresql statements and cursors read the same rows once their results come in binary", "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  // A prepared statement: its first result is text, the later ones binary.
  std::string sql = every_type;
  sql.replace(sql.find("ORDER BY id"), 11, "WHERE id >= $1 ORDER BY id");
  auto first = conn->execute(sql, {1});
  auto second = conn->execute(sql, {1});
  auto third = conn->execute(sql, {3});
  REQUIRE(first.size() == 4);
  check_same_rows(first, second);
  REQUIRE(third.size() == 2);
  for (std::size_t c = 0; c < third.width(); ++c) CHECK(same(third.at(0, c), first.at(2, c)));
  // A cursor: its first batch is text, the next ones binary.
  conn->execute_script("CREATE TABLE r (id BIGINT, at TIMESTAMPTZ, note TEXT)");
  conn->execute(
      "INSERT INTO r SELECT n, TIMESTAMPTZ '2026-01-01 00:00:00+00' + n * INTERVAL '1.5 second', 'row ' || n "
      "FROM generate_series(1, 25) AS n");
  auto cursor = conn->open_cursor("SELECT id, at, note FROM r ORDER BY id");
  rowset rows;
  while (cursor->fetch(4, rows)) {
  }
  REQUIRE(rows.size() == 25);
  auto expected = conn->execute("SELECT id, at, note FROM r ORDER BY id");
  check_same_rows(expected, rows);
}

TEST_CASE("a postgresql statement reads binary after its first result: a float8 exact where text rounds it",
          "[postgresql]") {
  auto db = test_database::open();
  if (!db) return;
  auto conn = db->connect();
  // Text output of float8 with 13 significant digits: 0.1 + 0.2 prints as 0.3.
  conn->execute_script("SET extra_float_digits = -2");
  auto first = conn->execute("SELECT $1::float8 + 0.2::float8 AS sum", {0.1});
  auto second = conn->execute("SELECT $1::float8 + 0.2::float8 AS sum", {0.1});
  CHECK(first.at(0, 0) == orca::value{0.3});         // the first result, in text: rounded
  CHECK(second.at(0, 0) == orca::value{0.1 + 0.2});  // the next, in binary: the double itself
  CHECK(second.at(0, 0) != orca::value{0.3});
}

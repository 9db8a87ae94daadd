// Tests of orca::uuid: parsing, formatting, random version-4 generation and its conversions
// through orca::value. Backend-independent; no database is opened.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "orca/drivers/error.hpp"
#include "orca/drivers/value.hpp"

TEST_CASE("a UUID parses from its canonical text and formats back in lower case", "[uuid]") {
  auto u = orca::uuid::parse("123E4567-e89b-12d3-A456-426614174000");
  REQUIRE(u.has_value());
  CHECK(u->bytes[0] == 0x12);
  CHECK(u->bytes[15] == 0x00);
  CHECK(u->version() == 1);
  CHECK(orca::to_string(*u) == "123e4567-e89b-12d3-a456-426614174000");
  CHECK(orca::uuid::parse("123e4567e89b12d3a456426614174000") == u);
  CHECK(orca::uuid::parse("{123e4567-e89b-12d3-a456-426614174000}") == u);
  CHECK(orca::uuid{}.is_nil());
  CHECK(orca::to_string(orca::uuid{}) == "00000000-0000-0000-0000-000000000000");
}

TEST_CASE("text that is not a UUID does not parse", "[uuid]") {
  for (const char* bad : {"", "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-4266141740000",
                          "123e4567+e89b-12d3-a456-426614174000", "g23e4567-e89b-12d3-a456-426614174000",
                          "123e4567-e89b-12d3-a456426614174000-"}) {
    INFO(bad);
    CHECK_FALSE(orca::uuid::parse(bad).has_value());
  }
  CHECK_THROWS_AS(orca::uuid::from_string("nope"), orca::error);
}

TEST_CASE("random_v4 gives distinct version-4 UUIDs of the RFC variant", "[uuid]") {
  std::set<orca::uuid> seen;
  for (int i = 0; i < 1000; ++i) {
    auto u = orca::uuid::random_v4();
    CHECK(u.version() == 4);
    CHECK((u.bytes[8] & 0xc0) == 0x80);
    seen.insert(u);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("a value reads a UUID from a UUID, a 16-byte blob or UUID text, and nothing else", "[uuid]") {
  auto u = orca::uuid::random_v4();
  CHECK(orca::value{u}.type() == orca::value_type::uuid);
  CHECK(orca::value{u}.as_uuid() == u);
  CHECK(orca::value{orca::blob{{u.bytes.begin(), u.bytes.end()}}}.as_uuid() == u);
  CHECK(orca::value{orca::to_string(u)}.as_uuid() == u);
  CHECK(orca::to_string(orca::value{u}) == "'" + orca::to_string(u) + "'");
  orca::value short_blob{orca::blob{{1, 2, 3}}};
  CHECK_THROWS_AS(short_blob.as_uuid(), orca::error);
  CHECK_THROWS_AS(orca::value{std::int64_t{7}}.as_uuid(), orca::error);
  CHECK_THROWS_AS(orca::value{"not a uuid"}.as_uuid(), orca::error);
}

// Packed snapshot values: every kind of value comes back as it went in, short payloads stay
// inline and long ones live in the pool until released.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "orca/model/packed_value.hpp"

TEST_CASE("a packed value unpacks to the value it was made from", "[identity_map][snapshot]") {
  orca::snapshot_pool pool;
  orca::uuid u;
  for (std::size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  std::vector<orca::value> values{
      orca::value{},
      orca::value{std::int64_t{-42}},
      orca::value{std::int64_t{9'007'199'254'740'993}},
      orca::value{2.5},
      orca::value{true},
      orca::value{false},
      orca::value{orca::timestamp{std::chrono::microseconds{1'764'633'600'123'456}}},
      orca::value{std::string{}},
      orca::value{std::string{"fourteen bytes"}},   // the longest inline text
      orca::value{std::string{"fifteen bytes!!"}},  // the shortest out of line
      orca::value{std::string(100'000, 'x')},       // larger than the pool's classes
      orca::value{std::string{"nul\0inside", 10}},  // bytes, not a C string
      orca::value{orca::blob{{0, 1, 2, 255}}},
      orca::value{orca::blob{std::vector<std::uint8_t>(40, 9)}},
      orca::value{u},
  };
  std::vector<orca::packed_value> packed;
  for (auto& x : values) packed.push_back(orca::packed_value::pack(x, pool));
  for (std::size_t i = 0; i < values.size(); ++i) {
    INFO("value " << orca::to_string(values[i]));
    CHECK(packed[i].type() == values[i].type());
    CHECK(packed[i].unpack() == values[i]);
  }
  // Released payloads go back to the pool: packing the same sizes again reuses them, and the
  // values packed meanwhile keep theirs.
  packed[9].release(pool);
  CHECK(packed[9].type() == orca::value_type::null);
  auto again = orca::packed_value::pack(orca::value{std::string{"another fifteen"}}, pool);
  CHECK(again.unpack() == orca::value{std::string{"another fifteen"}});
  CHECK(packed[10].unpack() == values[10]);
  again.release(pool);
  for (auto& p : packed) p.release(pool);
}

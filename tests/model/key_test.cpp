// Tests of orca::key (integer fast path, text/UUID/composite keys), of make_key's conversions
// from the C++ key types get() takes, and of key_of/check_key on mapped classes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/model/key.hpp"
#include "orca/model/key_index.hpp"
#include "orca/model/mapping.hpp"

namespace key_test {

struct pair_keyed {
  std::int64_t a = 0;
  std::string b{};
  double x = 0;
};

void orca_table(orca::table_builder<pair_keyed>& t) {
  t.table("pair_keyed");
  t.column("a", &pair_keyed::a).primary_key();
  t.column("b", &pair_keyed::b).primary_key();
  t.column("x", &pair_keyed::x);
}

struct uuid_keyed {
  orca::uuid id{};
};

void orca_table(orca::table_builder<uuid_keyed>& t) {
  t.table("uuid_keyed");
  t.column("id", &uuid_keyed::id).primary_key();
}

}  // namespace key_test

using key_test::pair_keyed;
using key_test::uuid_keyed;

TEST_CASE("an integer key takes the integer path, other keys hold their values", "[keys]") {
  orca::key i{42};
  CHECK(i.is_integer());
  CHECK(i.integer() == 42);
  CHECK(i == orca::key{std::vector<orca::value>{orca::value{std::int64_t{42}}}});
  CHECK(orca::key{}.empty());
  CHECK(orca::key{std::vector<orca::value>{orca::value{}}}.empty());
  orca::key text{std::vector<orca::value>{orca::value{"fr"}}};
  CHECK_FALSE(text.is_integer());
  CHECK_FALSE(text.empty());
  CHECK(text.to_string() == "'fr'");
  orca::key pair{std::vector<orca::value>{orca::value{std::int64_t{1}}, orca::value{"ann"}}};
  CHECK(pair.size() == 2);
  CHECK(pair.to_string() == "(1, 'ann')");
  CHECK(pair != orca::key{std::vector<orca::value>{orca::value{std::int64_t{1}}, orca::value{"bob"}}});
  orca::params p;
  pair.append_to(p);
  i.append_to(p);
  CHECK(p == orca::params{orca::value{std::int64_t{1}}, orca::value{"ann"}, orca::value{std::int64_t{42}}});
  std::unordered_set<orca::key, orca::key_hash> set{i, text, pair, orca::key{42}};
  CHECK(set.size() == 3);
}

TEST_CASE("integer keys keep their value across the whole 64-bit range", "[keys]") {
  // Within 2^62 of zero an integer is held inline; beyond, as a value. Either way the key
  // reads back, compares, hashes and is found as the same key however it was made.
  constexpr auto big = std::int64_t{1} << 62;
  const std::int64_t samples[] = {0,
                                  1,
                                  -1,
                                  big - 1,
                                  -big,
                                  big,
                                  -big - 1,
                                  std::numeric_limits<std::int64_t>::max(),
                                  std::numeric_limits<std::int64_t>::min()};
  const orca::table_info* table = &orca::table_of<uuid_keyed>();
  orca::key_index index;
  int target = 0;
  for (auto x : samples) {
    INFO("key: " << x);
    orca::key k{x};
    orca::key same{std::vector<orca::value>{orca::value{x}}};
    CHECK(k.is_integer() == (x >= -big && x < big));
    CHECK(k.integer() == x);
    CHECK(k.part(0) == orca::value{x});
    CHECK(k == same);
    CHECK(k.hash() == same.hash());
    CHECK(k.to_string() == std::to_string(x));
    CHECK(k.empty() == (x == 0));
    orca::params p;
    k.append_to(p);
    CHECK(p == orca::params{orca::value{x}});
    orca::key copy = k;
    orca::key moved = std::move(copy);
    CHECK(moved == k);
    CHECK(copy.empty());  // a moved-from key is the empty key
    index.put(table, k, &target);
    CHECK(index.find(table, same) == &target);
  }
  CHECK(orca::key{big} != orca::key{big - 1});
  CHECK(orca::key{-big - 1} != orca::key{-big});
  CHECK(orca::key{big} != orca::key{std::vector<orca::value>{orca::value{"4611686018427387904"}}});
  CHECK(index.size() == std::size(samples));
}

TEST_CASE("make_key converts the C++ key types get() takes, a tuple for a composite key", "[keys]") {
  CHECK(orca::make_key(7) == orca::key{7});
  CHECK(orca::make_key(std::string{"x"}) == orca::key{std::vector<orca::value>{orca::value{"x"}}});
  auto u = orca::uuid::random_v4();
  CHECK(orca::make_key(u).part(0) == orca::value{u});
  auto composite = orca::make_key(std::tuple{std::int64_t{3}, std::string{"y"}});
  CHECK(composite == orca::key{std::vector<orca::value>{orca::value{std::int64_t{3}}, orca::value{"y"}}});
  static_assert(orca::is_key_type<std::tuple<int, std::string>>::value);
  static_assert(!orca::is_key_type<std::tuple<int, std::vector<int>>>::value);
}

TEST_CASE("key_of reads a composite or UUID key, and check_key refuses a key of another shape", "[keys][mapping]") {
  auto& pairs = orca::table_of<pair_keyed>();
  CHECK(pairs.primary_key_columns() == std::vector<std::size_t>{0, 1});
  CHECK_FALSE(pairs.has_integer_key());
  CHECK_FALSE(pairs.columns()[0].autoincrement);
  pair_keyed object{.a = 5, .b = "k"};
  CHECK(pairs.key_of(&object) == orca::make_key(std::tuple{std::int64_t{5}, std::string{"k"}}));
  CHECK_NOTHROW(pairs.check_key(orca::make_key(std::tuple{1, std::string{"z"}})));
  CHECK_THROWS_AS(pairs.check_key(orca::make_key(1)), orca::error);
  CHECK_THROWS_AS(pairs.check_key(orca::make_key(std::tuple{std::string{"z"}, 1})), orca::error);

  auto& uuids = orca::table_of<uuid_keyed>();
  CHECK_FALSE(uuids.has_integer_key());
  CHECK_FALSE(uuids.primary_key().autoincrement);
  uuid_keyed u{.id = orca::uuid::random_v4()};
  CHECK(uuids.key_of(&u) == orca::make_key(u.id));
  CHECK_THROWS_AS(uuids.check_key(orca::make_key(std::string{"abc"})), orca::error);
}

TEST_CASE("the key index finds integer and other keys by table", "[keys][identity_map]") {
  orca::key_index index;
  auto& pairs = orca::table_of<pair_keyed>();
  auto& uuids = orca::table_of<uuid_keyed>();
  int a = 0, b = 0, c = 0;
  auto pair = orca::make_key(std::tuple{1, std::string{"x"}});
  index.put(&pairs, pair, &a);
  index.put(&uuids, orca::key{1}, &b);
  index.put(&pairs, orca::key{1}, &c);
  CHECK(index.size() == 3);
  CHECK(index.find(&pairs, pair) == &a);
  CHECK(index.find(&uuids, pair) == nullptr);
  CHECK(index.find(&uuids, orca::key{1}) == &b);
  index.erase(&pairs, pair, &b);  // another address: kept
  CHECK(index.find(&pairs, pair) == &a);
  index.erase(&pairs, pair);
  CHECK(index.find(&pairs, pair) == nullptr);
  CHECK(index.size() == 2);
}

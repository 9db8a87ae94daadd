// The snapshot pool: blocks of a size class are distinct and reused once freed, odd sizes
// and alignments go to operator new, and snapshots in an identity map keep their values
// through a churn of adds, drops and purges.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "orca/model/identity_map.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/snapshot_pool.hpp"

namespace snapshot_pool_test {

struct row {
  std::int64_t id = 0;
  std::string text;
};

void orca_table(orca::table_builder<row>& t) {
  t.table("snapshot_pool_test_row");
  t.column("id", &row::id).primary_key();
  t.column("text", &row::text);
}

}  // namespace snapshot_pool_test

using snapshot_pool_test::row;

TEST_CASE("the snapshot pool hands out distinct blocks and reuses freed ones", "[identity_map][snapshot]") {
  orca::snapshot_pool pool;
  std::vector<void*> blocks;
  std::set<void*> distinct;
  for (int i = 0; i < 5000; ++i) {  // 600 KB: several of the arena's blocks
    auto* p = pool.allocate(120, alignof(orca::value));
    std::memset(p, i & 0xff, 120);  // writable over its whole size
    blocks.push_back(p);
    distinct.insert(p);
  }
  CHECK(distinct.size() == blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i)  // nothing overlapped: each kept its fill
    CHECK(static_cast<unsigned char*>(blocks[i])[119] == static_cast<unsigned char>(i & 0xff));
  pool.deallocate(blocks[7], 120, alignof(orca::value));
  CHECK(pool.allocate(120, alignof(orca::value)) == blocks[7]);  // the freed block comes back
  CHECK(pool.allocate(80, alignof(orca::value)) != blocks[7]);   // not to another size

  // Larger than the pooled sizes, or aligned more strictly: operator new's memory.
  auto* large = pool.allocate(4096, 8);
  std::memset(large, 1, 4096);
  pool.deallocate(large, 4096, 8);
  auto* aligned = pool.allocate(64, 64);
  CHECK(reinterpret_cast<std::uintptr_t>(aligned) % 64 == 0);
  pool.deallocate(aligned, 64, 64);
  pool.release();
  auto* again = pool.allocate(24, 8);  // usable after release
  std::memset(again, 2, 24);
}

TEST_CASE("snapshots in the identity map keep their values through adds, drops and purges",
          "[identity_map][snapshot]") {
  auto& table = orca::table_of<row>();
  orca::identity_map objects;
  std::vector<std::shared_ptr<row>> alive;
  std::mt19937 random{2026};
  std::int64_t next = 1;
  auto text_of = [](std::int64_t id) { return "row number " + std::to_string(id) + " with a text too long for SSO"; };
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 1000; ++i, ++next) {
      auto x = std::make_shared<row>(row{next, text_of(next)});
      objects.add_persistent({&table, x}, orca::key{next}, {orca::value{text_of(next)}});
      alive.push_back(x);
    }
    // Drop about half, at random: their records (and snapshots) are purged and reused.
    std::vector<std::shared_ptr<row>> kept;
    for (auto& x : alive)
      if (random() % 2 == 0) kept.push_back(std::move(x));
    alive = std::move(kept);
    objects.purge();
    for (auto& x : alive) {
      auto* r = objects.find(x.get());
      REQUIRE(r != nullptr);
      REQUIRE(r->has_snapshot());
      CHECK(r->snapshot(0) == orca::value{text_of(x->id)});
    }
  }
  CHECK(objects.size() == alive.size());
  objects.clear();
  CHECK(objects.size() == 0);
  // The map works again after clear(), on a fresh pool.
  auto x = std::make_shared<row>(row{1, "one"});
  objects.add_persistent({&table, x}, orca::key{1}, {orca::value{"one"}});
  CHECK(objects.find(table, orca::key{1})->snapshot(0) == orca::value{"one"});
}

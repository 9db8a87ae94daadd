// The identity map's flat indexes against a reference map: random puts, replacements and
// erases (backward-shift deletion must keep every probe run reachable), and the identity
// map's reuse of record slots.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "orca/model/identity_map.hpp"
#include "orca/model/key_index.hpp"
#include "orca/model/mapping.hpp"

namespace index_test {

struct item {
  std::int64_t id = 0;
  std::string name;
};

void orca_table(orca::table_builder<item>& t) {
  t.table("index_test_item");
  t.column("id", &item::id).primary_key();
  t.column("name", &item::name);
}

}  // namespace index_test

using index_test::item;

TEST_CASE("address_index agrees with a reference map through random puts and erases", "[identity_map][index]") {
  orca::address_index index;
  std::unordered_map<const void*, void*> reference;
  std::vector<char> arena(4096);  // addresses to index: close together, as heap objects are
  std::mt19937 random{12345};
  std::uniform_int_distribution<std::size_t> pick{0, arena.size() - 1};
  for (int step = 0; step < 200000; ++step) {
    const void* address = &arena[pick(random)];
    auto* target = &arena[pick(random)];
    auto action = random() % 6;
    if (action < 2) {
      index.erase(address);
      reference.erase(address);
    } else if (action < 4) {
      index.put(address, target);
      reference[address] = target;
    } else {
      // entry(): the stored pointer, or a new null one that the caller sets
      auto& entry = index.entry(address);
      auto it = reference.find(address);
      REQUIRE(entry == (it == reference.end() ? nullptr : it->second));
      entry = target;
      reference[address] = target;
    }
    if (step % 997 == 0) {
      REQUIRE(index.size() == reference.size());
      for (std::size_t i = 0; i < arena.size(); ++i) {
        auto it = reference.find(&arena[i]);
        REQUIRE(index.find(&arena[i]) == (it == reference.end() ? nullptr : it->second));
      }
    }
  }
}

TEST_CASE("key_index agrees with a reference map through random puts and erases", "[identity_map][index]") {
  // Two tables and a small key range, so that probe runs are long and shared by both tables.
  // A reservation sizes a table exactly (37 keys: 50 slots), not to a power of two: probe
  // runs then wrap at any capacity.
  auto reserved = GENERATE(std::size_t{0}, std::size_t{37}, std::size_t{101});
  INFO("reserved: " << reserved);
  orca::key_index index;
  const auto& table = orca::table_of<item>();
  const orca::table_info* tables[] = {&table, reinterpret_cast<const orca::table_info*>(&index)};
  for (auto* t : tables) index.reserve(t, reserved);
  std::map<std::pair<const orca::table_info*, std::int64_t>, const void*> reference;
  std::vector<char> targets(64);
  std::mt19937 random{54321};
  std::uniform_int_distribution<std::int64_t> pick_key{-300, 300};
  for (int step = 0; step < 200000; ++step) {
    auto* t = tables[random() % 2];
    auto k = pick_key(random);
    const void* target = &targets[random() % targets.size()];
    auto choice = random() % 4;
    if (choice == 0) {
      index.erase(t, orca::key{k});
      reference.erase({t, k});
    } else if (choice == 1) {
      // Erasing with an address removes the entry only when it maps there.
      index.erase(t, orca::key{k}, target);
      if (auto it = reference.find({t, k}); it != reference.end() && it->second == target) reference.erase(it);
    } else {
      index.put(t, orca::key{k}, target);
      reference[{t, k}] = target;
    }
    if (step % 997 == 0) {
      REQUIRE(index.size() == reference.size());
      for (auto* each : tables)
        for (std::int64_t key = -300; key <= 300; ++key) {
          auto it = reference.find({each, key});
          REQUIRE(index.find(each, orca::key{key}) == (it == reference.end() ? nullptr : it->second));
        }
    }
  }
}

TEST_CASE("key_index keeps dense keys in a window and agrees with a reference map around it", "[identity_map][index]") {
  // Keys mostly ascending from the first (a table's generated keys, as loads meet them),
  // with gaps, keys below the first, keys ahead of the window that it reaches later, far
  // keys, replacements, erases, and the window emptied and started again.
  auto reserved = GENERATE(std::size_t{0}, std::size_t{1000});
  INFO("reserved: " << reserved);
  orca::key_index index;
  const auto& table = orca::table_of<item>();
  index.reserve(&table, reserved);
  std::map<std::int64_t, const void*> reference;
  std::vector<char> targets(64);
  std::mt19937 random{777};
  std::int64_t next = 1000;
  auto check = [&] {
    REQUIRE(index.size() == reference.size());
    for (auto& [key, target] : reference) REQUIRE(index.find(&table, orca::key{key}) == target);
    for (std::int64_t key = 900; key < next + 200; ++key)
      if (!reference.count(key)) REQUIRE(index.find(&table, orca::key{key}) == nullptr);
  };
  for (int round = 0; round < 3; ++round) {
    for (int step = 0; step < 20000; ++step) {
      const void* target = &targets[random() % targets.size()];
      std::int64_t key = 0;
      switch (random() % 10) {
        case 0: key = next + 1 + static_cast<std::int64_t>(random() % 150); break;  // ahead: the table, until reached
        case 1: key = 900 + static_cast<std::int64_t>(random() % 100); break;       // below the first key
        case 2: key = (std::int64_t{1} << 40) + static_cast<std::int64_t>(random() % 1000); break;  // far
        case 3: {  // an erase, with or without the address it must map to
          key = 900 + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(next - 900 + 150));
          bool with_address = random() % 2 == 0;
          index.erase(&table, orca::key{key}, with_address ? target : nullptr);
          if (auto it = reference.find(key); it != reference.end() && (!with_address || it->second == target))
            reference.erase(it);
          continue;
        }
        default: key = next; next += 1 + static_cast<std::int64_t>(random() % 2 == 0 ? 0 : random() % 3);
      }
      index.put(&table, orca::key{key}, target);
      reference[key] = target;
      if (step % 4999 == 0) check();
    }
    check();
    // Everything erased: the window starts again at the next key.
    for (auto& [key, target] : reference) index.erase(&table, orca::key{key}, target);
    reference.clear();
    REQUIRE(index.size() == 0);
    next += 100000;
  }
}

TEST_CASE("the identity map reuses the slots of erased records without handing out stale ones",
          "[identity_map][index]") {
  auto& table = orca::table_of<item>();
  orca::identity_map objects;
  std::vector<std::shared_ptr<item>> alive;
  for (std::int64_t k = 1; k <= 600; ++k) {
    auto x = std::make_shared<item>(item{k, std::to_string(k)});
    objects.add_persistent({&table, x}, orca::key{k}, {});
    alive.push_back(x);
  }
  // Drop every other object, purge, then add new objects under the dropped keys' neighbours:
  // they take the freed slots.
  for (std::size_t i = 0; i < alive.size(); i += 2) alive[i].reset();
  objects.purge();
  CHECK(objects.size() == 300);
  CHECK(objects.find(table, orca::key{1}) == nullptr);
  auto* second = objects.find(table, orca::key{2});
  REQUIRE(second != nullptr);
  CHECK(second->lock() == alive[1]);
  std::vector<std::shared_ptr<item>> more;
  for (std::int64_t k = 1001; k <= 1300; ++k) {
    auto x = std::make_shared<item>(item{k, "new"});
    objects.add_persistent({&table, x}, orca::key{k}, {});
    more.push_back(x);
  }
  CHECK(objects.size() == 600);
  for (std::int64_t k = 1; k <= 600; ++k) {
    auto* r = objects.find(table, orca::key{k});
    if (k % 2 == 1) {
      CHECK(r == nullptr);  // dropped: no new record answers for its key
    } else {
      REQUIRE(r != nullptr);
      CHECK(std::static_pointer_cast<item>(r->lock())->id == k);
    }
  }
  for (auto& x : more) {
    auto* r = objects.find(x.get());
    REQUIRE(r != nullptr);
    CHECK(r->key == orca::key{x->id});
  }
  objects.erase(alive[1].get());
  CHECK(objects.find(table, orca::key{2}) == nullptr);
  CHECK(objects.find(alive[1].get()) == nullptr);
  std::size_t visited = 0;
  objects.for_each_record([&](orca::object_record&) { ++visited; });
  CHECK(visited == 599);
  objects.clear();
  CHECK(objects.size() == 0);
  CHECK(objects.find(more.front().get()) == nullptr);
}

TEST_CASE("the address index, built at the first lookup by address, answers for every live record then and after",
          "[identity_map][index]") {
  auto& table = orca::table_of<item>();
  orca::identity_map objects;
  // Loaded objects, some dropped without a purge: their records stay, dead.
  std::vector<std::shared_ptr<item>> loaded;
  for (std::int64_t k = 1; k <= 100; ++k) {
    auto x = std::make_shared<item>(item{k, "loaded"});
    objects.add_persistent({&table, x}, orca::key{k}, {});
    loaded.push_back(x);
  }
  // An object the application allocated itself dies and a new one takes its address (placement
  // new stands in for the allocator), before any lookup by address.
  alignas(item) unsigned char storage[sizeof(item)];
  auto at_storage = [&storage](std::int64_t id) {
    auto* x = new (storage) item{id, "placed"};
    return std::shared_ptr<item>(x, [](item* p) { p->~item(); });
  };
  objects.add_persistent({&table, at_storage(500)}, orca::key{500}, {});  // dropped at once
  auto placed = at_storage(0);
  objects.add_pending({&table, placed});
  for (std::size_t i = 0; i < loaded.size(); i += 3) loaded[i].reset();
  CHECK(objects.size() == 102);  // nothing purged yet

  // The first lookup by address builds the index: the dead records go, the live ones answer.
  auto* r = objects.find(placed.get());
  REQUIRE(r != nullptr);
  CHECK(r->state == orca::object_state::pending);
  CHECK(objects.find(table, orca::key{500}) == nullptr);
  CHECK(objects.size() == 1 + 66);
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (!loaded[i]) continue;
    auto* found = objects.find(loaded[i].get());
    REQUIRE(found != nullptr);
    CHECK(found->key == orca::key{loaded[i]->id});
  }
  // From then on it is kept: later adds, expunges and purges show in it.
  auto later = std::make_shared<item>(item{200, "later"});
  objects.add_persistent({&table, later}, orca::key{200}, {});
  REQUIRE(objects.find(later.get()) != nullptr);
  objects.erase(loaded[1].get());
  CHECK(objects.find(loaded[1].get()) == nullptr);
  CHECK(objects.find(table, orca::key{2}) == nullptr);
  later.reset();
  objects.purge();
  CHECK(objects.find(table, orca::key{200}) == nullptr);
  CHECK(objects.size() == 1 + 65);
  // clear() forgets it with the records; the next lookup builds it again.
  objects.clear();
  CHECK(objects.find(placed.get()) == nullptr);
  objects.add_pending({&table, placed});
  CHECK(objects.find(placed.get()) != nullptr);
}

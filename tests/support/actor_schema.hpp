// Mapped classes for the actor tests: the seed's A/B plus a row type that counts its live
// instances, to observe how many objects a stream holds at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orca/orca.hpp"
#include "support/seed_schema.hpp"

namespace actor_test {

/// A row of table `item` that counts how many instances are alive.
struct item {
  static inline std::atomic<long> alive{0};
  static inline std::atomic<long> peak{0};
  std::int64_t id = 0;
  std::int64_t n = 0;
  std::optional<std::string> payload;

  item() { note(); }
  item(const item& other) : id(other.id), n(other.n), payload(other.payload) { note(); }
  item(item&& other) noexcept : id(other.id), n(other.n), payload(std::move(other.payload)) { note(); }
  item& operator=(const item&) = default;
  item& operator=(item&&) noexcept = default;
  ~item() { --alive; }
  static void reset() { peak = alive.load(); }

private:
  static void note() {
    auto now = ++alive;
    for (auto p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
    }
  }
};

inline void orca_table(orca::table_builder<item>& t) {
  t.table("item");
  t.column("id", &item::id).primary_key();
  t.column("n", &item::n);
  t.column("payload", &item::payload);
}

/// Runs a coroutine on orca's runtime, rethrowing what escapes it.
inline void run(orca::task<void> t) { orca::run_or_throw(std::move(t)); }

/// Creates the seed tables (dropping old ones) through the engine.
inline orca::task<void> reset_seed_schema(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<seed::A, seed::B>();
    meta.drop_all(c);
    meta.create_all(c);
  });
}

/// Opens `connections` connections of the engine's pool at once (as many sessions each
/// flush a row "warm <i>" into a), commits, and leaves them idle in the pool.
inline orca::task<void> fill_pool(orca::engine engine, int connections) {
  auto make = orca::async_sessionmaker(engine);
  std::vector<orca::async_session> holders;
  for (int i = 0; i < connections; ++i) {
    holders.push_back(make());
    holders.back().add(seed::A{.data = "warm " + std::to_string(i)});
    co_await holders.back().flush();
  }
  for (auto& s : holders) co_await s.commit();
  for (auto& s : holders) co_await s.close();
}

}  // namespace actor_test

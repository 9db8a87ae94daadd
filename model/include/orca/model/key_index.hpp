// The identity map's indexes. orca::key_index: (table, primary key) -> record, as an
// open-addressing hash table for integer keys and a hash map for the others (text, UUID,
// composite). orca::address_index: object address -> record, open addressing. Both are flat
// so that a flush or load of many rows does not allocate per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "orca/drivers/large_memory.hpp"
#include "orca/model/key.hpp"

namespace orca {

/// Asks the processor to fetch the cache line at `p` (which need not be valid memory).
/// GCC drops some __builtin_prefetch calls whose results it deems unused once inlined
/// (identity_map::purge lost two of its three), so on x86-64 the instruction is spelled out.
inline void prefetch_line(const void* p) noexcept {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

class table_info;

/// A hash map from (table, key) to a pointer (the identity map's record). Integer keys live
/// per mapped class in two places: a window, an array indexed by key - base for the keys
/// that come densely after the class's first one (a table's generated keys, as loads and
/// flushes meet them), and an open-addressing table for the others (16-byte slots, linear
/// probing, backward-shift deletion, any capacity: a key's home slot is its hash scaled to
/// it). Other keys (text, UUID, composite) live in a node map. Stored pointers are never
/// null. Not thread-safe (owned by one identity map).
///
/// The window takes a key past its end only while it stays at least half full, so it costs
/// at most 16 bytes a key (the table: 21 at its fullest), and usually 8: SQLite P2's 300,000
/// keys take 2.4 MB instead of 6.4, and a lookup is one load instead of a probe. A key in
/// the window's range may still sit in the table (put there before the window reached it):
/// the table is probed too when it has keys.
class key_index {
public:
  /// The pointer stored for (table, key), or nullptr.
  const void* find(const table_info* table, const key& k) const noexcept {
    return k.is_integer() ? find(table, k.integer()) : find_other(table, k);
  }
  /// Stores (or replaces) the pointer for (table, key); `address` is not null.
  void put(const table_info* table, const key& k, const void* address) {
    if (k.is_integer())
      put(table, k.integer(), address);
    else
      others_[{table, k}] = address;
  }
  /// Removes (table, key) if it maps to `address` (any pointer if null).
  void erase(const table_info* table, const key& k, const void* address = nullptr) noexcept {
    if (k.is_integer())
      erase(table, k.integer(), address);
    else
      erase_other(table, k, address);
  }
  /// Asks the processor to fetch the slot where (table, key) starts its probe: a bulk load
  /// calls it a few rows ahead, so that the table's cache misses overlap.
  void prefetch(const table_info* table, std::int64_t key) const noexcept {
    auto* t = slots_of(table);
    if (t == nullptr) return;
    if (auto offset = t->offset(key); offset < t->window.size())
      prefetch_line(&t->window[offset]);
    else if (!t->slots.empty())
      prefetch_line(&t->slots[home(key, t->slots.size())]);
  }
  /// Makes room for `n` more integer keys of `table` without rehashing.
  void reserve(const table_info* table, std::size_t n);
  /// Removes every entry.
  void clear() noexcept;
  /// Number of entries.
  std::size_t size() const noexcept;

private:
  struct slot {
    std::int64_t key = 0;
    const void* address = nullptr;  ///< null: empty
  };
  /// The integer keys of one table.
  struct table_slots {
    const table_info* table = nullptr;
    std::vector<slot, large_allocator<slot>> slots;  ///< at most 3/4 full
    std::size_t size = 0;                            ///< entries in slots
    /// Keys [base, base + window.size()): the pointer of each, null if absent.
    std::vector<const void*, large_allocator<const void*>> window;
    std::int64_t base = 0;
    std::size_t in_window = 0;  ///< non-null entries of the window
    /// Keys the last reservation announced while the table had no slots: its first slots
    /// are sized for them, if keys come that the window does not take.
    std::size_t expected = 0;

    /// key - base as unsigned: past the window's size for keys below base too.
    std::size_t offset(std::int64_t key) const noexcept {
      return static_cast<std::size_t>(static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(base));
    }
  };
  /// Whether `key` may join t's window (starting it, or growing it to the key).
  static bool window_takes(table_slots& t, std::int64_t key) noexcept;
  /// find() among t's slots.
  static const void* find_slot(const table_slots& t, std::int64_t key) noexcept;

  const void* find(const table_info* table, std::int64_t key) const noexcept;
  void put(const table_info* table, std::int64_t key, const void* address);
  void erase(const table_info* table, std::int64_t key, const void* address) noexcept;
  static void erase_slot(table_slots& t, std::int64_t key, const void* address) noexcept;
  const void* find_other(const table_info* table, const key& k) const noexcept;
  void erase_other(const table_info* table, const key& k, const void* address) noexcept;
  /// The slots of `table`, or nullptr if it has none yet.
  const table_slots* slots_of(const table_info* table) const noexcept {
    for (auto& t : tables_)
      if (t.table == table) return &t;
    return nullptr;
  }
  table_slots* slots_of(const table_info* table) noexcept {
    for (auto& t : tables_)
      if (t.table == table) return &t;
    return nullptr;
  }
  table_slots& slots_for(const table_info* table);
  static std::size_t hash(std::int64_t key) noexcept {
    auto h = static_cast<std::uint64_t>(key) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
  /// The slot where `key`'s probe starts in a table of `n` slots: keys come in runs of four
  /// (key / 4), each run's slot the hash's high bits scaled to n (a multiply, not a
  /// division), then its four keys side by side. Generated keys ascend, and a load or flush
  /// meets them in order: four to a cache line instead of one. Probes stay as short as with
  /// each key hashed (filling a table to 3/4: 1.05 slots an insert for 300,000 ascending
  /// keys, 2.5 for random ones, 1.2 for every third key).
  static std::size_t home(std::int64_t key, std::size_t n) noexcept {
    auto run = static_cast<std::size_t>((static_cast<unsigned __int128>(hash(key >> 2)) * n) >> 64);
    auto i = run + static_cast<std::size_t>(key & 3);
    return i >= n ? i - n : i;
  }
  static void grow(table_slots& t, std::size_t capacity);
  static void insert(table_slots& t, std::int64_t key, const void* address);

  struct other_hash {
    std::size_t operator()(const std::pair<const table_info*, key>& x) const noexcept {
      return x.second.hash() ^ reinterpret_cast<std::uintptr_t>(x.first);
    }
  };
  std::vector<table_slots> tables_;  ///< one per mapped class seen: a handful, searched in order
  std::unordered_map<std::pair<const table_info*, key>, const void*, other_hash> others_;
};

/// A hash map from an object's address to a pointer (its record): linear probing with
/// backward-shift deletion (no tombstones), at most 3/4 full. Not thread-safe.
class address_index {
public:
  /// The pointer stored for `address`, or nullptr.
  void* find(const void* address) const noexcept {
    if (slots_.empty()) return nullptr;
    auto mask = slots_.size() - 1;
    for (auto i = hash(address) & mask;; i = (i + 1) & mask) {
      auto& s = slots_[i];
      if (s.address == address) return s.target;
      if (s.address == nullptr) return nullptr;
    }
  }
  /// Stores (or replaces) the pointer for `address` (not null).
  void put(const void* address, void* target);
  /// The stored pointer for `address`, added as null if absent: one probe where a find()
  /// that misses and a put() would make two. The caller sets a new entry's pointer before
  /// the index is used again.
  void*& entry(const void* address);
  /// Removes `address` if present.
  void erase(const void* address) noexcept;
  /// Asks the processor to fetch the slot where `address` starts its probe (see
  /// key_index::prefetch).
  void prefetch(const void* address) const noexcept {
    if (!slots_.empty()) prefetch_line(&slots_[hash(address) & (slots_.size() - 1)]);
  }
  /// Makes room for `n` more entries without rehashing.
  void reserve(std::size_t n);
  /// Number of entries.
  std::size_t size() const noexcept { return size_; }

private:
  struct slot {
    const void* address = nullptr;  ///< null: empty
    void* target = nullptr;
  };
  static std::size_t hash(const void* address) noexcept {
    auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(address)) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
  void grow(std::size_t capacity);
  std::vector<slot, large_allocator<slot>> slots_;
  std::size_t size_ = 0;
};

}  // namespace orca

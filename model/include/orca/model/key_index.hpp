// orca::key_index: (table, primary key) -> object address, as an open-addressing hash table.
// The identity map's key lookup; flat so that a flush of many rows does not allocate per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace orca {

class table_info;

/// A hash map from (table, integer key) to an object address, with linear probing and
/// tombstones. Not thread-safe (owned by one identity map).
class key_index {
public:
  /// The address stored for (table, key), or nullptr.
  const void* find(const table_info* table, std::int64_t key) const noexcept;
  /// Stores (or replaces) the address for (table, key).
  void put(const table_info* table, std::int64_t key, const void* address);
  /// Removes (table, key) if it maps to `address` (any address if null).
  void erase(const table_info* table, std::int64_t key, const void* address = nullptr) noexcept;
  /// Makes room for `n` more entries without rehashing.
  void reserve(std::size_t n);
  /// Removes every entry.
  void clear() noexcept;
  /// Number of entries.
  std::size_t size() const noexcept { return size_; }

private:
  struct slot {
    const table_info* table = nullptr;  ///< null: empty (address null) or tombstone (address set)
    std::int64_t key = 0;
    const void* address = nullptr;
  };
  static std::size_t hash(const table_info* table, std::int64_t key) noexcept;
  void grow(std::size_t capacity);
  std::vector<slot> slots_;
  std::size_t size_ = 0;
  std::size_t used_ = 0;  ///< entries plus tombstones
};

}  // namespace orca

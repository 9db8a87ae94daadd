// orca::insert_journal: the column values that the open transaction's INSERTs overwrote in
// their objects (keys, server defaults, foreign keys). Owned by sync_session, written by the
// flush (unit_of_work), read back by rollback() and rollback_nested().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "orca/drivers/value.hpp"
#include "orca/model/block_arena.hpp"

namespace orca {

class table_info;

/// One flat journal per transaction instead of one vector per inserted object: an object's
/// entries form a chain, newest first, whose head its record keeps
/// (`object_record::before_insert`). Entries live in fixed-size blocks carved from a block
/// arena (huge pages once it is large), so the journal never copies itself as it grows, and a mark (`size()`) taken
/// before a flush or a savepoint lets everything written since be dropped at once. An entry is 16 bytes: the old values
/// are nearly always numbers, times or NULL (a key not yet generated, a default not yet filled in), held in the entry
/// itself; text, blobs and UUIDs are kept aside.
class insert_journal {
public:
  /// The newest entry of one object's chain, 1-based; `none` for an object without entries.
  using position = std::uint32_t;
  static constexpr position none = 0;
  /// The most entries one transaction's journal holds (a position fits object_record's 26
  /// bits); record() refuses more.
  static constexpr position limit = (position{1} << 26) - 1;

  insert_journal() = default;
  insert_journal(const insert_journal&) = delete;
  insert_journal& operator=(const insert_journal&) = delete;
  insert_journal(insert_journal&&) noexcept = default;
  insert_journal& operator=(insert_journal&&) noexcept = default;

  /// Records that column `ordinal` held `old` before the flush wrote it, after the chain
  /// ending at `newest`; returns the new head of that chain.
  position record(position newest, std::size_t ordinal, value old);
  /// Gives `object` back the values of the chain ending at `newest`, newest first, so that a
  /// column written twice gets its oldest value last.
  void restore(const table_info& table, void* object, position newest) const;
  /// Number of entries: a mark for truncate().
  std::size_t size() const noexcept { return size_; }
  /// Drops the entries from `mark` on (those of a failed flush, or of a rolled-back
  /// savepoint); chains that reach into them must have been dropped first.
  void truncate(std::size_t mark) noexcept;
  /// Drops every entry and frees the blocks (the transaction ended).
  void clear() noexcept;

private:
  struct entry {
    std::uint64_t payload;  ///< the value's bits, or its index in `others_`
    position previous;
    std::uint16_t ordinal;
    value_type type;
  };
  static_assert(sizeof(entry) == 16);
  static constexpr std::size_t block_bits = 12;  ///< 4,096 entries (64 KiB) per block
  static constexpr std::size_t block_size = std::size_t{1} << block_bits;
  static bool held_aside(value_type type) noexcept;
  entry& at(std::size_t i) const noexcept { return blocks_[i >> block_bits][i & (block_size - 1)]; }
  value old_value(const entry& e) const;

  block_arena memory_;
  std::vector<entry*> blocks_;  ///< kept by truncate() for the entries that follow, freed by clear()
  std::size_t size_ = 0;
  std::vector<value> others_;  ///< old values of text, blob and UUID columns
};

}  // namespace orca

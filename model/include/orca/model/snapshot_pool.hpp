// orca::snapshot_pool: the memory of one identity map's snapshots. Snapshots come in a few
// sizes (a table's column count), are made and dropped by the hundred thousand in bulk loads
// and streams, and all go when the session ends: a free list per size over a block arena
// serves them in a few instructions, with no header per snapshot. The arena's blocks start
// small and double, so a session holding a few objects holds a few KiB.
#pragma once

#include <array>
#include <cstddef>
#include <memory_resource>
#include <utility>
#include <vector>

#include "orca/model/block_arena.hpp"

namespace orca {

/// A single-threaded memory resource with one free list per 8-byte size class up to 512
/// bytes, a snapshot of 12 columns (larger requests go to operator new). Memory returns to the free lists, and to the
/// system only at release() or destruction.
class snapshot_pool final : public std::pmr::memory_resource {
public:
  snapshot_pool() = default;
  snapshot_pool(const snapshot_pool&) = delete;
  snapshot_pool& operator=(const snapshot_pool&) = delete;
  ~snapshot_pool() override { release(); }

  /// The blocks the pool carves, for memory of the pool's owner that goes with it at
  /// release() (the identity map's records).
  block_arena& arena() noexcept { return blocks_; }
  /// Frees every block; everything allocated from the pool (or its arena) must be gone.
  void release() noexcept;

private:
  static constexpr std::size_t granule = 8;
  static constexpr std::size_t classes = 65;  ///< sizes up to 512 bytes are pooled

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  struct free_node {
    free_node* next;
  };
  std::array<free_node*, classes> free_{};
  block_arena blocks_;
};

}  // namespace orca

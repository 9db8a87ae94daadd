// orca::block_arena: memory handed out in order and given back all at once, for what an
// identity map makes by the hundred thousand and drops together (record chunks, snapshot
// blocks). Blocks start at 4 KiB and double up to 2 MiB, so a session holding a few objects
// holds a few KiB, and a large one fills huge pages (see orca/drivers/large_memory.hpp).
#pragma once

#include <cstddef>
#include <vector>

namespace orca {

class block_arena {
public:
  block_arena() = default;
  block_arena(const block_arena&) = delete;
  block_arena& operator=(const block_arena&) = delete;
  block_arena(block_arena&& other) noexcept { take(other); }
  block_arena& operator=(block_arena&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~block_arena() { release(); }

  /// Every allocation's alignment.
  static constexpr std::size_t alignment = 8;

  /// `bytes` aligned to `alignment`, valid until release(). A request larger than the current block
  /// size gets a block of its own.
  void* allocate(std::size_t bytes);
  /// Frees every block: everything allocated is gone.
  void release() noexcept;
  /// Bytes in blocks (used or not).
  std::size_t reserved() const noexcept { return reserved_; }

private:
  static constexpr std::size_t first_block_bytes = std::size_t{4} << 10;
  static constexpr std::size_t largest_block_bytes = std::size_t{2} << 20;

  /// Takes `other`'s blocks, leaving it empty.
  void take(block_arena& other) noexcept;

  struct block {
    void* address;
    std::size_t bytes;
  };
  std::vector<block> blocks_;
  std::size_t next_block_bytes_ = first_block_bytes;
  std::byte* next_ = nullptr;  ///< the unused rest of the newest block
  std::byte* end_ = nullptr;
  std::size_t reserved_ = 0;
};

}  // namespace orca

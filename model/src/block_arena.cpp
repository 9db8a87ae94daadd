// The block arena: bump allocation in blocks of 4 KiB doubling to 2 MiB.
#include "orca/model/block_arena.hpp"

#include <algorithm>
#include <utility>

#include "orca/drivers/large_memory.hpp"

namespace orca {

void* block_arena::allocate(std::size_t bytes) {
  bytes = (bytes + alignment - 1) & ~(alignment - 1);
  if (static_cast<std::size_t>(end_ - next_) < bytes) {
    // The old block's tail is left unused.
    auto size = std::max(next_block_bytes_, bytes);
    auto* start = static_cast<std::byte*>(allocate_large(size));
    try {
      blocks_.push_back({start, size});
    } catch (...) {
      deallocate_large(start, size);
      throw;
    }
    reserved_ += size;
    next_block_bytes_ = std::min(size * 2, largest_block_bytes);
    next_ = start;
    end_ = start + size;
  }
  auto* p = next_;
  next_ += bytes;
  return p;
}

void block_arena::take(block_arena& other) noexcept {
  blocks_ = std::move(other.blocks_);
  other.blocks_.clear();
  next_block_bytes_ = std::exchange(other.next_block_bytes_, first_block_bytes);
  next_ = std::exchange(other.next_, nullptr);
  end_ = std::exchange(other.end_, nullptr);
  reserved_ = std::exchange(other.reserved_, 0);
}

void block_arena::release() noexcept {
  for (auto [address, bytes] : blocks_) deallocate_large(address, bytes);
  blocks_.clear();
  next_ = end_ = nullptr;
  next_block_bytes_ = first_block_bytes;
  reserved_ = 0;
}

}  // namespace orca

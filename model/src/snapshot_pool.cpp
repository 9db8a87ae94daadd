// The snapshot pool: size classes of 8 bytes, carved from blocks of 2 KiB doubling to 64 KiB.
#include "orca/model/snapshot_pool.hpp"

#include <algorithm>
#include <new>

namespace orca {

void* snapshot_pool::do_allocate(std::size_t bytes, std::size_t alignment) {
  auto index = std::max<std::size_t>(1, (bytes + granule - 1) / granule);
  if (index >= classes || alignment > granule) return ::operator new (bytes, std::align_val_t{alignment});
  if (auto* node = free_[index]) {
    free_[index] = node->next;
    return node;
  }
  return carve(index * granule);
}

void snapshot_pool::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  auto index = std::max<std::size_t>(1, (bytes + granule - 1) / granule);
  if (index >= classes || alignment > granule) {
    ::operator delete (p, bytes, std::align_val_t{alignment});
    return;
  }
  free_[index] = new (p) free_node{free_[index]};
}

void* snapshot_pool::carve(std::size_t size) {
  if (static_cast<std::size_t>(end_ - next_) < size) {
    // The old block's tail (less than one snapshot) is left unused.
    auto bytes = next_block_bytes_;
    auto* block = static_cast<std::byte*>(::operator new (bytes, std::align_val_t{16}));
    blocks_.emplace_back(block, bytes);
    next_block_bytes_ = std::min(bytes * 2, largest_block_bytes);
    next_ = block;
    end_ = block + bytes;
  }
  auto* p = next_;
  next_ += size;
  return p;
}

void snapshot_pool::release() noexcept {
  for (auto [block, bytes] : blocks_) ::operator delete (block, bytes, std::align_val_t{16});
  blocks_.clear();
  free_.fill(nullptr);
  next_ = end_ = nullptr;
  next_block_bytes_ = first_block_bytes;
}

}  // namespace orca

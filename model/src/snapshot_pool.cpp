// The snapshot pool: size classes of 8 bytes, carved from 64 KiB blocks.
#include "orca/model/snapshot_pool.hpp"

#include <new>

namespace orca {

void* snapshot_pool::do_allocate(std::size_t bytes, std::size_t alignment) {
  auto index = (bytes + granule - 1) / granule;
  if (index >= classes || alignment > granule) return ::operator new (bytes, std::align_val_t{alignment});
  if (index == 0) index = 1;
  if (auto* node = free_[index]) {
    free_[index] = node->next;
    return node;
  }
  return carve(index * granule);
}

void snapshot_pool::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  auto index = (bytes + granule - 1) / granule;
  if (index >= classes || alignment > granule) {
    ::operator delete (p, bytes, std::align_val_t{alignment});
    return;
  }
  if (index == 0) index = 1;
  free_[index] = new (p) free_node{free_[index]};
}

void* snapshot_pool::carve(std::size_t size) {
  if (static_cast<std::size_t>(end_ - next_) < size) {
    // The old block's tail (less than one snapshot) is left unused.
    auto* block = static_cast<std::byte*>(::operator new (block_bytes, std::align_val_t{16}));
    blocks_.push_back(block);
    next_ = block;
    end_ = block + block_bytes;
  }
  auto* p = next_;
  next_ += size;
  return p;
}

void snapshot_pool::release() noexcept {
  for (auto* block : blocks_) ::operator delete (block, block_bytes, std::align_val_t{16});
  blocks_.clear();
  free_.fill(nullptr);
  next_ = end_ = nullptr;
}

}  // namespace orca

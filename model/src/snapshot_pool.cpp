// The snapshot pool: size classes of 8 bytes, carved from a block arena.
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
  return blocks_.allocate(index * granule);
}

void snapshot_pool::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  auto index = std::max<std::size_t>(1, (bytes + granule - 1) / granule);
  if (index >= classes || alignment > granule) {
    ::operator delete (p, bytes, std::align_val_t{alignment});
    return;
  }
  free_[index] = new (p) free_node{free_[index]};
}

void snapshot_pool::release() noexcept {
  blocks_.release();
  free_.fill(nullptr);
}

}  // namespace orca

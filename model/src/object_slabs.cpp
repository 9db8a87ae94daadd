// Object slabs: regions of 16 KiB doubling to 2 MiB (a thread's: 256 KiB), freed by their
// last object.
#include "orca/model/object_slabs.hpp"

#include <algorithm>
#include <atomic>
#include <utility>

#include "orca/drivers/large_memory.hpp"

namespace orca {

namespace {

constexpr std::size_t header_bytes = (sizeof(object_slab) + 15) & ~std::size_t{15};

std::atomic<std::size_t> slabs_alive{0};  // one operation per slab, not per object

}  // namespace

std::size_t object_slab::count() noexcept { return slabs_alive.load(std::memory_order_acquire); }

object_slab*& object_slab::carving() noexcept {
  thread_local object_slab* slab = nullptr;
  return slab;
}

object_slab* object_slab::make(std::size_t bytes) {
  auto* start = static_cast<std::byte*>(allocate_large(bytes));
  slabs_alive.fetch_add(1, std::memory_order_relaxed);
  return new (start) object_slab(bytes, start + header_bytes, start + bytes);
}

void object_slab::destroy() noexcept {
  auto bytes = bytes_;
  this->~object_slab();
  deallocate_large(this, bytes);
  slabs_alive.fetch_sub(1, std::memory_order_acq_rel);
}

namespace {

// A thread's slabs, and whether they are gone: a trivially destructible thread_local stays
// readable while the thread's other thread_locals are destroyed, in whatever order.
thread_local bool slabs_gone = false;

struct thread_slab_holder {
  object_slabs slabs{std::size_t{256} << 10};  // see thread_slabs()
  ~thread_slab_holder() { slabs_gone = true; }
};

}  // namespace

object_slabs* thread_slabs() noexcept {
  if (slabs_gone) return nullptr;
  thread_local thread_slab_holder holder;
  return &holder.slabs;
}

void object_slabs::retire() noexcept {
  if (current_ != nullptr) std::exchange(current_, nullptr)->retire();
}

object_slab* object_slabs::room_for(std::size_t bytes) {
  if (current_ != nullptr && current_->fits(bytes, 16)) return current_;
  auto size = std::max(next_slab_bytes_, bytes + header_bytes);
  auto* fresh = object_slab::make(size);
  retire();
  current_ = fresh;
  next_slab_bytes_ = std::min(size * 2, largest_slab_bytes_);
  return current_;
}

}  // namespace orca

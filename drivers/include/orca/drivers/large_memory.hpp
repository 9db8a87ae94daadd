// Memory for the large buffers a session fills in bulk: result cells, key tables, records,
// snapshots. A buffer of 2 MiB or more is mapped on its own, aligned to 2 MiB and advised
// for transparent huge pages, so that filling it costs one page fault per 2 MiB instead of
// one per 4 KiB (a fault costs about 10 µs on a virtual machine: 2.6 ms per 1 MiB touched).
// Smaller ones are mapped on small pages from 512 KiB (freed to the system, never a hole in
// malloc's heap) and come from operator new below, so a small session never holds a huge page.
#pragma once

#include <cstddef>
#include <new>

namespace orca {

/// The size from which allocate_large() maps, and the alignment of what it maps.
inline constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;

/// `bytes` of storage aligned to 16 bytes: mapped (size rounded up to whole huge pages)
/// from huge_page_bytes on, mapped on small pages from 512 KiB (see large_memory.cpp), from
/// operator new below. Throws std::bad_alloc.
void* allocate_large(std::size_t bytes);
/// Frees what allocate_large(bytes) returned; `bytes` must be the size asked for.
void deallocate_large(void* p, std::size_t bytes) noexcept;

/// A standard allocator over allocate_large(), for vectors that may grow large.
template <class T>
struct large_allocator {
  using value_type = T;
  static_assert(alignof(T) <= 16);

  large_allocator() noexcept = default;
  template <class U>
  large_allocator(const large_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate_large(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { deallocate_large(p, n * sizeof(T)); }

  template <class U>
  bool operator==(const large_allocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace orca

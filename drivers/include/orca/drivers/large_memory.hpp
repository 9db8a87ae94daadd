// Memory for the large buffers a session fills in bulk: result cells, key tables, records,
// snapshots. A buffer of 2 MiB or more is mapped on its own, aligned to 2 MiB and advised
// for transparent huge pages, so that filling it costs one page fault per 2 MiB instead of
// one per 4 KiB (a fault costs about 10 µs on a virtual machine: 2.6 ms per 1 MiB touched).
// Smaller buffers come from operator new, so a small session never holds a huge page.
#pragma once

#include <cstddef>
#include <new>

namespace orca {

/// The size from which allocate_large() maps, and the alignment of what it maps.
inline constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;
/// The size from which allocate_large() maps its own pages (glibc's default mmap threshold).
/// Below huge_page_bytes such a buffer is mapped on small pages and unmapped when freed, so
/// that it never becomes a hole in malloc's heap: glibc raises its threshold to the size of
/// a mapped block once it is freed, and every later block below that size then stays in
/// the heap when freed (SQLite P2 at N = 100,000: 1.7 MiB more at the peak of every run
/// after the first).
inline constexpr std::size_t mapped_bytes_from = std::size_t{128} << 10;

/// `bytes` of storage aligned to 16 bytes: mapped (size rounded up to whole huge pages)
/// from huge_page_bytes on, mapped on small pages from mapped_bytes_from, from operator new
/// below. Throws std::bad_alloc.
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

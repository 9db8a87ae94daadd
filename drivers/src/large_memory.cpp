// allocate_large(): huge buffers mapped and advised for transparent huge pages.
#include "orca/drivers/large_memory.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace orca {

namespace {

// The size from which a buffer below huge_page_bytes is mapped on its own (small pages) and
// unmapped when freed, so that it never becomes a hole in malloc's heap: glibc raises its
// mmap threshold to the size of a mapped block once that is freed, and every later block
// below that size then stays resident in the heap when freed (SQLite P2 at N = 100,000:
// 1.1 MiB more at the peak of every run after the first). From 128 KiB (glibc's own
// default) the smaller buffers of a stream's batches paid fresh page faults each time:
// SQLite P3 about 2% slower than from 512 KiB, which keeps the same memory.
constexpr std::size_t mapped_bytes_from = std::size_t{512} << 10;

constexpr std::size_t whole_pages(std::size_t bytes) noexcept {
  return (bytes + huge_page_bytes - 1) & ~(huge_page_bytes - 1);
}

// Maps `bytes` at an address aligned to a huge page (maps one huge page more and unmaps what
// lies before and after the aligned range) and advises huge pages for the whole huge pages
// of it: the tail of a size that is not a multiple stays on small pages, so that it becomes
// resident only as far as it is touched.
void* map_aligned(std::size_t bytes) {
  auto mapped_bytes = whole_pages(bytes);
  auto span = mapped_bytes + huge_page_bytes;
  void* mapped = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<std::uintptr_t>(mapped);
  auto aligned = (start + huge_page_bytes - 1) & ~std::uintptr_t{huge_page_bytes - 1};
  if (aligned > start) ::munmap(mapped, aligned - start);
  if (auto tail = start + span - (aligned + mapped_bytes); tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + mapped_bytes), tail);
  auto* p = reinterpret_cast<void*>(aligned);
  // Only advice: where transparent huge pages are off, the mapping works with small pages.
  ::madvise(p, bytes & ~(huge_page_bytes - 1), MADV_HUGEPAGE);
  return p;
}

}  // namespace

void* allocate_large(std::size_t bytes) {
  if (bytes < mapped_bytes_from) return ::operator new (bytes, std::align_val_t{16});
  if (bytes < huge_page_bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  return map_aligned(bytes);
}

void deallocate_large(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < mapped_bytes_from) {
    ::operator delete (p, bytes, std::align_val_t{16});
    return;
  }
  ::munmap(p, bytes < huge_page_bytes ? bytes : whole_pages(bytes));
}

}  // namespace orca

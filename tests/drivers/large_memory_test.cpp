// allocate_large(): small sizes from operator new, large ones mapped on huge-page boundaries;
// either is writable over its whole size and keeps what was written until freed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "orca/drivers/large_memory.hpp"

namespace {

bool aligned_to(const void* p, std::size_t alignment) { return reinterpret_cast<std::uintptr_t>(p) % alignment == 0; }

}  // namespace

TEST_CASE("large allocations are aligned and hold what is written over their whole size", "[drivers][memory]") {
  auto bytes = GENERATE(std::size_t{1}, std::size_t{4096}, orca::huge_page_bytes - 16, orca::huge_page_bytes,
                        orca::huge_page_bytes + 4096, 3 * orca::huge_page_bytes + 5);
  auto* p = static_cast<unsigned char*>(orca::allocate_large(bytes));
  REQUIRE(p != nullptr);
  CHECK(aligned_to(p, 16));
  if (bytes >= orca::huge_page_bytes) CHECK(aligned_to(p, orca::huge_page_bytes));
  std::memset(p, 0xa5, bytes);
  CHECK(p[0] == 0xa5);
  CHECK(p[bytes / 2] == 0xa5);
  CHECK(p[bytes - 1] == 0xa5);
  orca::deallocate_large(p, bytes);
  orca::deallocate_large(nullptr, bytes);  // like operator delete: nothing to free
}

TEST_CASE("a vector on the large allocator keeps its elements as it grows past a huge page", "[drivers][memory]") {
  std::vector<std::uint64_t, orca::large_allocator<std::uint64_t>> numbers;
  auto n = 3 * orca::huge_page_bytes / sizeof(std::uint64_t);  // grows from small to mapped storage
  for (std::uint64_t i = 0; i < n; ++i) numbers.push_back(i * 7);
  REQUIRE(numbers.size() == n);
  CHECK(aligned_to(numbers.data(), orca::huge_page_bytes));
  bool intact = true;
  for (std::uint64_t i = 0; i < n; ++i) intact = intact && numbers[i] == i * 7;
  CHECK(intact);
  numbers.resize(10);
  numbers.shrink_to_fit();  // back to operator new's memory
  CHECK(numbers[9] == 63);
}

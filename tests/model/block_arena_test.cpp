// The block arena: allocations are aligned, distinct and never overlap, whatever their sizes
// (one larger than a block gets a block of its own), a move hands the blocks over, and
// release() frees everything and leaves the arena usable.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "orca/drivers/large_memory.hpp"
#include "orca/model/block_arena.hpp"

namespace {

struct piece {
  unsigned char* at;
  std::size_t bytes;
  unsigned char fill;
};

}  // namespace

TEST_CASE("the block arena hands out aligned pieces that never overlap", "[identity_map][memory]") {
  orca::block_arena arena;
  CHECK(arena.reserved() == 0);
  std::vector<piece> pieces;
  std::size_t asked = 0;
  // Odd sizes, a few larger than the small first blocks, one larger than any block: about
  // 12 MB in all, enough to reach the huge-page blocks.
  for (std::size_t i = 0; i < 4000; ++i) {
    auto bytes = i == 1999 ? 3 * orca::huge_page_bytes : 1 + (i * 2654435761u) % 6000;
    auto* p = static_cast<unsigned char*>(arena.allocate(bytes));
    REQUIRE(reinterpret_cast<std::uintptr_t>(p) % orca::block_arena::alignment == 0);
    auto fill = static_cast<unsigned char>(i);
    std::memset(p, fill, bytes);
    pieces.push_back({p, bytes, fill});
    asked += bytes;
  }
  CHECK(arena.reserved() >= asked);
  bool intact = true;  // each piece kept its own fill: none was handed out twice
  for (auto& x : pieces) intact = intact && x.at[0] == x.fill && x.at[x.bytes - 1] == x.fill;
  CHECK(intact);

  auto reserved = arena.reserved();
  orca::block_arena moved{std::move(arena)};  // the blocks change owner, not address
  CHECK(moved.reserved() == reserved);
  CHECK(arena.reserved() == 0);  // NOLINT(bugprone-use-after-move): a moved-from arena is empty
  for (auto& x : pieces) intact = intact && x.at[0] == x.fill && x.at[x.bytes - 1] == x.fill;
  CHECK(intact);
  arena = std::move(moved);

  arena.release();
  CHECK(arena.reserved() == 0);
  auto* again = static_cast<unsigned char*>(arena.allocate(24));
  std::memset(again, 1, 24);
  CHECK(arena.reserved() > 0);
}

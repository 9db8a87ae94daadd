// The insert journal: chains of overwritten column values in fixed-size blocks.
#include "orca/model/insert_journal.hpp"

#include <limits>

#include "orca/drivers/error.hpp"
#include "orca/model/table.hpp"

namespace orca {

insert_journal::position insert_journal::record(position newest, std::size_t ordinal, value old) {
  if (size_ == std::numeric_limits<position>::max())
    throw error(errc::invalid_argument,
                "one transaction overwrote more than 4 billion columns of objects it inserted; commit in parts");
  if (size_ == blocks_.size() * block_size) blocks_.push_back(std::make_unique<entry[]>(block_size));
  auto& e = blocks_[size_ >> block_bits][size_ & (block_size - 1)];
  e.old = std::move(old);
  e.ordinal = static_cast<std::uint32_t>(ordinal);
  e.previous = newest;
  return static_cast<position>(++size_);
}

void insert_journal::restore(const table_info& table, void* object, position newest) const {
  for (auto p = newest; p != none; p = at(p).previous) table.columns()[at(p).ordinal].access->set(object, at(p).old);
}

void insert_journal::truncate(std::size_t mark) noexcept {
  if (mark >= size_) return;
  // Whole blocks past the mark go; the rest of the mark's block only lets go of its values.
  auto blocks_kept = (mark + block_size - 1) >> block_bits;
  for (auto i = mark; i < blocks_kept * block_size && i < size_; ++i)
    blocks_[i >> block_bits][i & (block_size - 1)].old = value{};
  blocks_.resize(blocks_kept);
  size_ = mark;
}

void insert_journal::clear() noexcept {
  blocks_.clear();
  size_ = 0;
}

}  // namespace orca

// orca::drivers::rowset: the rows a statement returned, stored row-major in chunks.
// Produced by connections and cursors; read by the model's loaders.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "orca/drivers/value.hpp"

namespace orca::drivers {

/// Rows of one result, column names once, cells row-major.
///
/// The cells live in chunks: the first grows by doubling up to `chunk_cells`, and every later
/// one is allocated at that size. A large result is never copied to a bigger array as it
/// grows (a 100,000-row SELECT read in one vector moved every cell about once more and touched
/// twice its memory), while a one-row result stays one small allocation.
class rowset {
public:
  /// Cells per chunk once a result outgrows its first one (a power of two).
  static constexpr std::size_t chunk_cells = std::size_t{1} << 13;

  rowset() = default;
  explicit rowset(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  /// Column names in select-list order.
  const std::vector<std::string>& columns() const noexcept { return columns_; }
  /// Replaces the column names (drivers set them once per statement).
  void set_columns(std::vector<std::string> columns) { columns_ = std::move(columns); }
  /// Number of columns.
  std::size_t width() const noexcept { return columns_.size(); }
  /// Number of rows.
  std::size_t size() const noexcept { return columns_.empty() ? 0 : cells_ / columns_.size(); }
  /// True when there are no rows.
  bool empty() const noexcept { return cells_ == 0; }
  /// The cell at (row, column).
  const value& at(std::size_t row, std::size_t column) const { return cell(row * width() + column); }
  /// Mutable access, for loaders that move values out.
  value& at(std::size_t row, std::size_t column) { return cell(row * width() + column); }
  /// Appends one cell; rows are complete after width() appends.
  void push(value x) { emplace(std::move(x)); }
  /// Appends one cell made in place from `args` (a value's constructor arguments).
  template <class... Args>
  void emplace(Args&&... args) {
    if (cells_ < chunk_cells) {
      // The first chunk starts at one row, then doubles (a point read allocates once).
      if (first_.capacity() == 0) first_.reserve(std::max<std::size_t>(width(), 1));
      first_.emplace_back(std::forward<Args>(args)...);
    } else {
      if (more_.empty() || more_.back().size() == chunk_cells) more_.emplace_back().reserve(chunk_cells);
      more_.back().emplace_back(std::forward<Args>(args)...);
    }
    ++cells_;
  }
  /// Reserves room for n rows in all (the first chunk up to its full size, then chunk slots).
  void reserve_rows(std::size_t n) {
    auto wanted = n * width();
    first_.reserve(std::min(wanted, chunk_cells));
    if (wanted > chunk_cells) more_.reserve((wanted - chunk_cells) / chunk_cells + 1);
  }
  /// Drops every row, keeping the columns (and the first chunk's memory, for the next batch).
  void clear_rows() noexcept {
    more_.clear();
    first_.clear();
    cells_ = 0;
  }

  /// Rows changed by an INSERT/UPDATE/DELETE (as the database reported).
  std::int64_t affected_rows = 0;

private:
  const value& cell(std::size_t i) const {
    return i < chunk_cells ? first_[i] : more_[(i - chunk_cells) / chunk_cells][(i - chunk_cells) % chunk_cells];
  }
  value& cell(std::size_t i) {
    return i < chunk_cells ? first_[i] : more_[(i - chunk_cells) / chunk_cells][(i - chunk_cells) % chunk_cells];
  }

  std::vector<std::string> columns_;
  std::vector<value> first_;              ///< cells [0, chunk_cells)
  std::vector<std::vector<value>> more_;  ///< the later cells, chunk_cells each
  std::size_t cells_ = 0;
};

}  // namespace orca::drivers

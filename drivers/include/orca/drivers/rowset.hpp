// orca::drivers::rowset: the rows a statement returned, stored flat (row-major).
// Produced by connections and cursors; read by the model's loaders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "orca/drivers/value.hpp"

namespace orca::drivers {

/// Rows of one result, column names once, cells row-major in one vector.
class rowset {
public:
  rowset() = default;
  explicit rowset(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  /// Column names in select-list order.
  const std::vector<std::string>& columns() const noexcept { return columns_; }
  /// Replaces the column names (drivers set them once per statement).
  void set_columns(std::vector<std::string> columns) { columns_ = std::move(columns); }
  /// Number of columns.
  std::size_t width() const noexcept { return columns_.size(); }
  /// Number of rows.
  std::size_t size() const noexcept { return columns_.empty() ? 0 : cells_.size() / columns_.size(); }
  /// True when there are no rows.
  bool empty() const noexcept { return cells_.empty(); }
  /// The cell at (row, column).
  const value& at(std::size_t row, std::size_t column) const { return cells_[row * width() + column]; }
  /// Mutable access, for loaders that move values out.
  value& at(std::size_t row, std::size_t column) { return cells_[row * width() + column]; }
  /// Appends one cell; rows are complete after width() appends.
  void push(value x) { cells_.push_back(std::move(x)); }
  /// Reserves room for n rows.
  void reserve_rows(std::size_t n) { cells_.reserve(n * width()); }
  /// Drops every row, keeping the columns.
  void clear_rows() noexcept { cells_.clear(); }

  /// Rows changed by an INSERT/UPDATE/DELETE (as the database reported).
  std::int64_t affected_rows = 0;

private:
  std::vector<std::string> columns_;
  std::vector<value> cells_;
};

}  // namespace orca::drivers

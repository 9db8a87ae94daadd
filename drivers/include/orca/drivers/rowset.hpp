// orca::drivers::rowset: the rows a statement returned, stored row-major in chunks of 16-byte
// cells. Produced by connections and cursors; read by the model's loaders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "orca/drivers/large_memory.hpp"
#include "orca/drivers/unaligned.hpp"
#include "orca/drivers/value.hpp"

namespace orca::drivers {

/// One cell of a rowset, in 16 bytes: what a loader reads without building an orca::value.
/// Integers, doubles, booleans (0/1) and timestamps (microseconds) are held inline, so are
/// text and blobs of up to 14 bytes; longer ones, and UUIDs, point into their rowset's byte
/// blocks (a cell is valid while its rowset is).
class cell {
public:
  /// Text and blobs of up to this many bytes are held in the cell itself.
  static constexpr std::size_t inline_bytes = 14;

  /// The family of the value held.
  value_type type() const noexcept { return type_; }
  /// True when the cell is SQL NULL.
  bool is_null() const noexcept { return type_ == value_type::null; }
  /// The integer of an integer, boolean (0/1) or timestamp (microseconds) cell.
  std::int64_t integer() const noexcept { return load_unaligned<std::int64_t>(payload_); }
  /// The number of a real cell.
  double real() const noexcept { return load_unaligned<double>(payload_); }
  /// The bytes of a text, blob or UUID cell.
  std::string_view bytes() const noexcept {
    if (size_ != out_of_line) return {payload_, size_};
    return {load_unaligned<const char*>(payload_), load_size()};
  }
  /// The integer held (a boolean reads as 0/1); throws type_mismatch otherwise, as
  /// value::as_integer() does.
  std::int64_t as_integer() const;
  /// The cell as an orca::value (a copy of its bytes).
  value to_value() const;

private:
  friend class rowset;
  static constexpr std::uint8_t out_of_line = 0xff;

  std::size_t load_size() const noexcept { return load_unaligned<std::uint32_t>(payload_ + sizeof(const char*)); }

  /// Inline: a std::int64_t or double, or size_ bytes. Out of line: a pointer to the bytes,
  /// then their count as a std::uint32_t.
  alignas(8) char payload_[inline_bytes];
  std::uint8_t size_;  ///< inline byte count, or out_of_line
  value_type type_;
};

static_assert(sizeof(cell) == 16);

/// Rows of one result, column names once, cells row-major.
///
/// The cells live in chunks: the first grows by doubling up to `chunk_cells`, and every later
/// one is allocated at `later_chunk_cells`, 2 MiB on huge pages (orca/drivers/large_memory.hpp).
/// A large result is never copied to a bigger array as it grows, while a one-row result stays
/// one small allocation. Bytes that do not fit in a cell
/// go to blocks of their own, never moved once written.
class rowset {
public:
  /// Cells of the first chunk at most (a power of two).
  static constexpr std::size_t chunk_cells = std::size_t{1} << 13;
  /// Cells per chunk once a result outgrows its first one (a power of two).
  static constexpr std::size_t later_chunk_cells = huge_page_bytes / sizeof(cell);

  rowset() = default;
  explicit rowset(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  rowset(const rowset& other);
  rowset& operator=(const rowset& other);
  rowset(rowset&&) noexcept = default;
  rowset& operator=(rowset&&) noexcept = default;
  ~rowset() = default;

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

  /// The cell at (row, column), read in place.
  const cell& cell_at(std::size_t row, std::size_t column) const { return slot(row * width() + column); }
  /// The value at (row, column), copied out.
  value at(std::size_t row, std::size_t column) const { return cell_at(row, column).to_value(); }
  /// Replaces the value at (row, column).
  void set(std::size_t row, std::size_t column, const value& x) { slot(row * width() + column) = make(x); }

  /// Appends one cell; rows are complete after width() appends.
  void push(const value& x) { append(make(x)); }
  /// Appends a copy of `x` (of this rowset or another).
  void push(const cell& x);
  /// Appends SQL NULL.
  void push_null() { append(inline_cell(value_type::null)); }
  /// Appends an integer.
  void push_integer(std::int64_t x) {
    auto c = inline_cell(value_type::integer);
    store_unaligned(c.payload_, x);
    append(c);
  }
  /// Appends a double.
  void push_real(double x) {
    auto c = inline_cell(value_type::real);
    store_unaligned(c.payload_, x);
    append(c);
  }
  /// Appends a boolean.
  void push_boolean(bool x) {
    auto c = inline_cell(value_type::boolean);
    store_unaligned(c.payload_, std::int64_t{x ? 1 : 0});
    append(c);
  }
  /// Appends a timestamp.
  void push_time(timestamp x) {
    auto c = inline_cell(value_type::time);
    store_unaligned(c.payload_, static_cast<std::int64_t>(x.time_since_epoch().count()));
    append(c);
  }
  /// Appends text (copied).
  void push_text(std::string_view x) { append(bytes_cell(value_type::text, x)); }
  /// Appends a blob (copied).
  void push_blob(const void* data, std::size_t size) {
    append(bytes_cell(value_type::binary, {static_cast<const char*>(data), size}));
  }
  /// Appends a UUID.
  void push_uuid(const orca::uuid& x) {
    append(bytes_cell(value_type::uuid, {reinterpret_cast<const char*>(x.bytes.data()), x.bytes.size()}));
  }

  /// Reserves room for n rows in all (the first chunk up to its full size, then chunk slots).
  void reserve_rows(std::size_t n) {
    auto wanted = n * width();
    first_.reserve(std::min(wanted, chunk_cells));
    if (wanted > chunk_cells) more_.reserve((wanted - chunk_cells) / later_chunk_cells + 1);
  }
  /// Drops every row, keeping the columns (and the first chunk's memory, for the next batch).
  void clear_rows() noexcept {
    more_.clear();
    first_.clear();
    blocks_.clear();
    block_left_ = 0;
    cells_ = 0;
  }

  /// Rows changed by an INSERT/UPDATE/DELETE (as the database reported).
  std::int64_t affected_rows = 0;

private:
  /// Bytes per block of out-of-line bytes (a longer value gets a block of its own size).
  static constexpr std::size_t block_bytes = std::size_t{1} << 15;

  const cell& slot(std::size_t i) const {
    return i < chunk_cells ? first_[i]
                           : more_[(i - chunk_cells) / later_chunk_cells][(i - chunk_cells) % later_chunk_cells];
  }
  cell& slot(std::size_t i) {
    return i < chunk_cells ? first_[i]
                           : more_[(i - chunk_cells) / later_chunk_cells][(i - chunk_cells) % later_chunk_cells];
  }
  void append(const cell& c) {
    if (cells_ < chunk_cells) {
      // The first chunk starts at one row, then doubles (a point read allocates once).
      if (first_.capacity() == 0) first_.reserve(std::max<std::size_t>(width(), 1));
      first_.push_back(c);
    } else {
      if (more_.empty() || more_.back().size() == later_chunk_cells) more_.emplace_back().reserve(later_chunk_cells);
      more_.back().push_back(c);
    }
    ++cells_;
  }
  static cell inline_cell(value_type type) noexcept {
    cell c{};
    c.size_ = 0;
    c.type_ = type;
    return c;
  }
  cell bytes_cell(value_type type, std::string_view bytes) {
    auto c = inline_cell(type);
    if (bytes.size() <= cell::inline_bytes && type != value_type::uuid) {
      std::memcpy(c.payload_, bytes.data(), bytes.size());
      c.size_ = static_cast<std::uint8_t>(bytes.size());
    } else {
      const char* stored = keep(bytes);
      auto n = static_cast<std::uint32_t>(bytes.size());
      store_unaligned(c.payload_, stored);
      store_unaligned(c.payload_ + sizeof stored, n);
      c.size_ = cell::out_of_line;
    }
    return c;
  }
  /// A copy of `bytes` in the blocks.
  const char* keep(std::string_view bytes);
  cell make(const value& x);

  std::vector<std::string> columns_;
  std::vector<cell> first_;                                     ///< cells [0, chunk_cells)
  std::vector<std::vector<cell, large_allocator<cell>>> more_;  ///< the later cells, later_chunk_cells each
  std::vector<std::unique_ptr<char[]>> blocks_;                 ///< out-of-line bytes
  char* block_next_ = nullptr;                                  ///< free room in the newest block
  std::size_t block_left_ = 0;
  std::size_t cells_ = 0;
};

}  // namespace orca::drivers

// orca::value_row: a row of column values with room for a few inline, for the snapshots the
// identity map keeps of every object.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "orca/drivers/value.hpp"

namespace orca {

/// Column values, the first `inline_values` of them stored in the row itself: the snapshot
/// of an object of a table with that many columns or fewer allocates nothing of its own (a
/// `std::vector<value>` cost one allocation per loaded object, the largest one of a bulk
/// load after the object's). Wider rows keep their values on the heap.
///
/// clear() keeps the values' buffers for the next row stored here (a record slot reused by
/// a stream's next object): `assign_from` then copies over the old values, so a text column
/// reuses its string's capacity.
class value_row {
public:
  static constexpr std::size_t inline_values = 4;

  value_row() noexcept = default;
  value_row(const value_row& other) { assign(other.begin(), other.end()); }
  value_row(value_row&& other) noexcept { take(std::move(other)); }
  explicit value_row(const std::vector<value>& values) { assign(values.data(), values.data() + values.size()); }
  value_row& operator=(const value_row& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  value_row& operator=(value_row&& other) noexcept {
    if (this != &other) {
      destroy();
      take(std::move(other));
    }
    return *this;
  }
  ~value_row() { destroy(); }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  value& operator[](std::size_t i) noexcept { return data_[i]; }
  const value& operator[](std::size_t i) const noexcept { return data_[i]; }
  value* begin() noexcept { return data_; }
  value* end() noexcept { return data_ + size_; }
  const value* begin() const noexcept { return data_; }
  const value* end() const noexcept { return data_ + size_; }

  /// `n` values: those beyond the current size are NULL.
  void resize(std::size_t n) {
    reserve(n);
    for (std::size_t i = size_; i < std::min<std::size_t>(n, built_); ++i) data_[i] = value{};
    build_to(n);
    size_ = static_cast<std::uint32_t>(n);
  }
  /// `n` values whose contents the caller overwrites, every one: the values kept by
  /// clear() are reused as they are (their buffers with them).
  void reuse(std::size_t n) {
    reserve(n);
    build_to(n);
    size_ = static_cast<std::uint32_t>(n);
  }
  /// No values; their storage (and the buffers they hold) stays for the next row.
  void clear() noexcept { size_ = 0; }
  /// Copies [first, last) in, over the values kept from before.
  void assign(const value* first, const value* last) {
    auto n = static_cast<std::size_t>(last - first);
    reuse(n);
    std::copy(first, last, data_);
  }
  void assign(const std::vector<value>& values) { assign(values.data(), values.data() + values.size()); }
  std::vector<value> to_vector() const { return std::vector<value>(begin(), end()); }

  friend bool operator==(const value_row& a, const value_row& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

private:
  value* local() noexcept { return std::launder(reinterpret_cast<value*>(local_)); }
  bool on_heap() const noexcept { return capacity_ > inline_values; }

  // Room for n values, those built so far moved along.
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    auto capacity = std::max<std::size_t>(n, capacity_ * 2);
    auto* fresh = static_cast<value*>(::operator new (capacity * sizeof(value), std::align_val_t{alignof(value)}));
    std::uninitialized_move(data_, data_ + built_, fresh);
    destroy();
    data_ = fresh;
    capacity_ = static_cast<std::uint32_t>(capacity);
  }
  // Constructs (as NULL) the values up to n that were never built.
  void build_to(std::size_t n) {
    for (; built_ < n; ++built_) ::new (static_cast<void*>(data_ + built_)) value{};
  }
  // Destroys every value built and frees the heap block; built_ stays for reserve()'s move.
  void destroy() noexcept {
    std::destroy(data_, data_ + built_);
    if (on_heap()) ::operator delete (data_, std::align_val_t{alignof(value)});
    data_ = local();
    capacity_ = inline_values;
  }
  void take(value_row&& other) noexcept {
    if (other.on_heap()) {
      data_ = other.data_;
      capacity_ = other.capacity_;
      built_ = other.built_;
      size_ = other.size_;
      other.data_ = other.local();
      other.capacity_ = inline_values;
    } else {
      data_ = local();
      capacity_ = inline_values;
      std::uninitialized_move(other.data_, other.data_ + other.built_, data_);
      built_ = other.built_;
      size_ = other.size_;
      std::destroy(other.data_, other.data_ + other.built_);
    }
    other.built_ = 0;
    other.size_ = 0;
  }

  value* data_ = local();
  std::uint32_t size_ = 0;
  std::uint32_t built_ = 0;  ///< values constructed in data_ (size_ <= built_ <= capacity_)
  std::uint32_t capacity_ = inline_values;
  alignas(value) std::byte local_[inline_values * sizeof(value)];
};

}  // namespace orca

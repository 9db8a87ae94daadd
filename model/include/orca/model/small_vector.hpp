// orca::detail::small_vector: a vector whose first few elements live inside it. The items
// of orca::collection, most of which hold a handful of objects: a loaded parent with one or
// two children then costs no allocation besides itself.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace orca::detail {

/// A contiguous sequence of T that holds up to `N` elements in place and moves them to the
/// heap past that (doubling, as std::vector). T must move without throwing. Iterators are
/// pointers; as with std::vector, a growth invalidates them.
template <class T, std::size_t N>
class small_vector {
  static_assert(N > 0 && N * sizeof(T) >= sizeof(T*));
  static_assert(std::is_nothrow_move_constructible_v<T>);

public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  small_vector() noexcept = default;
  small_vector(const small_vector& other) { assign(other.begin(), other.end()); }
  small_vector(small_vector&& other) noexcept { take(other); }
  template <class It>
  small_vector(It first, It last) {
    assign(first, last);
  }
  small_vector& operator=(const small_vector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  small_vector& operator=(small_vector&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~small_vector() { release(); }

  T* data() noexcept { return on_heap() ? storage_.heap : local(); }
  const T* data() const noexcept { return on_heap() ? storage_.heap : local(); }
  iterator begin() noexcept { return data(); }
  iterator end() noexcept { return data() + size_; }
  const_iterator begin() const noexcept { return data(); }
  const_iterator end() const noexcept { return data() + size_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }

  /// Room for `n` elements (growing to exactly `n` past the current capacity).
  void reserve(std::size_t n) {
    if (n > capacity_) grow(n);
  }
  void push_back(const T& x) { emplace_back(x); }
  void push_back(T&& x) { emplace_back(std::move(x)); }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity_) {
      // `args` may name an element: make the new one before the old ones move.
      T made(std::forward<Args>(args)...);
      grow(std::max<std::size_t>(2 * capacity_, N));
      return *std::construct_at(data() + size_++, std::move(made));
    }
    return *std::construct_at(data() + size_++, std::forward<Args>(args)...);
  }
  /// Removes the element at `at`; returns the position that follows it.
  iterator erase(const_iterator at) noexcept {
    auto* p = begin() + (at - begin());
    std::move(p + 1, end(), p);
    std::destroy_at(end() - 1);
    --size_;
    return p;
  }
  /// Removes every element; the capacity stays.
  void clear() noexcept {
    std::destroy(begin(), end());
    size_ = 0;
  }
  /// Replaces the contents with [first, last).
  template <class It>
  void assign(It first, It last) {
    clear();
    reserve(static_cast<std::size_t>(std::distance(first, last)));
    for (; first != last; ++first) std::construct_at(data() + size_++, *first);
  }

private:
  bool on_heap() const noexcept { return capacity_ > N; }
  T* local() noexcept { return std::launder(reinterpret_cast<T*>(storage_.local)); }
  const T* local() const noexcept { return std::launder(reinterpret_cast<const T*>(storage_.local)); }

  void grow(std::size_t n) {
    if (n > UINT32_MAX) throw std::length_error("orca::detail::small_vector: more than 2^32 - 1 elements");
    std::allocator<T> heap;
    T* moved = heap.allocate(n);
    std::uninitialized_move(begin(), end(), moved);
    std::destroy(begin(), end());
    if (on_heap()) heap.deallocate(storage_.heap, capacity_);
    storage_.heap = moved;
    capacity_ = static_cast<std::uint32_t>(n);
  }
  // Takes `other`'s elements, leaving it empty; *this holds nothing.
  void take(small_vector& other) noexcept {
    if (other.on_heap()) {
      storage_.heap = other.storage_.heap;
      capacity_ = std::exchange(other.capacity_, std::uint32_t{N});
    } else {
      std::uninitialized_move(other.begin(), other.end(), local());
      std::destroy(other.begin(), other.end());
    }
    size_ = std::exchange(other.size_, 0);
  }
  void release() noexcept {
    clear();
    if (on_heap()) std::allocator<T>{}.deallocate(storage_.heap, capacity_);
    capacity_ = N;
  }

  union storage {
    T* heap;  ///< past N elements
    alignas(T) std::byte local[N * sizeof(T)];
  } storage_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = N;
};

}  // namespace orca::detail

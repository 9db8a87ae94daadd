// orca::collection<T>: a one-to-many relationship member, loaded only when asked for
// (selectinload). Touching one that was not loaded throws (SQLAlchemy's lazy="raise").
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <vector>

#include "orca/model/table.hpp"

namespace orca {

namespace detail {
[[noreturn]] void throw_not_loaded(const relationship_info& info);
template <class T>
class collection_access;
}  // namespace detail

/// A collection of related objects (`std::shared_ptr<T>` each).
///
/// Built by the user it holds what they put in (saved with the parent, cascade). Loaded by
/// a session it holds the rows selectinload found; loaded without selectinload it is *not
/// loaded*, and any read throws orca::error(errc::not_loaded) naming class and attribute.
template <class T>
class collection {
public:
  using value_type = std::shared_ptr<T>;
  using iterator = typename std::vector<std::shared_ptr<T>>::iterator;
  using const_iterator = typename std::vector<std::shared_ptr<T>>::const_iterator;

  collection() = default;
  /// Fills the collection with copies of `items` (`A{.bs = {B{}, B{}}}`).
  collection(std::initializer_list<T> items) {
    items_.reserve(items.size());
    for (auto& x : items) items_.push_back(std::make_shared<T>(x));
  }
  /// Fills the collection with existing objects.
  collection(std::vector<std::shared_ptr<T>> items) : items_(std::move(items)) {}

  iterator begin() {
    check();
    return items_.begin();
  }
  iterator end() {
    check();
    return items_.end();
  }
  const_iterator begin() const {
    check();
    return items_.begin();
  }
  const_iterator end() const {
    check();
    return items_.end();
  }
  /// Number of related objects.
  std::size_t size() const {
    check();
    return items_.size();
  }
  /// True if there are none.
  bool empty() const {
    check();
    return items_.empty();
  }
  /// The i-th related object.
  const std::shared_ptr<T>& operator[](std::size_t i) const {
    check();
    return items_[i];
  }
  /// Appends an object (saved with the parent at the next flush).
  std::shared_ptr<T> add(T item) {
    check();
    return items_.emplace_back(std::make_shared<T>(std::move(item)));
  }
  /// Appends an existing object.
  void add(std::shared_ptr<T> item) {
    check();
    items_.push_back(std::move(item));
  }
  /// True if the contents are known (built by the user, or loaded).
  bool is_loaded() const noexcept { return unloaded_ == nullptr; }

private:
  friend class detail::collection_access<T>;
  void check() const {
    if (unloaded_ != nullptr) detail::throw_not_loaded(*unloaded_);
  }
  std::vector<std::shared_ptr<T>> items_;
  const relationship_info* unloaded_ = nullptr;
};

}  // namespace orca

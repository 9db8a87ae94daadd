// orca::collection<T>: a one-to-many or many-to-many relationship member, loaded only when
// asked for (selectinload). Touching one that was not loaded throws (SQLAlchemy's lazy="raise").
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "orca/model/object_slabs.hpp"
#include "orca/model/small_vector.hpp"
#include "orca/model/table.hpp"

namespace orca {

namespace detail {
[[noreturn]] void throw_not_loaded(const relationship_info& info);
template <class T>
class collection_access;
/// The user added `child` to `parent`'s collection: with back_populates the child's
/// reference is set to the parent (weakly: the parent holds the child), leaving its previous
/// parent's loaded collection.
void collection_added(const relationship_info& info, const std::shared_ptr<void>& parent,
                      const std::shared_ptr<void>& child);
/// The user took `child` out of `parent`'s collection: with back_populates the child's
/// reference is cleared if it referred to the parent.
void collection_removed(const relationship_info& info, const void* parent, void* child);
}  // namespace detail

/// A collection of related objects (`std::shared_ptr<T>` each).
///
/// Built by the user it holds what they put in (saved with the parent, cascade). Loaded by
/// a session it holds the rows selectinload found; loaded without selectinload it is *not
/// loaded*, and any read throws orca::error(errc::not_loaded) naming class and attribute.
/// An object taken out with remove() is unlinked (foreign key NULL) by the next flush, or
/// deleted if the relationship cascades remove_orphan. Mapped with `.secondary(...)` it is
/// a many-to-many collection: the flush inserts and deletes association rows for what
/// add() and remove() changed, and the objects themselves stay.
template <class T>
class collection {
public:
  using value_type = std::shared_ptr<T>;
  using iterator = std::shared_ptr<T>*;
  using const_iterator = const std::shared_ptr<T>*;

  collection() = default;
  /// Fills the collection with copies of `items` (`A{.bs = {B{}, B{}}}`).
  collection(std::initializer_list<T> items) {
    items_.reserve(items.size());
    for (auto& x : items) items_.push_back(orca::make_object<T>(x));
  }
  /// Fills the collection with existing objects.
  collection(const std::vector<std::shared_ptr<T>>& items) : items_(items.begin(), items.end()) {}  // NOLINT
  /// A copy holds the same objects; it is not bound to the copied owner.
  collection(const collection& other) : items_(other.items_), state_(unbound_copy(other)) {}
  /// Takes the objects of a collection bound to no owner (a value being built, as
  /// `session.add(A{.bs = {...}})` moves it into the session's object); a bound one is
  /// copied, so that its owner's collection stays as the flush knows it.
  collection(collection&& other) : state_(unbound_copy(other)) {
    if (other.info() == nullptr)
      items_ = std::move(other.items_);
    else
      items_ = other.items_;
  }
  /// Holds the same objects as `other`; its binding to its own owner stays.
  collection& operator=(const collection& other) {
    items_ = other.items_;
    set_unloaded(other.unloaded());
    return *this;
  }
  ~collection() { delete lists(); }

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
    auto added = orca::make_object<T>(std::move(item));
    add(added);
    return added;
  }
  /// Appends an existing object; with back_populates, its reference to the parent is set
  /// (many-to-many: the other side's collection, if loaded, gains the owner). A
  /// many-to-many collection holds each object once: adding one it holds does nothing.
  void add(std::shared_ptr<T> item) {
    check();
    if (many_to_many() && std::find(items_.begin(), items_.end(), item) != items_.end()) return;
    if (auto* lists = this->lists()) std::erase(lists->removed, item);
    items_.push_back(item);
    if (auto* info = this->info())
      if (auto owner = owner_.lock()) detail::collection_added(*info, owner, item);
  }
  /// Takes an object out (false if the collection does not hold it): the next flush sets its
  /// foreign key to NULL, or deletes it if the relationship cascades remove_orphan; with
  /// back_populates, its reference to the parent is cleared. In a many-to-many collection
  /// the flush deletes the association row (the object stays), and the other side's loaded
  /// collection loses the owner.
  bool remove(std::shared_ptr<T> item) {  // by value: `item` may name an element of the collection
    check();
    auto found = std::find(items_.begin(), items_.end(), item);
    if (found == items_.end()) return false;
    items_.erase(found);
    if (!many_to_many()) changes().removed.push_back(item);  // many-to-many: the flush compares with persisted
    if (auto* info = this->info())
      if (auto owner = owner_.lock()) detail::collection_removed(*info, owner.get(), item.get());
    return true;
  }
  /// True if the contents are known (built by the user, or loaded).
  bool is_loaded() const noexcept { return (state_ & unloaded_bit) == 0; }

private:
  friend class detail::collection_access<T>;
  void check() const {
    if (auto* info = unloaded()) detail::throw_not_loaded(*info);
  }
  bool many_to_many() const noexcept {
    auto* info = this->info();
    return info != nullptr && info->kind == relationship_kind::many_to_many;
  }
  /// The relationship of a collection not loaded (touching it throws, naming it); null if loaded.
  const relationship_info* unloaded() const noexcept { return state_ & unloaded_bit ? relationship() : nullptr; }
  /// The relationship of a collection bound to its owner; null if not bound.
  const relationship_info* info() const noexcept { return state_ & bound ? relationship() : nullptr; }
  /// The member's relationship, once known (set_unloaded() or bind() named it).
  const relationship_info* relationship() const noexcept {
    if (auto* lists = this->lists()) return lists->relationship;
    return reinterpret_cast<const relationship_info*>(state_ & ~flags);  // NOLINT
  }
  void set_relationship(const relationship_info* info) noexcept {
    if (auto* lists = this->lists())
      lists->relationship = info;
    else
      state_ = reinterpret_cast<std::uintptr_t>(info) | (state_ & flags);  // NOLINT
  }
  /// Marks the collection not loaded (`info`, its relationship) or loaded (null). Both
  /// states name the same relationship, that of the member.
  void set_unloaded(const relationship_info* info) noexcept {
    if (info == nullptr) {
      state_ &= ~unloaded_bit;
    } else {
      set_relationship(info);
      state_ |= unloaded_bit;
    }
  }
  void bind(std::weak_ptr<void> owner, const relationship_info& info) noexcept {
    owner_ = std::move(owner);
    set_relationship(&info);
    state_ |= bound;
  }
  /// What a flush needs besides the items, made the first time there is some: most
  /// collections (every one a load fills) never have any, and stay 64 bytes. The
  /// relationship moves into it, and state_ points at it instead.
  struct change_lists {
    std::vector<std::shared_ptr<T>> removed;  ///< taken out since the last flush
    /// Many-to-many: the items whose association rows exist (as loaded or last flushed).
    std::vector<std::shared_ptr<T>> persisted;
    const relationship_info* relationship = nullptr;
  };
  /// The change lists, or null if there are none yet.
  change_lists* lists() const noexcept {
    return state_ & has_lists ? reinterpret_cast<change_lists*>(state_ & ~flags) : nullptr;  // NOLINT
  }
  change_lists& changes() {
    if (auto* lists = this->lists()) return *lists;
    auto* made = new change_lists{{}, {}, relationship()};
    state_ = reinterpret_cast<std::uintptr_t>(made) | (state_ & (unloaded_bit | bound)) | has_lists;  // NOLINT
    return *made;
  }
  /// The state of a copy of `other`: its relationship and whether it is loaded; no binding
  /// and no change lists.
  static std::uintptr_t unbound_copy(const collection& other) noexcept {
    return reinterpret_cast<std::uintptr_t>(other.relationship()) | (other.state_ & unloaded_bit);  // NOLINT
  }

  static constexpr std::uintptr_t unloaded_bit = 1;
  static constexpr std::uintptr_t bound = 2;
  static constexpr std::uintptr_t has_lists = 4;
  static constexpr std::uintptr_t flags = unloaded_bit | bound | has_lists;
  static_assert(alignof(change_lists) >= 8);

  /// In place up to two objects: a loaded parent with one or two children allocates nothing more.
  detail::small_vector<std::shared_ptr<T>, 2> items_;
  /// A relationship_info* (the member's) or, with has_lists, a change_lists* that holds it;
  /// with unloaded_bit while not loaded and `bound` once bound to its owner. Both are
  /// 8-aligned: the three low bits are free.
  std::uintptr_t state_ = 0;
  std::weak_ptr<void> owner_;  ///< the object holding this collection
};

}  // namespace orca

// orca::reference<T>: a many-to-one relationship member, loaded only when asked for
// (selectinload). Touching one that was not loaded throws (SQLAlchemy's lazy="raise").
#pragma once

#include <cstddef>
#include <memory>

#include "orca/model/relationship.hpp"

namespace orca {

namespace detail {
[[noreturn]] void throw_not_loaded(const relationship_info& info);
template <class T>
class reference_access;
/// The user set `child`'s reference from `before` to `after`: the child's foreign key takes
/// the new parent's key (now if it has one, else at the flush) or NULL, and with
/// back_populates the parents' loaded collections follow.
void reference_changed(const relationship_info& info, const std::shared_ptr<void>& child,
                       const std::shared_ptr<void>& before, const std::shared_ptr<void>& after);
}  // namespace detail

/// The object a foreign key refers to (`std::shared_ptr<T>` inside).
///
/// Set by the user it holds what they put in (saved before the child, cascade). Loaded by a
/// session it holds the object selectinload found; loaded without selectinload it is *not
/// loaded*, and any read throws orca::error(errc::not_loaded) naming class and attribute
/// (unless its foreign key is NULL: then it is known to be empty). With back_populates, a
/// reference set from its parent's collection holds the parent weakly (the parent holds the
/// child): once the application drops the parent, reading it throws not_loaded.
template <class T>
class reference {
public:
  reference() = default;
  /// Refers to `target` (`book{.written_by = ursula}`).
  reference(std::shared_ptr<T> target) : strong_(std::move(target)) {}  // NOLINT(google-explicit-constructor)
  /// Refers to nothing.
  reference(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  /// A copy refers to the same object; it is not bound to the copied owner.
  reference(const reference& other)
      : strong_(other.strong_), weak_(other.weak_), weak_info_(other.weak_info_), unloaded_(other.unloaded_) {}
  /// Refers to what `other` refers to (throws not_loaded if `other` is not loaded).
  reference& operator=(const reference& other) {
    if (this != &other) set(other.get());
    return *this;
  }
  /// Refers to `target`; with back_populates the parents' loaded collections follow.
  reference& operator=(std::shared_ptr<T> target) {
    set(std::move(target));
    return *this;
  }
  /// Refers to nothing; with back_populates the child leaves its parent's loaded collection.
  reference& operator=(std::nullptr_t) {
    set(nullptr);
    return *this;
  }
  ~reference() = default;

  /// The referenced object, or null.
  std::shared_ptr<T> get() const {
    check();
    return strong_ ? strong_ : weak_.lock();
  }
  /// The referenced object (the reference must not be empty).
  T* operator->() const { return get().get(); }
  /// The referenced object (the reference must not be empty).
  T& operator*() const { return *get(); }
  /// True if it refers to an object.
  explicit operator bool() const { return get() != nullptr; }
  /// The referenced object as a std::shared_ptr.
  operator std::shared_ptr<T>() const { return get(); }  // NOLINT(google-explicit-constructor)
  /// True if the referenced object is known (set by the user, or loaded).
  bool is_loaded() const noexcept { return unloaded_ == nullptr && !weak_expired(); }

  friend bool operator==(const reference& a, const reference& b) { return a.get() == b.get(); }
  friend bool operator==(const reference& a, const std::shared_ptr<T>& b) { return a.get() == b; }
  friend bool operator==(const reference& a, std::nullptr_t) { return a.get() == nullptr; }

private:
  friend class detail::reference_access<T>;
  void check() const {
    if (unloaded_ != nullptr) detail::throw_not_loaded(*unloaded_);
    if (weak_expired()) detail::throw_not_loaded(*weak_info_);
  }
  bool weak_expired() const noexcept { return weak_info_ != nullptr && weak_.expired(); }
  void set(std::shared_ptr<T> target) {
    std::shared_ptr<void> before;
    if (is_loaded()) before = strong_ ? strong_ : weak_.lock();
    strong_ = target;
    weak_.reset();
    weak_info_ = nullptr;
    unloaded_ = nullptr;
    if (info_ != nullptr && before != target)
      if (auto owner = owner_.lock()) detail::reference_changed(*info_, owner, before, target);
  }

  std::shared_ptr<T> strong_;
  std::weak_ptr<T> weak_;
  const relationship_info* weak_info_ = nullptr;  ///< set while the target is held weakly
  const relationship_info* unloaded_ = nullptr;   ///< set while not loaded
  const relationship_info* info_ = nullptr;       ///< set once bound to its owner (back_populates)
  std::weak_ptr<void> owner_;                     ///< the child object holding this reference
};

}  // namespace orca

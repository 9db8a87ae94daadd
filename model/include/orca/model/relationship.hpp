// orca::relationship_info and the accessor of each kind of relationship: the non-template
// description of one mapped relationship, read by the loader, the flush and the session.
#pragma once

#include <any>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "orca/drivers/value.hpp"

namespace orca {

class table_info;
struct relationship_info;

/// Returns the table of a class lazily (breaks cycles between mutually referring classes).
using table_getter = const table_info& (*)();

/// The kinds of relationship orca maps.
enum class relationship_kind : std::uint8_t {
  one_to_many,  ///< orca::collection<Child>: loaded only on request (selectinload)
  write_only,   ///< orca::write_only<Child>: never loaded, read through select()
  many_to_one,  ///< orca::reference<Parent>: the object a foreign key refers to
};

namespace detail {

/// Access to a one-to-many collection member (orca::collection<C>) of an owner object.
class collection_accessor {
public:
  virtual ~collection_accessor() = default;
  /// The items of a loaded collection (none if it is not loaded).
  virtual std::vector<std::shared_ptr<void>> items(const void* owner) const = 0;
  /// Sets the loaded contents.
  virtual void assign(void* owner, std::vector<std::shared_ptr<void>> items) const = 0;
  /// Marks the collection not loaded: touching it throws errc::not_loaded.
  virtual void set_unloaded(void* owner, const relationship_info& info) const = 0;
  /// True if the contents are known (loaded or built by the user).
  virtual bool is_loaded(const void* owner) const = 0;
};

/// Access to a write-only collection member (orca::write_only<C>) of an owner object.
class write_only_accessor {
public:
  virtual ~write_only_accessor() = default;
  /// Objects added since the last flush.
  virtual std::vector<std::shared_ptr<void>> added(const void* owner) const = 0;
  /// Objects removed since the last flush.
  virtual std::vector<std::shared_ptr<void>> removed(const void* owner) const = 0;
  /// Forgets pending additions and removals (after a flush, or a rollback).
  virtual void clear_pending(void* owner) const = 0;
  /// Tells the collection who owns it, so that select() can filter on it, and which flag
  /// to raise when it is changed (so that the session's autoflush notices).
  virtual void bind(void* owner, const relationship_info& info, const value& owner_key,
                    const std::shared_ptr<std::atomic<bool>>& changed) const = 0;
};

/// Access to a many-to-one reference member (orca::reference<P>) of an owner object.
class reference_accessor {
public:
  virtual ~reference_accessor() = default;
  /// The referenced object (null if none, or not loaded).
  virtual std::shared_ptr<void> target(const void* owner) const = 0;
  /// Sets the referenced object (null: none) and marks the reference loaded.
  virtual void assign(void* owner, std::shared_ptr<void> target) const = 0;
};

}  // namespace detail

/// The accessor of one relationship: one alternative per kind of member.
using relationship_accessor =
    std::variant<std::shared_ptr<const detail::collection_accessor>, std::shared_ptr<const detail::write_only_accessor>,
                 std::shared_ptr<const detail::reference_accessor>>;

/// One mapped relationship.
struct relationship_info {
  std::string name;  ///< the attribute ("bs")
  relationship_kind kind = relationship_kind::one_to_many;
  const table_info* owner = nullptr;  ///< the class that declares it
  table_getter target = nullptr;      ///< the related class's table
  /// one_to_many / write_only: the foreign key column in the target (child) table;
  /// many_to_one: the foreign key column in the owner's table.
  std::size_t foreign_key = 0;
  relationship_accessor access;
  std::any member;

  /// The accessor of a one-to-many collection, or nullptr for another kind.
  const detail::collection_accessor* collection() const noexcept { return alternative<0>(); }
  /// The accessor of a write-only collection, or nullptr for another kind.
  const detail::write_only_accessor* write_only() const noexcept { return alternative<1>(); }
  /// The accessor of a many-to-one reference, or nullptr for another kind.
  const detail::reference_accessor* reference() const noexcept { return alternative<2>(); }

private:
  template <std::size_t I>
  auto alternative() const noexcept -> decltype(std::get<I>(access).get()) {
    auto* held = std::get_if<I>(&access);
    return held != nullptr ? held->get() : nullptr;
  }
};

}  // namespace orca

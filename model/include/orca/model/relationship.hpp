// orca::relationship_info and the accessor of each kind of relationship: the non-template
// description of one mapped relationship, read by the loader, the flush and the session.
#pragma once

#include <any>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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
  /// orca::collection<Other> through an association table (`.secondary(...)`): loaded only
  /// on request, its pairs written and deleted by the flush.
  many_to_many,
};

/// When a relationship is loaded (SQLAlchemy's `lazy=`). orca never loads one implicitly:
/// there is no `lazy="select"`, since a read of a member cannot wait for the database.
enum class lazy : std::uint8_t {
  /// Only on request (selectinload, session.load()); an object loaded without it has the
  /// relationship *not loaded*, and touching it throws errc::not_loaded (the default).
  raise,
  /// Never: an object loaded without it holds an empty collection or a null reference, as
  /// if nothing were related (SQLAlchemy's `lazy="noload"`).
  noload,
};

/// What a relationship does to related objects along with its owner (SQLAlchemy's
/// `cascade=`); flags combined with `|`.
enum class cascade : std::uint8_t {
  none = 0,
  /// Related objects join the owner's session and are saved with it (the default).
  save_update = 1,
  /// Removing the owner removes its related objects, loading those not loaded (SQLAlchemy's
  /// "delete"); with passive_deletes, those not loaded are left to the database's ON DELETE.
  remove = 2,
  /// An object taken out of the collection is deleted, not unlinked ("delete-orphan").
  remove_orphan = 4,
  /// save_update | remove (SQLAlchemy's "all").
  all = save_update | remove,
};
/// Both sets of cascades.
constexpr cascade operator|(cascade a, cascade b) noexcept {
  return static_cast<cascade>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
/// True if `set` holds every flag of `flag`.
constexpr bool has(cascade set, cascade flag) noexcept {
  return (static_cast<std::uint8_t>(set) & static_cast<std::uint8_t>(flag)) == static_cast<std::uint8_t>(flag);
}

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
  /// True if the collection is loaded and holds `item`.
  virtual bool contains(const void* owner, const void* item) const = 0;
  /// Appends `item` to a loaded collection that does not hold it yet (the other side of a
  /// back_populates pair changed; nothing else follows).
  virtual void append(void* owner, const std::shared_ptr<void>& item) const = 0;
  /// Appends a row's object to a collection being loaded (assigned empty first), as it is.
  /// Taken by value: a load that keeps no other list of the objects moves them in (each
  /// copy of a pointer costs two atomic operations).
  virtual void add_loaded(void* owner, std::shared_ptr<void> item) const = 0;
  /// Takes `item` out of a loaded collection because it moved to another parent (or none):
  /// the other side of back_populates changed and has set the foreign key already, so
  /// nothing is queued for the flush.
  virtual void take_out(void* owner, const void* item) const = 0;
  /// Objects taken out since the last flush (unlinked, or deleted as orphans, by it).
  virtual std::vector<std::shared_ptr<void>> removed(const void* owner) const = 0;
  /// Forgets the objects taken out (after a flush, or a rollback).
  virtual void clear_removed(void* owner) const = 0;
  /// Tells the collection who owns it, so that add() and remove() can keep the other side
  /// of back_populates in step.
  virtual void bind(void* owner, const std::shared_ptr<void>& self, const relationship_info& info) const = 0;
};

/// Access to a many-to-many collection member (orca::collection<C> declared with
/// `.secondary(...)`): a collection that also remembers which pairs the database holds, so
/// that the flush writes the difference as association rows.
class many_to_many_accessor : public collection_accessor {
public:
  /// The items the association table held for `owner` when it was last loaded or flushed
  /// (none for a collection that is not loaded).
  virtual std::vector<std::shared_ptr<void>> persisted(const void* owner) const = 0;
  /// The flush wrote the collection's pairs: what it holds now is what the database holds.
  virtual void mark_persisted(void* owner) const = 0;
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
  /// Refers to `target` without owning it: `target`'s collection (back_populates) holds
  /// the owner, and a strong reference back would be a cycle that never dies.
  virtual void assign_weak(void* owner, const std::shared_ptr<void>& target, const relationship_info& info) const = 0;
  /// Marks the reference not loaded: touching it throws errc::not_loaded.
  virtual void set_unloaded(void* owner, const relationship_info& info) const = 0;
  /// True if the referenced object is known (set by the user, or loaded).
  virtual bool is_loaded(const void* owner) const = 0;
  /// Tells the reference which object holds it, so that setting it keeps the foreign key and
  /// the other side of back_populates in step.
  virtual void bind(void* owner, const std::shared_ptr<void>& self, const relationship_info& info) const = 0;
};

}  // namespace detail

/// The accessor of one relationship: one alternative per kind of member.
using relationship_accessor = std::variant<
    std::shared_ptr<const detail::collection_accessor>, std::shared_ptr<const detail::write_only_accessor>,
    std::shared_ptr<const detail::reference_accessor>, std::shared_ptr<const detail::many_to_many_accessor>>;

/// The association table of a many-to-many relationship: a mapped class of two foreign key
/// columns, one referring to the owner's key and one to the target's.
struct secondary_info {
  table_getter table = nullptr;   ///< the association table
  std::size_t owner_column = 0;   ///< its column referring to the owner's key
  std::size_t target_column = 0;  ///< its column referring to the target's key
};

/// One mapped relationship.
struct relationship_info {
  std::string name;  ///< the attribute ("bs")
  relationship_kind kind = relationship_kind::one_to_many;
  const table_info* owner = nullptr;  ///< the class that declares it
  table_getter target = nullptr;      ///< the related class's table
  /// one_to_many / write_only: the foreign key column in the target (child) table;
  /// many_to_one: the foreign key column in the owner's table; unused by many_to_many.
  std::size_t foreign_key = 0;
  /// many_to_many: the association table (`.secondary(...)`).
  std::optional<secondary_info> secondary;
  relationship_accessor access;
  std::any member;
  orca::lazy loading = lazy::raise;               ///< when it is loaded (`.lazy(...)`)
  orca::cascade cascades = cascade::save_update;  ///< what follows the owner (`.cascade(...)`)
  /// Removing the owner leaves related rows that are not loaded to the database's ON DELETE
  /// (`.passive_deletes()`), rather than loading them to delete or unlink them.
  bool passive_deletes = false;
  /// The relationship of the other class that mirrors this one (`.back_populates(name)`).
  const relationship_info* back_populates = nullptr;

  /// The accessor of a one-to-many collection, or nullptr for another kind.
  const detail::collection_accessor* collection() const noexcept { return alternative<0>(); }
  /// The accessor of a write-only collection, or nullptr for another kind.
  const detail::write_only_accessor* write_only() const noexcept { return alternative<1>(); }
  /// The accessor of a many-to-one reference, or nullptr for another kind.
  const detail::reference_accessor* reference() const noexcept { return alternative<2>(); }
  /// The accessor of a many-to-many collection, or nullptr for another kind.
  const detail::many_to_many_accessor* many_to_many() const noexcept { return alternative<3>(); }
  /// The accessor of a loadable collection (one-to-many or many-to-many), or nullptr.
  const detail::collection_accessor* any_collection() const noexcept {
    if (auto* c = collection()) return c;
    return many_to_many();
  }

private:
  template <std::size_t I>
  auto alternative() const noexcept -> decltype(std::get<I>(access).get()) {
    auto* held = std::get_if<I>(&access);
    return held != nullptr ? held->get() : nullptr;
  }
};

}  // namespace orca

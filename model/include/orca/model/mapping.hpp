// Declarative mapping of plain C++ structs through member pointers (no code generator).
// A user maps a class by writing, next to it:
//
//   void orca_table(orca::table_builder<A>& t) {
//     t.table("a");
//     t.column("id", &A::id).primary_key();
//     t.column("data", &A::data);
//     t.column("create_date", &A::create_date).server_default(orca::now);
//     t.relationship("bs", &A::bs, &B::a_id);
//   }
//
// orca::table_of<A>() turns that into the non-template table_info the rest of orca reads.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "orca/model/collection.hpp"
#include "orca/model/reference.hpp"
#include "orca/model/table.hpp"
#include "orca/model/table_of.hpp"
#include "orca/model/value_traits.hpp"
#include "orca/model/write_only.hpp"

namespace orca {

template <class V>
class typed_expression;

/// Tag for `server_default(orca::now)`: the database's current time. Called, `orca::now()`
/// is that time in an expression (defined in functions.hpp).
struct now_t {
  typed_expression<timestamp> operator()() const;
};
inline constexpr now_t now{};

template <class T>
class table_builder;

namespace detail {

std::string demangle(const char* mangled);
/// Finishes a table after every class's columns exist: runs the resolvers (foreign keys and
/// relationship columns found by member), sets relationship owners, finds and checks the
/// primary key (via orca::detail_finish_table). Throws invalid_argument.
void finish_table(table_info& table, std::vector<std::function<void(table_info&)>>& resolvers);

template <class T, class M>
class member_access_impl final : public member_access {
public:
  explicit member_access_impl(M T::*member) : member_(member) {}
  value get(const void* object) const override {
    return value_traits<M>::to_value(static_cast<const T*>(object)->*member_);
  }
  void set(void* object, const value& x) const override {
    static_cast<T*>(object)->*member_ = value_traits<M>::from_value(x);
  }
  void load(void* object, value& x) const override {
    auto& m = static_cast<T*>(object)->*member_;
    m = value_traits<M>::from_value(x);
    if constexpr (exact_round_trip<M>) {
      if (x.type() == value_traits<M>::type || (value_traits<M>::nullable && x.is_null())) return;
    }
    x = value_traits<M>::to_value(m);
  }
  bool holds(const void* object, const value& x) const override {
    const auto& m = static_cast<const T*>(object)->*member_;
    if constexpr (std::same_as<M, std::string>)
      return x.type() == value_type::text && m == x.as_text();
    else if constexpr (std::same_as<M, std::optional<std::string>>)
      return m ? x.type() == value_type::text && *m == x.as_text() : x.is_null();
    else
      return value_traits<M>::to_value(m) == x;
  }
  bool is_unset(const void* object) const override {
    if constexpr (std::is_default_constructible_v<M> && requires(const M& a) { a == a; })
      return static_cast<const T*>(object)->*member_ == M{};
    else
      return false;
  }
private:
  M T::*member_;
};

/// Reads and writes an enumeration member (E or std::optional<E>) as text, by the names
/// its column's as_text() gave.
template <class T, class M>
class enum_text_access final : public member_access {
  using E = typename unwrap_optional<M>::type;
public:
  enum_text_access(M T::*member, std::vector<std::pair<E, std::string>> names)
      : member_(member), names_(std::move(names)) {}
  value get(const void* object) const override {
    const auto& m = static_cast<const T*>(object)->*member_;
    if constexpr (std::is_same_v<M, E>) {
      return value{name_of(m)};
    } else {
      return m ? value{name_of(*m)} : value{};
    }
  }
  void set(void* object, const value& x) const override {
    auto& m = static_cast<T*>(object)->*member_;
    if constexpr (std::is_same_v<M, E>) {
      m = enumerator(x.as_text());
    } else {
      if (x.is_null())
        m.reset();
      else
        m = enumerator(x.as_text());
    }
  }
  bool is_unset(const void* object) const override { return static_cast<const T*>(object)->*member_ == M{}; }
private:
  const std::string& name_of(E x) const {
    for (auto& [e, name] : names_)
      if (e == x) return name;
    throw error(errc::type_mismatch, "the enumerator " + std::to_string(static_cast<std::int64_t>(x)) +
                                         " has no name in the column's as_text() list");
  }
  E enumerator(const std::string& name) const {
    for (auto& [e, n] : names_)
      if (n == name) return e;
    throw error(errc::type_mismatch, "'" + name + "' names no enumerator in the column's as_text() list");
  }
  M T::*member_;
  std::vector<std::pair<E, std::string>> names_;
};

template <class C>
std::vector<std::shared_ptr<void>> erase_types(const std::vector<std::shared_ptr<C>>& xs) {
  return {xs.begin(), xs.end()};
}

template <class C>
class collection_access {
public:
  static std::vector<std::shared_ptr<C>>& items(collection<C>& c) { return c.items_; }
  static const std::vector<std::shared_ptr<C>>& items(const collection<C>& c) { return c.items_; }
  static std::vector<std::shared_ptr<C>>& removed(collection<C>& c) { return c.removed_; }
  static std::vector<std::shared_ptr<C>>& persisted(collection<C>& c) { return c.persisted_; }
  static const std::vector<std::shared_ptr<C>>& persisted(const collection<C>& c) { return c.persisted_; }
  static const std::vector<std::shared_ptr<C>>& removed(const collection<C>& c) { return c.removed_; }
  static void set_unloaded(collection<C>& c, const relationship_info* info) { c.unloaded_ = info; }
  static bool loaded(const collection<C>& c) { return c.unloaded_ == nullptr; }
  static void bind(collection<C>& c, const std::shared_ptr<void>& owner, const relationship_info& info) {
    c.owner_ = owner;
    c.info_ = &info;
  }
};

template <class P>
class reference_access {
public:
  static std::shared_ptr<P> target(const reference<P>& r) {
    return r.is_loaded() ? (r.strong_ ? r.strong_ : r.weak_.lock()) : nullptr;
  }
  static void assign(reference<P>& r, std::shared_ptr<P> target, const relationship_info* weak_for) {
    r.unloaded_ = nullptr;
    r.weak_info_ = weak_for;
    if (weak_for != nullptr) {
      r.weak_ = target;
      r.strong_.reset();
    } else {
      r.strong_ = std::move(target);
      r.weak_.reset();
    }
  }
  static void set_unloaded(reference<P>& r, const relationship_info& info) {
    r.strong_.reset();
    r.weak_.reset();
    r.weak_info_ = nullptr;
    r.unloaded_ = &info;
  }
  static void bind(reference<P>& r, const std::shared_ptr<void>& owner, const relationship_info& info) {
    r.owner_ = owner;
    r.info_ = &info;
  }
};

template <class C>
class write_only_access {
public:
  static std::vector<std::shared_ptr<C>>& added(write_only<C>& c) { return c.added_; }
  static std::vector<std::shared_ptr<C>>& removed(write_only<C>& c) { return c.removed_; }
  static const std::vector<std::shared_ptr<C>>& added(const write_only<C>& c) { return c.added_; }
  static const std::vector<std::shared_ptr<C>>& removed(const write_only<C>& c) { return c.removed_; }
  static void bind(write_only<C>& c, const relationship_info* info, const value& key,
                   const std::shared_ptr<std::atomic<bool>>& changed) {
    c.info_ = info;
    c.owner_key_ = key;
    c.changed_ = changed;
  }
};

template <class T, class C, class Base = collection_accessor>
class collection_relationship : public Base {
  using access = collection_access<C>;
public:
  explicit collection_relationship(collection<C> T::*member) : member_(member) {}
  std::vector<std::shared_ptr<void>> items(const void* owner) const override {
    auto& c = static_cast<const T*>(owner)->*member_;
    return access::loaded(c) ? erase_types(access::items(c)) : std::vector<std::shared_ptr<void>>{};
  }
  void assign(void* owner, std::vector<std::shared_ptr<void>> related) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    auto& items = access::items(c);
    items.clear();
    items.reserve(related.size());
    for (auto& x : related) items.push_back(std::static_pointer_cast<C>(std::move(x)));
    access::set_unloaded(c, nullptr);
  }
  void set_unloaded(void* owner, const relationship_info& info) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    access::items(c).clear();
    access::set_unloaded(c, &info);
  }
  bool is_loaded(const void* owner) const override { return access::loaded(static_cast<const T*>(owner)->*member_); }
  bool contains(const void* owner, const void* item) const override {
    auto& c = static_cast<const T*>(owner)->*member_;
    if (!access::loaded(c)) return false;
    auto& items = access::items(c);
    return std::any_of(items.begin(), items.end(), [&](const auto& x) { return x.get() == item; });
  }
  void append(void* owner, const std::shared_ptr<void>& item) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    if (!access::loaded(c)) return;
    auto& items = access::items(c);
    if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(std::static_pointer_cast<C>(item));
    std::erase(access::removed(c), item);
  }
  void take_out(void* owner, const void* item) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    if (!access::loaded(c)) return;
    auto& items = access::items(c);
    auto found = std::find_if(items.begin(), items.end(), [&](const auto& x) { return x.get() == item; });
    if (found != items.end()) items.erase(found);
  }
  std::vector<std::shared_ptr<void>> removed(const void* owner) const override {
    return erase_types(access::removed(static_cast<const T*>(owner)->*member_));
  }
  void clear_removed(void* owner) const override { access::removed(static_cast<T*>(owner)->*member_).clear(); }
  void bind(void* owner, const std::shared_ptr<void>& self, const relationship_info& info) const override {
    access::bind(static_cast<T*>(owner)->*member_, self, info);
  }
protected:
  collection<C> T::*member_;
};

/// A many-to-many collection: a collection that remembers the pairs the database holds.
template <class T, class C>
class many_to_many_relationship final : public collection_relationship<T, C, many_to_many_accessor> {
  using base = collection_relationship<T, C, many_to_many_accessor>;
  using access = collection_access<C>;
public:
  using base::base;
  void assign(void* owner, std::vector<std::shared_ptr<void>> related) const override {
    base::assign(owner, std::move(related));
    mark_persisted(owner);
  }
  void set_unloaded(void* owner, const relationship_info& info) const override {
    base::set_unloaded(owner, info);
    access::persisted(static_cast<T*>(owner)->*this->member_).clear();
  }
  std::vector<std::shared_ptr<void>> persisted(const void* owner) const override {
    auto& c = static_cast<const T*>(owner)->*this->member_;
    return access::loaded(c) ? erase_types(access::persisted(c)) : std::vector<std::shared_ptr<void>>{};
  }
  void mark_persisted(void* owner) const override {
    auto& c = static_cast<T*>(owner)->*this->member_;
    access::persisted(c) = access::items(c);
  }
};

/// Relationships join one foreign key column to a single-column primary key: refuses one
/// whose keyed class (`keyed`, not finished yet, hence its flags) has a composite key.
void require_single_column_key(const table_info& keyed, const table_info& owner, const relationship_info& rel);

template <class T, class C>
class write_only_relationship final : public write_only_accessor {
  using access = write_only_access<C>;
public:
  explicit write_only_relationship(write_only<C> T::*member) : member_(member) {}
  std::vector<std::shared_ptr<void>> added(const void* owner) const override {
    return erase_types(access::added(static_cast<const T*>(owner)->*member_));
  }
  std::vector<std::shared_ptr<void>> removed(const void* owner) const override {
    return erase_types(access::removed(static_cast<const T*>(owner)->*member_));
  }
  void clear_pending(void* owner) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    access::added(c).clear();
    access::removed(c).clear();
  }
  void bind(void* owner, const relationship_info& info, const value& key,
            const std::shared_ptr<std::atomic<bool>>& changed) const override {
    access::bind(static_cast<T*>(owner)->*member_, &info, key, changed);
  }
private:
  write_only<C> T::*member_;
};

template <class T, class P>
class reference_relationship final : public reference_accessor {
  using access = reference_access<P>;
public:
  explicit reference_relationship(reference<P> T::*member) : member_(member) {}
  std::shared_ptr<void> target(const void* owner) const override {
    return access::target(static_cast<const T*>(owner)->*member_);
  }
  void assign(void* owner, std::shared_ptr<void> target) const override {
    access::assign(static_cast<T*>(owner)->*member_, std::static_pointer_cast<P>(std::move(target)), nullptr);
  }
  void assign_weak(void* owner, const std::shared_ptr<void>& target, const relationship_info& info) const override {
    access::assign(static_cast<T*>(owner)->*member_, std::static_pointer_cast<P>(target), &info);
  }
  void set_unloaded(void* owner, const relationship_info& info) const override {
    access::set_unloaded(static_cast<T*>(owner)->*member_, info);
  }
  bool is_loaded(const void* owner) const override { return (static_cast<const T*>(owner)->*member_).is_loaded(); }
  void bind(void* owner, const std::shared_ptr<void>& self, const relationship_info& info) const override {
    access::bind(static_cast<T*>(owner)->*member_, self, info);
  }
private:
  reference<P> T::*member_;
};

/// The table being built; function-local static, built without touching other tables.
template <class T>
table_info& table_storage();

}  // namespace detail

/// Builds one column's options; returned by table_builder::column().
template <class T>
class column_builder {
public:
  column_builder(table_info& table, std::size_t index, std::vector<std::function<void(table_info&)>>& resolvers)
      : table_(table), index_(index), resolvers_(resolvers) {}

  /// A primary key column. A single integer key is generated by the database unless the
  /// object sets it; other keys (text, orca::uuid, ...) are given by the object. Marking
  /// several columns makes a composite key, in declaration order.
  column_builder& primary_key() {
    auto& c = column();
    if (c.nullable)
      throw error(errc::invalid_argument, "a primary key column cannot be nullable; " + table_.name() + "." + c.name +
                                              " is an std::optional member");
    c.primary_key = true;
    c.autoincrement = c.type == value_type::integer;
    return *this;
  }
  /// The version counter of optimistic concurrency (SQLAlchemy's version_id_col): a
  /// non-null integer that the INSERT sets to 1 (if the object left it 0) and every UPDATE
  /// increments; UPDATE and DELETE also require, in their WHERE clause, the version the
  /// session last loaded or wrote, so a row changed or deleted by someone else since then
  /// fails the flush with errc::stale_data and changes nothing.
  column_builder& version() {
    auto& c = column();
    if (c.type != value_type::integer || c.nullable || c.primary_key)
      throw error(errc::invalid_argument,
                  table_.name() + "." + c.name + ": a version column is a non-null integer member other than the key");
    c.version = true;
    return *this;
  }
  /// A UNIQUE constraint on the column.
  column_builder& unique() {
    column().unique = true;
    return *this;
  }
  /// An index on the column (created by create_all).
  column_builder& index() {
    column().indexed = true;
    return *this;
  }
  /// The database's current time when an INSERT leaves the column out.
  column_builder& server_default(now_t) {
    column().server_default = orca::server_default{};
    return *this;
  }
  /// A literal default when an INSERT leaves the column out.
  column_builder& server_default(value literal) {
    column().server_default = orca::server_default{orca::server_default::kind::literal, std::move(literal)};
    return *this;
  }
  /// A foreign key to a mapped column of another class (`.foreign_key(&A::id)`), with the
  /// constraint's ON DELETE (`orca::on_delete::cascade` or `set_null`); for a composite key
  /// use table_builder::foreign_key.
  template <class P, class M>
  column_builder& foreign_key(M P::*target, orca::on_delete action = on_delete::no_action) {
    static_assert(mappable<M>, "orca: foreign_key() must name a mapped column member of the referred class");
    auto index = index_;
    if (action == on_delete::set_null && !column().nullable)
      throw error(errc::invalid_argument, table_.name() + "." + column().name +
                                              ": ON DELETE SET NULL needs a nullable column (an std::optional member)");
    column().foreign_key = foreign_key_info{&table_of<P>, {}, {}, action};
    resolvers_.push_back([index, target](table_info& self) {
      auto& referred = detail::table_storage<P>();
      auto* c = referred.column_for(target);
      if (c == nullptr)
        throw error(errc::invalid_argument, "the foreign key of " + self.name() + " names a member of " +
                                                referred.class_name() + " that is not a mapped column");
      self.columns_[index].foreign_key->column = c->name;
    });
    return *this;
  }

protected:
  column_info& column() { return table_.columns_[index_]; }
private:
  table_info& table_;
  std::size_t index_;
  std::vector<std::function<void(table_info&)>>& resolvers_;
};

/// The options of a column whose member type is M (column_builder's, and as_text() for enums).
template <class T, class M>
class member_column_builder : public column_builder<T> {
public:
  using column_builder<T>::column_builder;
  using enum_type = typename detail::unwrap_optional<M>::type;

  /// Stores an enumeration as text (VARCHAR) rather than as its integer: each enumerator by
  /// the name given, `.as_text({{status::open, "open"}, {status::closed, "closed"}})`.
  /// Writing an enumerator without a name, or reading an unknown name, is type_mismatch.
  member_column_builder& as_text(std::initializer_list<std::pair<enum_type, std::string_view>> names) {
    static_assert(std::is_enum_v<enum_type>, "orca: as_text() stores an enumeration member (or an optional one)");
    std::vector<std::pair<enum_type, std::string>> owned;
    for (auto& [e, name] : names) owned.emplace_back(e, std::string{name});
    auto& c = this->column();
    c.type = value_type::text;
    c.access = std::make_shared<detail::enum_text_access<T, M>>(std::any_cast<M T::*>(c.member), std::move(owned));
    return *this;
  }
};

/// The options of one relationship; returned by table_builder::relationship(). T declares
/// it, Target is the related class.
template <class T, class Target>
class relationship_builder {
public:
  relationship_builder(table_info& table, std::size_t index, std::vector<std::function<void(table_info&)>>& resolvers)
      : table_(table), index_(index), resolvers_(resolvers) {}

  /// The relationship `name` of Target mirrors this one (SQLAlchemy's back_populates;
  /// declare it on both sides): a collection of Target's children pairs with their
  /// reference to T, or a reference to a Target with Target's collection. Adding to the
  /// collection sets the reference, setting the reference adds to the collection (if it is
  /// loaded), removing from it clears the reference.
  relationship_builder& back_populates(std::string name) {
    auto index = index_;
    resolvers_.push_back([index, name](table_info& self) {
      auto& mine = self.relationships_[index];
      auto& other = detail::table_storage<Target>();
      auto what = [&] {
        return "relationship " + self.class_name() + "." + mine.name + ": back_populates(\"" + name + "\")";
      };
      for (auto& r : other.relationships_) {
        if (r.name != name) continue;
        bool pair = (mine.collection() != nullptr && r.reference() != nullptr) ||
                    (mine.reference() != nullptr && r.collection() != nullptr) ||
                    (mine.many_to_many() != nullptr && r.many_to_many() != nullptr);
        if (!pair || r.target != &table_of<T>)
          throw error(errc::invalid_argument,
                      what() + " names " + other.class_name() + "." + name +
                          ", which is not the other side: a collection of children pairs with the children's "
                          "reference to their parent, a many-to-many collection with the other class's "
                          "many-to-many collection of this class");
        mine.back_populates = &r;
        return;
      }
      throw error(errc::invalid_argument, what() + " names no relationship of " + other.class_name());
    });
    return *this;
  }
  /// When the relationship is loaded: orca::lazy::raise (the default) or noload.
  relationship_builder& lazy(orca::lazy how) {
    info().loading = how;
    return *this;
  }
  /// What follows the owner: orca::cascade::save_update (the default), remove, remove_orphan,
  /// combined with `|` (SQLAlchemy's save-update, delete, delete-orphan). remove and
  /// remove_orphan apply to collections.
  relationship_builder& cascade(orca::cascade what) {
    if (info().kind == relationship_kind::many_to_one &&
        (has(what, cascade::remove) || has(what, cascade::remove_orphan)))
      throw error(errc::invalid_argument, "relationship " + table_.name() + "." + info().name +
                                              ": cascade remove and remove_orphan go on the parent's collection");
    if (info().kind == relationship_kind::many_to_many &&
        (has(what, cascade::remove) || has(what, cascade::remove_orphan)))
      throw error(errc::invalid_argument, "relationship " + table_.name() + "." + info().name +
                                              ": a many-to-many relationship does not cascade remove or "
                                              "remove_orphan (removing an object deletes its association rows, "
                                              "never the objects on the other side)");
    info().cascades = what;
    return *this;
  }
  /// Removing the owner leaves children that are not loaded to the database: the foreign
  /// key's `on_delete` (orca::on_delete::cascade or set_null) must then take care of them.
  relationship_builder& passive_deletes(bool passive = true) {
    info().passive_deletes = passive;
    return *this;
  }
  /// The association table of a many-to-many relationship (SQLAlchemy's `secondary=`): a
  /// mapped class A whose member `owner_column` refers to T's key and `target_column` to
  /// Target's, both with `.foreign_key(..., orca::on_delete::cascade)` (deleting either side
  /// deletes its rows), usually its composite primary key:
  /// `t.relationship("tags", &post::tags).secondary(&post_tag::post_id, &post_tag::tag_id)`.
  template <class A, class M, class N>
  relationship_builder& secondary(M A::*owner_column, N A::*target_column) {
    static_assert(mappable<M> && mappable<N>,
                  "orca: secondary() names two mapped column members of the association class");
    if (info().kind != relationship_kind::many_to_many)
      throw error(errc::invalid_argument, "relationship " + table_.name() + "." + info().name +
                                              ": secondary() goes on a many-to-many collection, declared without a "
                                              "foreign key: t.relationship(\"" +
                                              info().name + "\", &T::member).secondary(...)");
    auto index = index_;
    resolvers_.push_back([index, owner_column, target_column](table_info& self) {
      auto& rel = self.relationships_[index];
      auto& association = detail::table_storage<A>();
      auto what = [&] {
        return "relationship " + self.class_name() + "." + rel.name + ": secondary(" + association.class_name() + ")";
      };
      auto column = [&](auto member, table_getter referred, const std::string& referred_name,
                        const char* which) -> std::size_t {
        auto* c = association.column_for(member);
        if (c == nullptr)
          throw error(errc::invalid_argument, what() + ": the " + which + " member is not a mapped column");
        if (!c->foreign_key || c->foreign_key->target != referred)
          throw error(errc::invalid_argument, what() + ": column " + association.name() + "." + c->name +
                                                  " needs .foreign_key(...) to " + referred_name + "'s key");
        if (c->foreign_key->on_delete_action != on_delete::cascade)
          throw error(errc::invalid_argument, what() + ": the foreign key " + association.name() + "." + c->name +
                                                  " needs orca::on_delete::cascade, so that deleting a " +
                                                  referred_name + " deletes its association rows");
        return c->ordinal;
      };
      auto& target = detail::table_storage<Target>();
      rel.secondary = secondary_info{&table_of<A>, column(owner_column, &table_of<T>, self.class_name(), "first"),
                                     column(target_column, &table_of<Target>, target.class_name(), "second")};
    });
    return *this;
  }

private:
  relationship_info& info() { return table_.relationships_[index_]; }
  table_info& table_;
  std::size_t index_;
  std::vector<std::function<void(table_info&)>>& resolvers_;
};

/// What a mapping function receives: declares the table, its columns and relationships.
template <class T>
class table_builder {
public:
  explicit table_builder(table_info& table) : table_(table) {}

  /// Sets the table name.
  table_builder& table(std::string name) {
    table_.name_ = std::move(name);
    return *this;
  }

  /// Maps a data member to a column. Member types: integers, floating point, bool,
  /// std::string, orca::blob, orca::timestamp, orca::uuid, or std::optional of one (nullable).
  template <class M>
  member_column_builder<T, M> column(std::string name, M T::*member) {
    static_assert(mappable<M>,
                  "orca: this member type cannot be a column (orca::mappable<M> is false); use an integer, "
                  "floating point, bool, an enum, std::string, orca::blob, orca::timestamp, "
                  "std::chrono::system_clock::time_point, std::chrono::year_month_day, orca::json, orca::uuid, or "
                  "std::optional<> of one of them");
    column_info c;
    c.name = std::move(name);
    c.type = value_traits<M>::type;
    c.nullable = value_traits<M>::nullable;
    c.ordinal = table_.columns_.size();
    c.access = std::make_shared<detail::member_access_impl<T, M>>(member);
    c.member = member;
    table_.columns_.push_back(std::move(c));
    return member_column_builder<T, M>{table_, table_.columns_.size() - 1, resolvers_};
  }

  /// A one-to-many collection (`orca::collection<C>`), never loaded implicitly;
  /// `foreign_key` is the child's column referring to this class.
  template <class C, class M>
  relationship_builder<T, C> relationship(std::string name, collection<C> T::*member, M C::*foreign_key) {
    return add_relationship<C>(std::move(name), relationship_kind::one_to_many,
                               std::make_shared<const detail::collection_relationship<T, C>>(member), member,
                               foreign_key);
  }
  /// A many-to-many collection (`orca::collection<C>` without a foreign key), never loaded
  /// implicitly; name its association table with `.secondary(...)`.
  template <class C>
  relationship_builder<T, C> relationship(std::string name, collection<C> T::*member) {
    relationship_info r;
    r.name = std::move(name);
    r.kind = relationship_kind::many_to_many;
    r.target = &table_of<C>;
    std::shared_ptr<const detail::many_to_many_accessor> access =
        std::make_shared<const detail::many_to_many_relationship<T, C>>(member);
    r.access = std::move(access);  // a many_to_many_accessor is a collection_accessor too: say which
    r.member = member;
    auto index = table_.relationships_.size();
    table_.relationships_.push_back(std::move(r));
    resolvers_.push_back([index](table_info& self) {
      auto& rel = self.relationships_[index];
      detail::require_single_column_key(self, self, rel);
      detail::require_single_column_key(detail::table_storage<C>(), self, rel);
    });
    return relationship_builder<T, C>{table_, index, resolvers_};
  }
  /// A write-only collection (`orca::write_only<C>`): never loaded, read via select().
  template <class C, class M>
  relationship_builder<T, C> relationship(std::string name, write_only<C> T::*member, M C::*foreign_key) {
    return add_relationship<C>(std::move(name), relationship_kind::write_only,
                               std::make_shared<const detail::write_only_relationship<T, C>>(member), member,
                               foreign_key);
  }
  /// A many-to-one reference (`orca::reference<P>`) through this class's foreign key column.
  template <class P, class M>
  relationship_builder<T, P> relationship(std::string name, reference<P> T::*member, M T::*foreign_key) {
    relationship_info r;
    r.name = std::move(name);
    r.kind = relationship_kind::many_to_one;
    r.target = &table_of<P>;
    r.access = std::make_shared<const detail::reference_relationship<T, P>>(member);
    r.member = member;
    auto index = table_.relationships_.size();
    table_.relationships_.push_back(std::move(r));
    resolvers_.push_back([index, foreign_key](table_info& self) {
      auto* c = self.column_for(foreign_key);
      if (c == nullptr)
        throw error(errc::invalid_argument, "relationship " + self.class_name() + "." +
                                                self.relationships()[index].name +
                                                ": the foreign key member is not a mapped column");
      self.relationships_[index].foreign_key = c->ordinal;
      detail::require_single_column_key(detail::table_storage<P>(), self, self.relationships_[index]);
    });
    return relationship_builder<T, P>{table_, index, resolvers_};
  }
  /// A std::shared_ptr member cannot be a relationship: use orca::reference<P>.
  template <class P, class M>
  relationship_builder<T, P> relationship(std::string, std::shared_ptr<P> T::*, M T::*) {
    static_assert(sizeof(P) == 0,
                  "orca: a many-to-one relationship member is an orca::reference<Parent>, not a "
                  "std::shared_ptr<Parent>: declare `orca::reference<Parent> parent{};` (it converts from and to "
                  "std::shared_ptr, and throws errc::not_loaded when read before it was loaded)");
    return {table_, 0, resolvers_};
  }

  /// A composite foreign key: this class's columns `columns` refer to the columns `referred`
  /// of P (its composite primary key, in the same order), as one FOREIGN KEY constraint:
  /// `t.foreign_key(std::tuple{&B::a_x, &B::a_y}, std::tuple{&A::x, &A::y})`.
  template <class P, class... M, class... N>
  table_builder& foreign_key(std::tuple<M T::*...> columns, std::tuple<N P::*...> referred,
                             orca::on_delete action = on_delete::no_action) {
    static_assert(sizeof...(M) == sizeof...(N) && sizeof...(M) > 0,
                  "orca: a composite foreign key names as many columns of this class as of the referred class");
    static_assert((mappable<M> && ...) && (mappable<N> && ...),
                  "orca: a composite foreign key names mapped column members");
    resolvers_.push_back([columns, referred, action](table_info& self) {
      auto& target = detail::table_storage<P>();
      std::vector<std::size_t> ordinals;
      std::vector<std::string> names;
      auto find = [&](const table_info& t, auto member) -> const column_info& {
        auto* c = t.column_for(member);
        if (c == nullptr)
          throw error(errc::invalid_argument, "a composite foreign key of " + self.class_name() +
                                                  " names a member of " + t.class_name() +
                                                  " that is not a mapped column");
        return *c;
      };
      std::apply([&](auto... m) { (ordinals.push_back(find(self, m).ordinal), ...); }, columns);
      std::apply([&](auto... n) { (names.push_back(find(target, n).name), ...); }, referred);
      for (std::size_t i = 0; i < ordinals.size(); ++i)
        self.columns_[ordinals[i]].foreign_key = foreign_key_info{&table_of<P>, names[i], ordinals, action};
    });
    return *this;
  }

  /// Resolution steps run once every table exists (internal).
  std::vector<std::function<void(table_info&)>>& resolvers() noexcept { return resolvers_; }

private:
  template <class C, class Member, class M>
  relationship_builder<T, C> add_relationship(std::string name, relationship_kind kind, relationship_accessor access,
                                              Member member, M C::*foreign_key) {
    relationship_info r;
    r.name = std::move(name);
    r.kind = kind;
    r.target = &table_of<C>;
    r.access = std::move(access);
    r.member = member;
    auto index = table_.relationships_.size();
    table_.relationships_.push_back(std::move(r));
    resolvers_.push_back([index, foreign_key](table_info& self) {
      auto& child = detail::table_storage<C>();
      auto* c = child.column_for(foreign_key);
      if (c == nullptr)
        throw error(errc::invalid_argument,
                    "relationship " + self.class_name() + "." + self.relationships()[index].name +
                        ": the foreign key member is not a mapped column of " + child.class_name());
      self.relationships_[index].foreign_key = c->ordinal;
      detail::require_single_column_key(self, self, self.relationships_[index]);
    });
    return relationship_builder<T, C>{table_, index, resolvers_};
  }

  friend table_info& detail::table_storage<T>();
  table_info& table_;
  std::vector<std::function<void(table_info&)>> resolvers_;
};

/// Gives the mapping machinery access to table_info's private identity fields (internal).
template <class T>
struct detail_table_build_access {
  static void set_identity(table_info& t) {
    t.class_name_ = detail::demangle(typeid(T).name());
    t.factory_ = [] { return std::static_pointer_cast<void>(std::make_shared<T>()); };
  }
};

namespace detail {

template <class T>
concept has_mapping = requires(table_builder<T>& t) {
  orca_table(t);
};

template <class T>
struct table_build {
  table_info table;
  std::vector<std::function<void(table_info&)>> resolvers;
};

template <class T>
table_build<T>& table_build_storage() {
  static_assert(has_mapping<T>,
                "orca: this class is not mapped; declare `void orca_table(orca::table_builder<T>& t)` "
                "in the class's namespace (see orca/model/mapping.hpp)");
  static table_build<T> build = [] {
    table_build<T> b;
    table_builder<T> builder{b.table};
    detail_table_build_access<T>::set_identity(b.table);
    orca_table(builder);
    b.resolvers = std::move(builder.resolvers());
    return b;
  }();
  return build;
}

template <class T>
table_info& table_storage() {
  return table_build_storage<T>().table;
}

}  // namespace detail

template <class T>
const table_info& table_of() {
  static const table_info& finished = []() -> const table_info& {
    auto& b = detail::table_build_storage<T>();
    detail::finish_table(b.table, b.resolvers);
    return b.table;
  }();
  return finished;
}

}  // namespace orca

// orca::select<T>(): a typed SELECT of mapped objects with where, order_by, limit/offset
// and loader options. Executed by sessions; compiled to SQL by compiler.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "orca/model/collection.hpp"
#include "orca/model/reference.hpp"
#include "orca/model/expression.hpp"
#include "orca/model/table_of.hpp"

namespace orca {

template <class T>
class write_only;

/// How one relationship is loaded by a statement.
struct loader_option {
  /// selectin: one more `SELECT ... IN (...)` per batch; joined: a LEFT OUTER JOIN in the
  /// statement itself; raise: left unloaded.
  enum class kind : std::uint8_t { selectin, raise, joined } what = kind::selectin;
  const relationship_info* relationship = nullptr;
  /// Options for the related class, applied to the objects this one loads
  /// (`joinedload(&User::posts).selectinload(&Post::comments)`).
  std::vector<loader_option> nested{};

  /// Also loads a relationship of the related objects with selectin batches.
  template <class T, class R>
  loader_option selectinload(R T::*member) const;
  /// Also loads a relationship of the related objects in the same statement (a further
  /// LEFT OUTER JOIN); only under a joinedload.
  template <class T, class R>
  loader_option joinedload(R T::*member) const;
};

/// A SELECT of one mapped class, non-template (what sessions and the compiler read).
struct select_spec {
  const table_info* table = nullptr;
  std::shared_ptr<const expression_node> where;  ///< null: no WHERE
  std::vector<order_term> order;
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
  std::vector<loader_option> loaders;
  bool for_update = false;  ///< SELECT ... FOR UPDATE (see select_statement::with_for_update)
};

namespace detail {
const relationship_info& require_relationship(const table_info& table, const relationship_info* found);
/// `parent` with `child` nested; invalid_argument if `child` is not a relationship of the
/// class `parent` loads.
loader_option nest(loader_option parent, loader_option child);
std::shared_ptr<const expression_node> and_where(std::shared_ptr<const expression_node> where,
                                                 std::shared_ptr<const expression_node> more);
std::shared_ptr<const expression_node> foreign_key_equals(const table_info& table, std::size_t column, value key);
}  // namespace detail

/// A SELECT of objects of class T. Each builder call returns a new statement.
template <class T>
class select_statement {
public:
  using object_type = T;

  select_statement() { spec_.table = &table_of<T>(); }

  /// Adds a condition (several are ANDed).
  select_statement where(const condition& c) const {
    auto copy = *this;
    copy.spec_.where = detail::and_where(spec_.where, c.shared());
    return copy;
  }
  /// Orders by members (ascending) or by `orca::desc(&T::m)` / `orca::asc(&T::m)` terms.
  template <class... Terms>
  select_statement order_by(Terms... terms) const {
    auto copy = *this;
    (copy.spec_.order.push_back(to_term(terms)), ...);
    return copy;
  }
  /// LIMIT n.
  select_statement limit(std::int64_t n) const {
    auto copy = *this;
    copy.spec_.limit = n;
    return copy;
  }
  /// OFFSET n.
  select_statement offset(std::int64_t n) const {
    auto copy = *this;
    copy.spec_.offset = n;
    return copy;
  }
  /// Locks the selected rows until the transaction ends: `SELECT ... FOR UPDATE` on
  /// PostgreSQL (another transaction's UPDATE, DELETE or FOR UPDATE of them waits). SQLite
  /// has no row locks and the statement is sent unchanged: there the lock is the database's
  /// write lock, which every transaction takes at BEGIN with `sqlite_begin_immediate` (the
  /// default), so rows read cannot change before commit; with deferred transactions it
  /// gives no such guarantee. Eager loads (selectinload) do not lock their rows.
  select_statement with_for_update() const {
    auto copy = *this;
    copy.spec_.for_update = true;
    return copy;
  }
  /// Loader options: `orca::selectinload(&A::bs)`, `orca::raiseload(&A::bs)`.
  template <class... Options>
  select_statement options(Options... opts) const {
    auto copy = *this;
    (copy.spec_.loaders.push_back(opts), ...);
    return copy;
  }
  /// Filters on a foreign key column (used by write-only collections).
  select_statement where_foreign_key(std::size_t column, value key) const {
    auto copy = *this;
    copy.spec_.where = detail::and_where(spec_.where, detail::foreign_key_equals(*spec_.table, column, std::move(key)));
    return copy;
  }
  /// Filters on the primary key (every column of a composite key).
  select_statement where_key(const key& k) const {
    auto copy = *this;
    auto& columns = spec_.table->primary_key_columns();
    for (std::size_t i = 0; i < columns.size(); ++i) copy = copy.where_foreign_key(columns[i], k.part(i));
    return copy;
  }

  /// The objects with more result columns (`select<User>().add_columns(count(&Post::id))`):
  /// rows of (std::shared_ptr<T>, ...); defined in query.hpp. Loader options do not carry over.
  template <class... Xs>
  auto add_columns(const Xs&... xs) const;

  /// The non-template statement.
  const select_spec& spec() const noexcept { return spec_; }

private:
  static order_term to_term(order_term t) { return t; }
  template <class M>
  static order_term to_term(M T::*member) {
    return asc(member);
  }
  select_spec spec_;
};

/// SELECT of mapped class T (`orca::select<A>()`).
template <class T>
select_statement<T> select() {
  return {};
}

namespace detail {
/// The option `what` for relationship `member` of T (invalid_argument if it is not mapped).
template <loader_option::kind What, class T, class Member>
loader_option loader_for(Member T::*member) {
  auto& table = table_of<T>();
  return {What, &require_relationship(table, table.relationship_for(member))};
}
template <class C>
constexpr bool never_loaded = sizeof(C) == 0;
}  // namespace detail

/// Loads a collection with one extra `SELECT ... WHERE fk IN (...)` per batch of parents.
template <class T, class C>
loader_option selectinload(collection<C> T::*member) {
  return detail::loader_for<loader_option::kind::selectin>(member);
}
/// Loads a many-to-one reference with one extra `SELECT ... WHERE id IN (...)` per batch.
template <class T, class P>
loader_option selectinload(reference<P> T::*member) {
  return detail::loader_for<loader_option::kind::selectin>(member);
}
/// Write-only collections are never loaded.
template <class T, class C>
loader_option selectinload(write_only<C> T::*) {
  static_assert(detail::never_loaded<C>,
                "orca: a write-only collection is never loaded; read it by executing its "
                "statement: session.scalars(obj->member.select())");
  return {};
}
/// Loads a collection in the statement itself: `LEFT OUTER JOIN child AS child_1 ON ...`.
/// The rows that repeat a parent become one object with its collection filled (results are
/// unique: no `.unique()` to call); with limit/offset the statement limits the parents (a
/// subquery), not the joined rows. Streams refuse it (a batch could split a parent's rows).
template <class T, class C>
loader_option joinedload(collection<C> T::*member) {
  return detail::loader_for<loader_option::kind::joined>(member);
}
/// Loads a many-to-one reference in the statement itself (`LEFT OUTER JOIN parent AS
/// parent_1 ON ...`); a NULL foreign key gives a null reference.
template <class T, class P>
loader_option joinedload(reference<P> T::*member) {
  return detail::loader_for<loader_option::kind::joined>(member);
}
/// Write-only collections are never loaded.
template <class T, class C>
loader_option joinedload(write_only<C> T::*member) {
  return selectinload(member);  // the same static_assert
}

template <class T, class R>
loader_option loader_option::selectinload(R T::*member) const {
  return detail::nest(*this, orca::selectinload(member));
}
template <class T, class R>
loader_option loader_option::joinedload(R T::*member) const {
  return detail::nest(*this, orca::joinedload(member));
}

/// Leaves a collection unloaded (touching it throws); the default for collections.
template <class T, class C>
loader_option raiseload(collection<C> T::*member) {
  return detail::loader_for<loader_option::kind::raise>(member);
}

}  // namespace orca

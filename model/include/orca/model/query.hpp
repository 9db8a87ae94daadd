// orca::select(col(&User::name), count(&Post::id)): a SELECT of columns and expressions with
// joins, group_by, having, distinct and ordering, whose rows are typed tuples. Executed by
// sessions (execute, scalar, scalars); compiled by compiler.hpp. A statement may start with
// the objects of one class (`select<User>().add_columns(...)`): they come through the
// identity map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "orca/model/functions.hpp"
#include "orca/model/select.hpp"

namespace orca {

/// One JOIN of a query.
struct join_spec {
  const table_info* table = nullptr;
  std::shared_ptr<const expression_node> on;
  bool outer = false;  ///< LEFT OUTER JOIN
};

/// A SELECT of expressions, non-template (what sessions and the compiler read).
///
/// FROM is `from` if set, else the entity's table, else the table of the first column the
/// first result expression names; then the joins. A column of a table that is not in the
/// FROM (nor, in a subquery, in an enclosing query's FROM) is an orca::error before any SQL.
struct query_spec {
  const table_info* entity = nullptr;  ///< set: every column of this class comes first
  std::vector<std::shared_ptr<const expression_node>> columns;
  const table_info* from = nullptr;
  std::vector<join_spec> joins;
  std::shared_ptr<const expression_node> where;
  std::vector<std::shared_ptr<const expression_node>> group_by;
  std::shared_ptr<const expression_node> having;
  std::vector<order_term> order;
  bool distinct = false;
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
};

namespace detail {
/// The join along a mapped relationship (either direction).
join_spec relationship_join(const relationship_info& rel, bool outer);

template <class X>
std::shared_ptr<const expression_node> any_node(const X& x) {
  if constexpr (std::is_same_v<X, condition>)
    return x.shared();
  else
    return node_of(x);
}
template <class X>
order_term any_order(const X& x) {
  if constexpr (std::is_same_v<X, order_term>)
    return x;
  else
    return as_expression(x).asc();
}
template <class X>
struct row_element {
  using type = result_of<X>;
};
}  // namespace detail

/// A SELECT whose rows are `std::tuple<Vs...>` (a first element std::shared_ptr<T> is an
/// object of class T). Each builder call returns a new statement.
template <class... Vs>
class rows_statement {
public:
  /// One row.
  using row_type = std::tuple<Vs...>;

  explicit rows_statement(std::shared_ptr<const query_spec> spec) : spec_(std::move(spec)) {}

  /// Adds a condition (several are ANDed).
  rows_statement where(const condition& c) const {
    return change([&](query_spec& s) { s.where = detail::and_where(s.where, c.shared()); });
  }
  /// Adds a HAVING condition (several are ANDed).
  rows_statement having(const condition& c) const {
    return change([&](query_spec& s) { s.having = detail::and_where(s.having, c.shared()); });
  }
  /// GROUP BY expressions or members.
  template <class... Xs>
  rows_statement group_by(const Xs&... xs) const {
    return change([&](query_spec& s) { (s.group_by.push_back(detail::any_node(xs)), ...); });
  }
  /// ORDER BY terms (`col(x).desc().nulls_last()`), expressions or members (ascending).
  template <class... Xs>
  rows_statement order_by(const Xs&... xs) const {
    return change([&](query_spec& s) { (s.order.push_back(detail::any_order(xs)), ...); });
  }
  /// SELECT DISTINCT.
  rows_statement distinct() const {
    return change([](query_spec& s) { s.distinct = true; });
  }
  /// LIMIT n.
  rows_statement limit(std::int64_t n) const {
    return change([&](query_spec& s) { s.limit = n; });
  }
  /// OFFSET n.
  rows_statement offset(std::int64_t n) const {
    return change([&](query_spec& s) { s.offset = n; });
  }
  /// Sets the first table of the FROM (else it is the first column's).
  template <class T>
  rows_statement select_from() const {
    return change([](query_spec& s) { s.from = &table_of<T>(); });
  }
  /// JOIN along a relationship (`.join(&User::posts)`, `.join(&Post::author)`).
  template <class T, class R>
  rows_statement join(R T::*relationship) const {
    return add_join(relationship, false);
  }
  /// LEFT OUTER JOIN along a relationship.
  template <class T, class R>
  rows_statement outerjoin(R T::*relationship) const {
    return add_join(relationship, true);
  }
  /// JOIN T ON a condition.
  template <class T>
  rows_statement join(const condition& on) const {
    return change([&](query_spec& s) { s.joins.push_back({&table_of<T>(), on.shared(), false}); });
  }
  /// LEFT OUTER JOIN T ON a condition.
  template <class T>
  rows_statement outerjoin(const condition& on) const {
    return change([&](query_spec& s) { s.joins.push_back({&table_of<T>(), on.shared(), true}); });
  }
  /// More result columns.
  template <class... Xs>
  rows_statement<Vs..., detail::result_of<Xs>...> add_columns(const Xs&... xs) const {
    auto s = std::make_shared<query_spec>(*spec_);
    (s->columns.push_back(detail::node_of(xs)), ...);
    return rows_statement<Vs..., detail::result_of<Xs>...>{std::move(s)};
  }
  /// This statement as a value: `(SELECT ...)`, NULL (nullopt) when it finds no row.
  auto scalar_subquery() const {
    static_assert(sizeof...(Vs) == 1, "orca: a scalar subquery selects one column");
    using V = std::tuple_element_t<0, row_type>;
    auto n = std::make_shared<expression_node>();
    n->what = expression_node::kind::subquery;
    n->query = spec_;
    return typed_expression<detail::maybe_optional<typename detail::unwrap_optional<V>::type, true>>{std::move(n)};
  }

  /// The non-template statement.
  const query_spec& spec() const noexcept { return *spec_; }
  /// Shared ownership of it (subqueries keep it).
  const std::shared_ptr<const query_spec>& shared_spec() const noexcept { return spec_; }

private:
  template <class F>
  rows_statement change(F&& f) const {
    auto s = std::make_shared<query_spec>(*spec_);
    f(*s);
    return rows_statement{std::move(s)};
  }
  template <class T, class R>
  rows_statement add_join(R T::*member, bool outer) const {
    auto& table = table_of<T>();
    auto join = detail::relationship_join(detail::require_relationship(table, table.relationship_for(member)), outer);
    return change([&](query_spec& s) { s.joins.push_back(std::move(join)); });
  }
  std::shared_ptr<const query_spec> spec_;
};

/// SELECT of expressions or members: `orca::select(col(&User::name), count(&Post::id))`.
template <class X, class... Xs>
rows_statement<detail::result_of<X>, detail::result_of<Xs>...> select(const X& x, const Xs&... xs) {
  auto s = std::make_shared<query_spec>();
  s->columns.push_back(detail::node_of(x));
  (s->columns.push_back(detail::node_of(xs)), ...);
  return rows_statement<detail::result_of<X>, detail::result_of<Xs>...>{std::move(s)};
}

/// `EXISTS (SELECT ...)`; the subquery may name the enclosing query's tables (correlated).
template <class... Vs>
condition exists(const rows_statement<Vs...>& subquery) {
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::exists;
  n->query = subquery.shared_spec();
  return condition{std::move(n)};
}

template <class T>
template <class... Xs>
auto select_statement<T>::add_columns(const Xs&... xs) const {
  auto s = std::make_shared<query_spec>();
  s->entity = spec_.table;
  s->where = spec_.where;
  s->order = spec_.order;
  s->limit = spec_.limit;
  s->offset = spec_.offset;
  (s->columns.push_back(detail::node_of(xs)), ...);
  return rows_statement<std::shared_ptr<T>, detail::result_of<Xs>...>{std::move(s)};
}

}  // namespace orca

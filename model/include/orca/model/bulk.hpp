// orca::update<T>() and orca::delete_from<T>(): UPDATE and DELETE of every row a condition
// matches, in the session's transaction (`session.execute(...)` returns the row count, or
// with `.returning(...)` typed rows of the changed rows).
// `set(&Post::views, col(&Post::views) + 1)` computes in the database: concurrent
// increments lose nothing. Sessions keep their loaded objects in step (see sync_session).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "orca/model/expression.hpp"
#include "orca/model/functions.hpp"
#include "orca/model/select.hpp"

namespace orca {

/// `column = expression` of an UPDATE (made by orca::set).
struct assignment {
  const table_info* table = nullptr;
  std::size_t column = 0;
  std::shared_ptr<const expression_node> value;
};

/// An UPDATE or DELETE of the rows of one table that match a condition (non-template).
struct bulk_spec {
  enum class kind : std::uint8_t { update, remove };
  kind what = kind::update;
  const table_info* table = nullptr;
  std::vector<assignment> values;                ///< update
  std::shared_ptr<const expression_node> where;  ///< null: every row
  /// RETURNING expressions the caller asked for (empty: the row count only).
  std::vector<std::shared_ptr<const expression_node>> returning;
};

/// An UPDATE or DELETE whose changed rows come back as `std::tuple<Vs...>`
/// (`update<T>()...returning(col(&T::id), col(&T::views))`; values as the UPDATE left them,
/// or as the DELETE found them).
template <class... Vs>
class returning_statement {
public:
  using row_type = std::tuple<Vs...>;
  explicit returning_statement(bulk_spec spec) : spec_(std::move(spec)) {}
  /// The non-template statement.
  const bulk_spec& spec() const noexcept { return spec_; }

private:
  bulk_spec spec_;
};

namespace detail {
template <class... Xs>
returning_statement<result_of<Xs>...> with_returning(bulk_spec spec, const Xs&... xs) {
  static_assert(sizeof...(Xs) > 0, "orca: returning() takes at least one column or expression");
  (spec.returning.push_back(node_of(xs)), ...);
  return returning_statement<result_of<Xs>...>{std::move(spec)};
}
}  // namespace detail

/// `member = x` for update<T>().values(...): x is a value (bound exactly, as in
/// comparisons), an expression of a comparable type, or std::nullopt for NULL.
template <class T, class M, class U>
assignment set(M T::*member, const U& x) {
  auto c = col(member);
  if constexpr (std::is_same_v<std::decay_t<U>, std::nullopt_t>) {
    static_assert(detail::is_optional_v<M>, "orca: only a std::optional member can be set to NULL");
    return {&c.table(), c.column().ordinal, detail::parameter_node(value{})};
  } else {
    return {&c.table(), c.column().ordinal, c.operand(x)};
  }
}

/// `UPDATE t SET ... WHERE ...` (build with where() and values()).
template <class T>
class update_statement {
public:
  update_statement() {
    spec_.what = bulk_spec::kind::update;
    spec_.table = &table_of<T>();
  }
  /// Adds a condition (several are ANDed).
  update_statement where(const condition& c) const {
    auto copy = *this;
    copy.spec_.where = detail::and_where(spec_.where, c.shared());
    return copy;
  }
  /// Adds assignments (`orca::set(&T::m, x)`).
  template <class... Assignments>
  update_statement values(const Assignments&... xs) const {
    auto copy = *this;
    (copy.spec_.values.push_back(xs), ...);
    return copy;
  }
  /// RETURNING columns or expressions of the updated rows (SQLAlchemy's `returning()`);
  /// call it last. `session.execute` then returns the rows.
  template <class... Xs>
  auto returning(const Xs&... xs) const {
    return detail::with_returning(spec_, xs...);
  }
  /// The non-template statement.
  const bulk_spec& spec() const noexcept { return spec_; }

private:
  bulk_spec spec_;
};

/// `DELETE FROM t WHERE ...`.
template <class T>
class delete_statement {
public:
  delete_statement() {
    spec_.what = bulk_spec::kind::remove;
    spec_.table = &table_of<T>();
  }
  /// Adds a condition (several are ANDed).
  delete_statement where(const condition& c) const {
    auto copy = *this;
    copy.spec_.where = detail::and_where(spec_.where, c.shared());
    return copy;
  }
  /// RETURNING columns or expressions of the deleted rows; call it last.
  template <class... Xs>
  auto returning(const Xs&... xs) const {
    return detail::with_returning(spec_, xs...);
  }
  /// The non-template statement.
  const bulk_spec& spec() const noexcept { return spec_; }

private:
  bulk_spec spec_;
};

/// An UPDATE of the rows of T (`orca::update<Post>().where(...).values(orca::set(...))`).
template <class T>
update_statement<T> update() {
  return {};
}
/// A DELETE of the rows of T (`orca::delete_from<Post>().where(...)`).
template <class T>
delete_statement<T> delete_from() {
  return {};
}

}  // namespace orca

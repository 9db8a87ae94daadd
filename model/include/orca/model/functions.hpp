// SQL functions as typed expressions: count, sum, avg, min, max, coalesce, lower, upper,
// length, now. Each takes a member pointer (`count(&Post::id)`) or an expression, and its
// result type says what a row holds: aggregates that may see no row are std::optional.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "orca/model/expression.hpp"
#include "orca/model/mapping.hpp"

namespace orca {

namespace detail {
template <class X>
auto as_expression(const X& x) {
  if constexpr (std::is_member_object_pointer_v<X>)
    return col(x);
  else
    return x;
}
template <class X>
using expression_of = decltype(as_expression(std::declval<const X&>()));
template <class X>
using result_of = typename expression_of<X>::result_type;
template <class X>
using base_of = typename unwrap_optional<result_of<X>>::type;

inline std::shared_ptr<const expression_node> function_node(std::string name,
                                                            std::vector<std::shared_ptr<const expression_node>> args) {
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::function;
  n->name = std::move(name);
  n->operands = std::move(args);
  return n;
}
// CAST(x AS type): keeps aggregates' types the same on both dialects (PostgreSQL's SUM of
// BIGINT is NUMERIC, its AVG NUMERIC; SQLite's are INTEGER and REAL).
inline std::shared_ptr<const expression_node> cast_node(std::shared_ptr<const expression_node> x, value_type type) {
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::cast;
  n->type = type;
  n->operands = {std::move(x)};
  return n;
}
template <class X>
std::shared_ptr<const expression_node> node_of(const X& x) {
  return as_expression(x).shared();
}
}  // namespace detail

/// `COUNT(*)`.
inline typed_expression<std::int64_t> count() {
  return typed_expression<std::int64_t>{detail::function_node("COUNT", {})};
}
/// `COUNT(x)`: the rows where x is not NULL.
template <class X>
typed_expression<std::int64_t> count(const X& x) {
  return typed_expression<std::int64_t>{detail::function_node("COUNT", {detail::node_of(x)})};
}
/// `COUNT(DISTINCT x)`.
template <class X>
typed_expression<std::int64_t> count_distinct(const X& x) {
  return typed_expression<std::int64_t>{detail::function_node("COUNT DISTINCT", {detail::node_of(x)})};
}
/// `SUM(x)`: NULL (nullopt) over no rows; integers sum as 64-bit integers, others as double.
template <class X>
auto sum(const X& x) {
  using base = detail::base_of<X>;
  static_assert(detail::is_number_v<base>, "orca: sum() applies to numbers");
  using R = std::conditional_t<std::is_integral_v<base>, std::int64_t, double>;
  return typed_expression<std::optional<R>>{
      detail::cast_node(detail::function_node("SUM", {detail::node_of(x)}),
                        std::is_integral_v<base> ? value_type::integer : value_type::real)};
}
/// `AVG(x)` as a double: NULL (nullopt) over no rows.
template <class X>
typed_expression<std::optional<double>> avg(const X& x) {
  static_assert(detail::is_number_v<detail::base_of<X>>, "orca: avg() applies to numbers");
  return typed_expression<std::optional<double>>{
      detail::cast_node(detail::function_node("AVG", {detail::node_of(x)}), value_type::real)};
}
/// `MIN(x)`: NULL (nullopt) over no rows.
template <class X>
typed_expression<std::optional<detail::base_of<X>>> min(const X& x) {
  return typed_expression<std::optional<detail::base_of<X>>>{detail::function_node("MIN", {detail::node_of(x)})};
}
/// `MAX(x)`: NULL (nullopt) over no rows.
template <class X>
typed_expression<std::optional<detail::base_of<X>>> max(const X& x) {
  return typed_expression<std::optional<detail::base_of<X>>>{detail::function_node("MAX", {detail::node_of(x)})};
}
/// `COALESCE(x, fallback)`: x's type, not optional when the fallback is a value or a
/// non-nullable expression.
template <class X, class F>
auto coalesce(const X& x, const F& fallback) {
  auto e = detail::as_expression(x);
  using base = detail::base_of<X>;
  constexpr bool nullable = [] {
    if constexpr (detail::expression_like<F> || std::is_member_object_pointer_v<F>)
      return detail::is_optional_v<detail::result_of<F>>;
    else
      return detail::is_optional_v<F>;
  }();
  std::shared_ptr<const expression_node> second;
  if constexpr (std::is_member_object_pointer_v<F>)
    second = e.operand(col(fallback));
  else
    second = e.operand(fallback);
  return typed_expression<detail::maybe_optional<base, nullable>>{
      detail::function_node("COALESCE", {e.shared(), second})};
}
/// `LOWER(x)` (text).
template <class X>
typed_expression<detail::result_of<X>> lower(const X& x) {
  static_assert(std::is_same_v<detail::base_of<X>, std::string>, "orca: lower() applies to text");
  return typed_expression<detail::result_of<X>>{detail::function_node("LOWER", {detail::node_of(x)})};
}
/// `UPPER(x)` (text).
template <class X>
typed_expression<detail::result_of<X>> upper(const X& x) {
  static_assert(std::is_same_v<detail::base_of<X>, std::string>, "orca: upper() applies to text");
  return typed_expression<detail::result_of<X>>{detail::function_node("UPPER", {detail::node_of(x)})};
}
/// `LENGTH(x)`: characters of a text (NULL for NULL).
template <class X>
auto length(const X& x) {
  static_assert(std::is_same_v<detail::base_of<X>, std::string>, "orca: length() applies to text");
  using R = detail::maybe_optional<std::int64_t, detail::is_optional_v<detail::result_of<X>>>;
  return typed_expression<R>{
      detail::cast_node(detail::function_node("LENGTH", {detail::node_of(x)}), value_type::integer)};
}
/// `orca::now()`: the current time in UTC, from the database server.
inline typed_expression<timestamp> now_t::operator()() const {
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::now;
  return typed_expression<timestamp>{std::move(n)};
}

}  // namespace orca

// Typed SQL expressions on mapped members: `orca::col(&A::id) > 3 && orca::col(&A::data).like("a%")`,
// `orca::col(&Post::views) + 1`, `orca::lower(orca::col(&User::name))`. Built by users, read by
// the compiler (compiler.hpp) which binds every value as a parameter. A value that would not
// convert exactly to the member's type is refused: at compile time (a floating value for an
// integer column, nullptr) or with orca::error before any SQL (an integer out of range).
#pragma once

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "orca/model/table_of.hpp"
#include "orca/model/value_traits.hpp"

namespace orca {

struct query_spec;

/// A node of a SQL expression tree (non-template; the compiler walks it).
struct expression_node {
  enum class kind : std::uint8_t {
    column,
    parameter,
    compare,
    all_of,
    any_of,
    negate,
    is_null,
    is_not_null,
    in_list,
    like,
    ilike,        ///< case-insensitive LIKE on both dialects
    not_in_list,  ///< NOT IN (...)
    between,      ///< operands: subject, low, high
    function,     ///< name(operands...); `COUNT(*)` when it has no operand and name is COUNT
    arithmetic,   ///< operands[0] op operands[1]; op "+", "-", "*", "/" or "||"
    cast,         ///< CAST(operands[0] AS the dialect's type for `type`)
    label,        ///< operands[0] AS name (in a select list; elsewhere the expression itself)
    now,          ///< the dialect's current UTC timestamp
    subquery,     ///< (SELECT ...) as a scalar value
    exists,       ///< EXISTS (SELECT ...)
    in_subquery   ///< operands[0] IN (SELECT ...)
  };
  kind what = kind::parameter;
  const table_info* table = nullptr;  ///< column
  std::size_t column = 0;             ///< column
  value parameter;                    ///< parameter (always bound, never spliced)
  std::string_view op;                ///< compare: "=", "<>", ...; arithmetic: "+", ...
  std::vector<std::shared_ptr<const expression_node>> operands;
  std::vector<value> list;                  ///< in_list, not_in_list
  std::string name;                         ///< function name, label
  value_type type = value_type::null;       ///< cast target
  std::shared_ptr<const query_spec> query;  ///< subquery, exists, in_subquery
};

/// A boolean SQL condition; combine with `&&`, `||` and `!`.
class condition {
public:
  explicit condition(std::shared_ptr<const expression_node> node) : node_(std::move(node)) {}
  /// The expression tree.
  const expression_node& node() const noexcept { return *node_; }
  /// Shared ownership of the tree, for statements that keep it.
  const std::shared_ptr<const expression_node>& shared() const noexcept { return node_; }

  friend condition operator&&(const condition& a, const condition& b) {
    return combine(expression_node::kind::all_of, a, b);
  }
  friend condition operator||(const condition& a, const condition& b) {
    return combine(expression_node::kind::any_of, a, b);
  }
  friend condition operator!(const condition& a) {
    auto n = std::make_shared<expression_node>();
    n->what = expression_node::kind::negate;
    n->operands.push_back(a.node_);
    return condition{std::move(n)};
  }

private:
  static condition combine(expression_node::kind k, const condition& a, const condition& b) {
    auto n = std::make_shared<expression_node>();
    n->what = k;
    n->operands = {a.node_, b.node_};
    return condition{std::move(n)};
  }
  std::shared_ptr<const expression_node> node_;
};

/// One ORDER BY term: a member's column (table, column) or any expression.
struct order_term {
  enum class nulls : std::uint8_t { unspecified, first, last };
  const table_info* table = nullptr;
  std::size_t column = 0;
  bool descending = false;
  std::shared_ptr<const expression_node> expression;  ///< set: order by this instead of the column
  nulls null_order = nulls::unspecified;

  /// The same term with NULLS FIRST.
  order_term nulls_first() const {
    auto copy = *this;
    copy.null_order = nulls::first;
    return copy;
  }
  /// The same term with NULLS LAST.
  order_term nulls_last() const {
    auto copy = *this;
    copy.null_order = nulls::last;
    return copy;
  }
};

namespace detail {
/// The column of `member` in T's table; throws invalid_argument if the member is not mapped.
const column_info& require_column(const table_info& table, const column_info* found);
/// Throws invalid_argument: `what` does not convert exactly to the compared member's type.
[[noreturn]] void throw_inexact(const std::string& what, const char* target);

template <class M>
inline constexpr bool is_optional_v = false;
template <class M>
inline constexpr bool is_optional_v<std::optional<M>> = true;
template <class Base, bool Optional>
using maybe_optional = std::conditional_t<Optional, std::optional<Base>, Base>;

template <class U>
inline constexpr bool is_text_like_v = std::is_convertible_v<const U&, std::string_view> &&
                                       !std::is_same_v<std::decay_t<U>, std::nullptr_t>;
template <class U>
inline constexpr bool is_number_v = std::is_arithmetic_v<U> && !std::is_same_v<U, bool> && !std::is_same_v<U, char>;

/// The value `x` as a parameter of an expression of type `Base`, converted only when the
/// conversion is exact: integers within range, text to text, the type itself otherwise.
template <class Base, class U>
value exact_value(const U& x) {
  static_assert(!std::is_same_v<std::decay_t<U>, std::nullptr_t>,
                "orca: compare with std::nullopt (IS NULL) or use .is_null(), not nullptr");
  if constexpr (is_optional_v<U>) {
    if (!x) return value{};
    return exact_value<Base>(*x);
  } else if constexpr (std::is_same_v<Base, std::string>) {
    static_assert(is_text_like_v<U>, "orca: a text column compares with text (std::string, string_view, a literal)");
    return value{std::string{std::string_view{x}}};
  } else if constexpr (std::is_same_v<Base, bool>) {
    static_assert(std::is_same_v<U, bool>, "orca: a boolean column compares with bool");
    return value{x};
  } else if constexpr (std::is_integral_v<Base>) {
    static_assert(std::is_integral_v<U> && !std::is_same_v<U, bool>,
                  "orca: an integer column compares with integers; a floating value would be truncated "
                  "(round it yourself, or compare a floating expression)");
    if (!std::in_range<Base>(x)) throw_inexact(std::to_string(x), "the column's integer type");
    return value_traits<Base>::to_value(static_cast<Base>(x));
  } else if constexpr (std::is_floating_point_v<Base>) {
    static_assert(is_number_v<U>, "orca: a floating column compares with numbers");
    if constexpr (std::is_integral_v<U>) {
      // Beyond 2^53 a double cannot hold every integer: refuse rather than round.
      if (x > (std::int64_t{1} << 53) || (std::is_signed_v<U> && x < -(std::int64_t{1} << 53)))
        throw_inexact(std::to_string(x), "a double");
    }
    return value{static_cast<double>(x)};
  } else {
    static_assert(std::is_same_v<std::decay_t<U>, Base>,
                  "orca: the value compared with this column is not of the member's type");
    return value_traits<Base>::to_value(x);
  }
}

/// The type of `a op b` for numbers: 64-bit integers unless either side is floating.
template <class A, class B>
using promoted_t = std::conditional_t<std::is_floating_point_v<A> || std::is_floating_point_v<B>, double, std::int64_t>;

inline std::shared_ptr<const expression_node> parameter_node(value x) {
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::parameter;
  n->parameter = std::move(x);
  return n;
}

inline std::shared_ptr<const expression_node> binary_node(expression_node::kind k, std::string_view op,
                                                          std::shared_ptr<const expression_node> a,
                                                          std::shared_ptr<const expression_node> b) {
  auto n = std::make_shared<expression_node>();
  n->what = k;
  n->op = op;
  n->operands = {std::move(a), std::move(b)};
  return n;
}
}  // namespace detail

template <class V>
class typed_expression;

namespace detail {
template <class U>
struct expression_type {
  using type = void;
};
template <class V>
struct expression_type<typed_expression<V>> {
  using type = V;
};
template <class U>
concept expression_like = requires {
  typename std::decay_t<U>::result_type;
}
&&std::is_base_of_v<typed_expression<typename std::decay_t<U>::result_type>, std::decay_t<U>>;

template <class A, class B>
inline constexpr bool comparable_v = std::is_same_v<A, B> || (is_number_v<A> && is_number_v<B>);
}  // namespace detail

/// A SQL expression whose values decode to `V` (std::optional<X> where it may be NULL).
/// Made by orca::col(), the functions (count, lower, ...), arithmetic and subqueries.
template <class V>
class typed_expression {
public:
  /// The C++ type of the expression's values.
  using result_type = V;
  /// What compared values must convert to exactly (std::optional<X> compares with X).
  using operand_type = typename detail::unwrap_optional<V>::type;

  explicit typed_expression(std::shared_ptr<const expression_node> node) : node_(std::move(node)) {}

  /// The expression tree.
  const std::shared_ptr<const expression_node>& shared() const noexcept { return node_; }

  template <class U>
  condition operator==(const U& x) const {
    return compare("=", x);
  }
  template <class U>
  condition operator!=(const U& x) const {
    return compare("<>", x);
  }
  template <class U>
  condition operator<(const U& x) const {
    return compare("<", x);
  }
  template <class U>
  condition operator<=(const U& x) const {
    return compare("<=", x);
  }
  template <class U>
  condition operator>(const U& x) const {
    return compare(">", x);
  }
  template <class U>
  condition operator>=(const U& x) const {
    return compare(">=", x);
  }

  /// `x BETWEEN low AND high` (values or expressions).
  template <class L, class H>
  condition between(const L& low, const H& high) const {
    auto n = std::make_shared<expression_node>();
    n->what = expression_node::kind::between;
    n->operands = {node_, operand(low), operand(high)};
    return condition{std::move(n)};
  }
  /// `x IN (...)`; an empty list is a condition that is always false.
  condition in(const std::vector<operand_type>& xs) const { return list(expression_node::kind::in_list, xs); }
  condition in(std::initializer_list<operand_type> xs) const { return in(std::vector<operand_type>(xs)); }
  /// `x NOT IN (...)`; an empty list is a condition that is always true.
  condition not_in(const std::vector<operand_type>& xs) const { return list(expression_node::kind::not_in_list, xs); }
  condition not_in(std::initializer_list<operand_type> xs) const { return not_in(std::vector<operand_type>(xs)); }
  /// `x IN (SELECT ...)`: a statement of one column (`orca::select(col(&B::a_id))`).
  template <class Statement>
  requires requires(const Statement& s) { s.shared_spec(); }
  condition in(const Statement& subquery) const {
    auto n = std::make_shared<expression_node>();
    n->what = expression_node::kind::in_subquery;
    n->operands = {node_};
    n->query = subquery.shared_spec();
    return condition{std::move(n)};
  }
  /// `x LIKE pattern` (text only).
  condition like(std::string pattern) const { return text_match(expression_node::kind::like, std::move(pattern)); }
  /// Case-insensitive LIKE: ILIKE on PostgreSQL, `lower(x) LIKE lower(pattern)` on SQLite.
  condition ilike(std::string pattern) const { return text_match(expression_node::kind::ilike, std::move(pattern)); }
  /// `x IS NULL`.
  condition is_null() const { return unary(expression_node::kind::is_null); }
  /// `x IS NOT NULL`.
  condition is_not_null() const { return unary(expression_node::kind::is_not_null); }
  /// The expression named `name` in the result (`AS name`); order_by may refer to it.
  typed_expression label(std::string name) const {
    auto n = std::make_shared<expression_node>();
    n->what = expression_node::kind::label;
    n->name = std::move(name);
    n->operands = {node_};
    return typed_expression{std::move(n)};
  }
  /// Ascending ORDER BY term.
  order_term asc() const { return order_term{nullptr, 0, false, node_}; }
  /// Descending ORDER BY term.
  order_term desc() const { return order_term{nullptr, 0, true, node_}; }

  /// The node of a value or expression used with this expression (values bound exactly).
  template <class U>
  std::shared_ptr<const expression_node> operand(const U& x) const {
    if constexpr (detail::expression_like<U>) {
      static_assert(detail::comparable_v<operand_type, typename std::decay_t<U>::operand_type>,
                    "orca: these two expressions have types that do not compare (numbers with numbers, "
                    "text with text)");
      return x.shared();
    } else {
      return detail::parameter_node(detail::exact_value<operand_type>(x));
    }
  }

private:
  template <class U>
  condition compare(std::string_view op, const U& x) const {
    if constexpr (std::is_same_v<std::decay_t<U>, std::nullopt_t>) {
      // `== std::nullopt` is IS NULL, `!= std::nullopt` IS NOT NULL; nothing else has a meaning.
      if (op != "=" && op != "<>")
        throw error(errc::invalid_argument, "only == and != compare with std::nullopt (IS NULL / IS NOT NULL)");
      return unary(op == "=" ? expression_node::kind::is_null : expression_node::kind::is_not_null);
    } else {
      return condition{detail::binary_node(expression_node::kind::compare, op, node_, operand(x))};
    }
  }
  condition unary(expression_node::kind k) const {
    auto n = std::make_shared<expression_node>();
    n->what = k;
    n->operands = {node_};
    return condition{std::move(n)};
  }
  condition list(expression_node::kind k, const std::vector<operand_type>& xs) const {
    auto n = std::make_shared<expression_node>();
    n->what = k;
    n->operands = {node_};
    for (auto& x : xs) n->list.push_back(detail::exact_value<operand_type>(x));
    return condition{std::move(n)};
  }
  condition text_match(expression_node::kind k, std::string pattern) const {
    static_assert(std::is_same_v<operand_type, std::string>,
                  "orca: like() and ilike() apply to text (std::string or std::optional<std::string>)");
    auto n = std::make_shared<expression_node>();
    n->what = k;
    n->operands = {node_, detail::parameter_node(value{std::move(pattern)})};
    return condition{std::move(n)};
  }

  std::shared_ptr<const expression_node> node_;
};

namespace detail {
template <class A, class B>
struct arithmetic_result {
  using base_a = typename unwrap_optional<A>::type;
  using base_b = typename unwrap_optional<B>::type;
  static constexpr bool text = std::is_same_v<base_a, std::string>;
  static_assert(text ? std::is_same_v<base_b, std::string> || is_text_like_v<base_b>
                     : is_number_v<base_a> && is_number_v<base_b>,
                "orca: arithmetic applies to numbers, and + to text (concatenation)");
  using base = std::conditional_t<text, std::string, promoted_t<base_a, base_b>>;
  using type = maybe_optional<base, is_optional_v<A> || is_optional_v<B>>;
};

template <class V, class U>
auto arithmetic(const typed_expression<V>& a, std::string_view op, const U& b) {
  if constexpr (expression_like<U>) {
    using R = typename arithmetic_result<V, typename std::decay_t<U>::result_type>::type;
    constexpr bool text = std::is_same_v<typename unwrap_optional<R>::type, std::string>;
    return typed_expression<R>{
        binary_node(expression_node::kind::arithmetic, text ? std::string_view{"||"} : op, a.shared(), b.shared())};
  } else {
    using R = typename arithmetic_result<V, std::decay_t<U>>::type;
    constexpr bool text = std::is_same_v<typename unwrap_optional<R>::type, std::string>;
    return typed_expression<R>{
        binary_node(expression_node::kind::arithmetic, text ? std::string_view{"||"} : op, a.shared(), a.operand(b))};
  }
}
}  // namespace detail

/// `a + b`: numbers add, text concatenates (`||`). Values are bound exactly as in comparisons.
template <class V, class U>
auto operator+(const typed_expression<V>& a, const U& b) {
  return detail::arithmetic(a, "+", b);
}
/// `a - b` (numbers).
template <class V, class U>
auto operator-(const typed_expression<V>& a, const U& b) {
  static_assert(!std::is_same_v<typename detail::unwrap_optional<V>::type, std::string>, "orca: text has no -");
  return detail::arithmetic(a, "-", b);
}
/// `a * b` (numbers).
template <class V, class U>
auto operator*(const typed_expression<V>& a, const U& b) {
  static_assert(!std::is_same_v<typename detail::unwrap_optional<V>::type, std::string>, "orca: text has no *");
  return detail::arithmetic(a, "*", b);
}
/// `a / b` (numbers; integers divide as integers in SQL).
template <class V, class U>
auto operator/(const typed_expression<V>& a, const U& b) {
  static_assert(!std::is_same_v<typename detail::unwrap_optional<V>::type, std::string>, "orca: text has no /");
  return detail::arithmetic(a, "/", b);
}

/// A mapped column used in an expression; made by orca::col(&T::member).
template <class T, class M>
class column_expression : public typed_expression<M> {
public:
  explicit column_expression(M T::*member) : column_expression(&table_of<T>(), member) {}

  /// The mapped class's table.
  const table_info& table() const noexcept { return *table_; }
  /// The column.
  const column_info& column() const noexcept { return *column_; }

private:
  column_expression(const table_info* table, M T::*member)
      : column_expression(table, &detail::require_column(*table, table->column_for(member))) {}
  column_expression(const table_info* table, const column_info* column)
      : typed_expression<M>(make_node(table, column)), table_(table), column_(column) {}
  static std::shared_ptr<const expression_node> make_node(const table_info* table, const column_info* column) {
    auto n = std::make_shared<expression_node>();
    n->what = expression_node::kind::column;
    n->table = table;
    n->column = column->ordinal;
    return n;
  }
  const table_info* table_;
  const column_info* column_;
};

/// The column a member is mapped to, for expressions, ordering and result columns.
template <class T, class M>
column_expression<T, M> col(M T::*member) {
  return column_expression<T, M>{member};
}

/// Ascending order on a member's column.
template <class T, class M>
order_term asc(M T::*member) {
  return col(member).asc();
}
/// Descending order on a member's column.
template <class T, class M>
order_term desc(M T::*member) {
  return col(member).desc();
}

}  // namespace orca

// Typed where-expressions on mapped members: `orca::col(&A::id) > 3 && orca::col(&A::data).like("a%")`.
// Built by users, read by the compiler (compiler.hpp) which binds every value as a parameter.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "orca/model/table_of.hpp"
#include "orca/model/value_traits.hpp"

namespace orca {

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
    like
  };
  kind what = kind::parameter;
  const table_info* table = nullptr;  ///< column
  std::size_t column = 0;             ///< column
  value parameter;                    ///< parameter (always bound, never spliced)
  std::string_view op;                ///< compare: "=", "<>", "<", "<=", ">", ">="
  std::vector<std::shared_ptr<const expression_node>> operands;
  std::vector<value> list;  ///< in_list
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

/// One ORDER BY term.
struct order_term {
  const table_info* table = nullptr;
  std::size_t column = 0;
  bool descending = false;
};

namespace detail {
/// The column of `member` in T's table; throws invalid_argument if the member is not mapped.
const column_info& require_column(const table_info& table, const column_info* found);

template <class M>
struct unwrap_optional {
  using type = M;
};
template <class M>
struct unwrap_optional<std::optional<M>> {
  using type = M;
};
}  // namespace detail

/// A mapped column used in an expression; made by orca::col(&T::member).
template <class T, class M>
class column_expression {
public:
  /// The type a compared value must convert to (std::optional<X> compares with X).
  using operand_type = typename detail::unwrap_optional<M>::type;

  explicit column_expression(M T::*member)
      : table_(&table_of<T>()), column_(&detail::require_column(*table_, table_->column_for(member))) {}

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

  /// `column IN (...)`; an empty list is a condition that is always false.
  condition in(const std::vector<operand_type>& xs) const {
    auto n = node(expression_node::kind::in_list);
    for (auto& x : xs) n->list.push_back(value_traits<operand_type>::to_value(x));
    return condition{std::move(n)};
  }
  condition in(std::initializer_list<operand_type> xs) const { return in(std::vector<operand_type>(xs)); }
  /// `column LIKE pattern` (text columns only).
  condition like(std::string pattern) const {
    static_assert(std::is_same_v<operand_type, std::string>,
                  "orca: like() applies to text columns (std::string or std::optional<std::string>)");
    auto n = node(expression_node::kind::like);
    n->parameter = value{std::move(pattern)};
    return condition{std::move(n)};
  }
  /// `column IS NULL`.
  condition is_null() const { return condition{node(expression_node::kind::is_null)}; }
  /// `column IS NOT NULL`.
  condition is_not_null() const { return condition{node(expression_node::kind::is_not_null)}; }
  /// Ascending ORDER BY term.
  order_term asc() const { return {table_, column_->ordinal, false}; }
  /// Descending ORDER BY term.
  order_term desc() const { return {table_, column_->ordinal, true}; }

private:
  std::shared_ptr<expression_node> node(expression_node::kind k) const {
    auto n = std::make_shared<expression_node>();
    n->what = k;
    n->table = table_;
    n->column = column_->ordinal;
    return n;
  }
  template <class U>
  condition compare(std::string_view op, const U& x) const {
    static_assert(std::is_convertible_v<const U&, operand_type>,
                  "orca: the value compared with this column does not convert to the member's "
                  "type; compare integer columns with integers, text columns with strings");
    auto column = node(expression_node::kind::column);
    auto n = std::make_shared<expression_node>();
    n->what = expression_node::kind::compare;
    n->op = op;
    auto param = std::make_shared<expression_node>();
    param->what = expression_node::kind::parameter;
    param->parameter = value_traits<operand_type>::to_value(static_cast<operand_type>(x));
    n->operands = {std::move(column), std::move(param)};
    return condition{std::move(n)};
  }
  const table_info* table_;
  const column_info* column_;
};

/// The column a member is mapped to, for where-expressions and ordering.
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

// sql::expression_writer: writes expression trees and SELECTs of expressions (with their
// subqueries) into one statement, binding every value. It checks that each column belongs
// to a table the statement's FROM makes visible. Private to the model library (compiler.cpp,
// query_compiler.cpp).
#pragma once

#include <string>
#include <vector>

#include "orca/model/expression.hpp"
#include "orca/model/query.hpp"
#include "sql_writer.hpp"

namespace orca::sql {

/// Binding strength of the boolean operators: an operand binding looser than its context
/// is parenthesised, so `(a OR b) AND c` keeps its meaning and `a AND b AND c` stays flat.
enum class binding : int { none = 0, disjunction = 1, conjunction = 2 };

/// The tables a statement's FROM makes visible, and those of the query enclosing it.
struct scope {
  std::vector<const table_info*> tables;
  const scope* outer = nullptr;
  /// True if `table` is visible here or in an enclosing query.
  bool contains(const table_info* table) const;
};

/// Writes expressions of one statement (placeholders numbered by the shared writer).
class expression_writer {
public:
  /// `visible` null: columns are not checked.
  expression_writer(writer& w, params& parameters, const scope* visible = nullptr)
      : w_(w), parameters_(parameters), scope_(visible) {}

  /// An expression in a context of the given binding strength.
  void write(const expression_node& n, binding context);
  /// An ORDER BY term; `fallback` is the table of a term that names only a column ordinal.
  void order(const order_term& term, const table_info* fallback);
  /// `SELECT ... FROM ... [JOIN ...] [WHERE ...] [GROUP BY ...] [HAVING ...] [ORDER BY ...]
  /// [LIMIT ? OFFSET ?]`; its columns may name this writer's scope (a correlated subquery).
  void query(const query_spec& q);
  /// ` LIMIT ? OFFSET ?` as the dialect spells them.
  void limit_offset(const std::optional<std::int64_t>& limit, const std::optional<std::int64_t>& offset);

private:
  static const expression_node& operand(const expression_node& n, std::size_t i);
  void junction(const expression_node& n, std::string_view op, binding own, std::string_view empty, binding context);
  void compare(const expression_node& n);
  void list(const expression_node& n, bool negated);
  void term(const expression_node& n);
  void column(const expression_node& n);
  void subject(const expression_node& n);
  void function(const expression_node& n);
  void bind(const value& x);
  void select_item(const expression_node& n);

  writer& w_;
  params& parameters_;
  const scope* scope_;
};

}  // namespace orca::sql

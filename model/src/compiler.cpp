// The SQL compiler: statements and unit-of-work steps to SQL text for one dialect.
// Values only ever become bound parameters; identifiers go through dialect::identifier().
#include "orca/model/compiler.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "orca/drivers/error.hpp"
#include "sql_writer.hpp"

namespace orca::sql {

namespace {

// "a.id, a.data, a.create_date": every column, in ordinal order, as loaders read them.
void column_list(writer& w, const table_info& table, const std::vector<std::size_t>* ordinals = nullptr) {
  auto count = ordinals != nullptr ? ordinals->size() : table.columns().size();
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) w << ", ";
    w.column(table, column_at(table, ordinals != nullptr ? (*ordinals)[i] : i));
  }
}

void select_from(writer& w, const table_info& table) {
  w << "SELECT ";
  column_list(w, table);
  w << " FROM ";
  w.name(table.name());
}

// " WHERE a.id = ?" (" WHERE c.x = ? AND c.y = ?" for a composite key): how UPDATE, DELETE
// and refresh find one row.
void where_key(writer& w, const table_info& table) {
  w << " WHERE ";
  for (auto c : table.primary_key_columns()) {
    if (c != table.primary_key_columns().front()) w << " AND ";
    w.column(table, table.columns()[c]) << " = ";
    w.placeholder();
  }
}

// Binding strength of the boolean operators: an operand binding looser than its context
// is parenthesised, so `(a OR b) AND c` keeps its meaning and `a AND b AND c` stays flat.
enum class binding : int { none = 0, disjunction = 1, conjunction = 2 };

class expression_writer {
public:
  expression_writer(writer& w, params& parameters) : w_(w), parameters_(parameters) {}

  void write(const expression_node& n, binding context) {
    using k = expression_node::kind;
    switch (n.what) {
      case k::all_of: return junction(n, " AND ", binding::conjunction, "1 = 1", context);
      case k::any_of: return junction(n, " OR ", binding::disjunction, "1 = 0", context);
      case k::negate:
        w_ << "NOT (";
        write(operand(n, 0), binding::none);
        w_ << ')';
        return;
      case k::compare: return compare(n);
      case k::is_null:
        column(n);
        w_ << " IS NULL";
        return;
      case k::is_not_null:
        column(n);
        w_ << " IS NOT NULL";
        return;
      case k::in_list: return in_list(n);
      case k::like:
        column(n);
        w_ << " LIKE ";
        bind(n.parameter);
        return;
      case k::column:
      case k::parameter: return term(n);
    }
  }

private:
  static const expression_node& operand(const expression_node& n, std::size_t i) {
    if (i >= n.operands.size() || !n.operands[i])
      throw error(errc::internal, "malformed expression: an operator is missing an operand");
    return *n.operands[i];
  }

  void junction(const expression_node& n, std::string_view op, binding own, std::string_view empty, binding context) {
    if (n.operands.empty()) {
      w_ << empty;
      return;
    }
    bool parenthesise = n.operands.size() > 1 && static_cast<int>(context) > static_cast<int>(own);
    if (parenthesise) w_ << '(';
    for (std::size_t i = 0; i < n.operands.size(); ++i) {
      if (i > 0) w_ << op;
      write(operand(n, i), own);
    }
    if (parenthesise) w_ << ')';
  }

  void compare(const expression_node& n) {
    auto& lhs = operand(n, 0);
    auto& rhs = operand(n, 1);
    // `x = NULL` is never true in SQL; comparing with a null value means IS [NOT] NULL.
    if (rhs.what == expression_node::kind::parameter && rhs.parameter.is_null() && (n.op == "=" || n.op == "<>")) {
      term(lhs);
      w_ << (n.op == "=" ? " IS NULL" : " IS NOT NULL");
      return;
    }
    term(lhs);
    w_ << ' ' << n.op << ' ';
    term(rhs);
  }

  void in_list(const expression_node& n) {
    // `IN ()` is a syntax error; an empty list matches nothing.
    if (n.list.empty()) {
      w_ << "1 = 0";
      return;
    }
    column(n);
    w_ << " IN (";
    for (std::size_t i = 0; i < n.list.size(); ++i) {
      if (i > 0) w_ << ", ";
      bind(n.list[i]);
    }
    w_ << ')';
  }

  void term(const expression_node& n) {
    if (n.what == expression_node::kind::column) return column(n);
    if (n.what == expression_node::kind::parameter) return bind(n.parameter);
    w_ << '(';
    write(n, binding::none);
    w_ << ')';
  }

  void column(const expression_node& n) {
    if (n.table == nullptr) throw error(errc::internal, "malformed expression: a column without its table");
    w_.column(*n.table, column_at(*n.table, n.column));
  }

  void bind(const value& x) {
    w_.placeholder();
    parameters_.push_back(x);
  }

  writer& w_;
  params& parameters_;
};

}  // namespace

statement compile_select(const select_spec& spec, const drivers::dialect& dialect) {
  if (spec.table == nullptr) throw error(errc::internal, "a select statement without its table");
  auto& table = *spec.table;
  statement result;
  result.text.reserve(estimate(table, 128));
  writer w{result.text, dialect};
  select_from(w, table);
  if (spec.where) {
    w << " WHERE ";
    expression_writer{w, result.parameters}.write(*spec.where, binding::none);
  }
  for (std::size_t i = 0; i < spec.order.size(); ++i) {
    auto& term = spec.order[i];
    auto& owner = term.table != nullptr ? *term.table : table;
    w << (i == 0 ? " ORDER BY " : ", ");
    w.column(owner, column_at(owner, term.column));
    if (term.descending) w << " DESC";
  }
  if (spec.limit) {
    w << " LIMIT ";
    w.placeholder();
    result.parameters.emplace_back(*spec.limit);
  }
  if (spec.offset) {
    // SQLite's grammar has OFFSET only after a LIMIT; a negative limit means none.
    if (!spec.limit && dialect.name() == "sqlite") w << " LIMIT -1";
    w << " OFFSET ";
    w.placeholder();
    result.parameters.emplace_back(*spec.offset);
  }
  return result;
}

std::string select_in(const table_info& table, std::size_t column, std::size_t count, const drivers::dialect& dialect) {
  std::string sql;
  sql.reserve(estimate(table, 16 + 6 * count));
  writer w{sql, dialect};
  select_from(w, table);
  w << " WHERE ";
  if (count == 0) {
    w << "1 = 0";  // `IN ()` is a syntax error; no keys match nothing
    return sql;
  }
  w.column(table, column_at(table, column)) << " IN (";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) w << ", ";
    w.placeholder();
  }
  w << ')';
  return sql;
}

std::string select_by_key(const table_info& table, const drivers::dialect& dialect) {
  std::string sql;
  sql.reserve(estimate(table, 16));
  writer w{sql, dialect};
  select_from(w, table);
  where_key(w, table);
  return sql;
}

std::string insert(const table_info& table, const std::vector<std::size_t>& columns, std::size_t rows,
                   const std::vector<std::size_t>& returning, const drivers::dialect& dialect) {
  if (rows == 0 || (columns.empty() && rows != 1))
    throw error(errc::internal, "INSERT INTO " + table.name() + " of " + std::to_string(rows) +
                                    " rows: DEFAULT VALUES inserts exactly one row, VALUES at least one");
  if (columns.size() * rows > dialect.max_parameters())
    throw error(errc::internal, "INSERT INTO " + table.name() + " would bind " + std::to_string(columns.size() * rows) +
                                    " parameters; " + std::string{dialect.name()} + " allows " +
                                    std::to_string(dialect.max_parameters()) + " per statement");
  std::string sql;
  sql.reserve(estimate(table, rows * columns.size() * 16 + rows * 8));
  writer w{sql, dialect};
  w << "INSERT INTO ";
  w.name(table.name());
  if (columns.empty()) {
    w << " DEFAULT VALUES";
  } else {
    w << " (";
    for (std::size_t i = 0; i < columns.size(); ++i) (i > 0 ? w << ", " : w).name(column_at(table, columns[i]).name);
    w << ')';
    bool ordered = rows > 1 && dialect.needs_ordered_insert();
    if (ordered) {
      w << " SELECT ";
      for (std::size_t i = 0; i < columns.size(); ++i) ((i > 0 ? w << ", " : w) << 'p').number(i);
      w << " FROM (VALUES ";
    } else {
      w << " VALUES ";
    }
    for (std::size_t row = 0; row < rows; ++row) {
      w << (row > 0 ? ", (" : "(");
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) w << ", ";
        w.placeholder();
        if (ordered) w << dialect.placeholder_cast(table.columns()[columns[i]].type);
      }
      if (ordered) (w << ", ").number(row);
      w << ')';
    }
    if (ordered) {
      w << ") AS v(";
      for (std::size_t i = 0; i < columns.size(); ++i) (w << 'p').number(i) << ", ";
      w << "n) ORDER BY n";
    }
  }
  if (!returning.empty()) {
    w << " RETURNING ";
    column_list(w, table, &returning);
  }
  return sql;
}

std::string update(const table_info& table, const std::vector<std::size_t>& columns, const drivers::dialect& dialect) {
  if (columns.empty()) throw error(errc::internal, "UPDATE " + table.name() + " without columns to set");
  std::string sql;
  sql.reserve(estimate(table, 32));
  writer w{sql, dialect};
  w << "UPDATE ";
  w.name(table.name()) << " SET ";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    (i > 0 ? w << ", " : w).name(column_at(table, columns[i]).name) << " = ";
    w.placeholder();
  }
  where_key(w, table);
  return sql;
}

std::string delete_by_key(const table_info& table, const drivers::dialect& dialect) {
  std::string sql;
  writer w{sql, dialect};
  w << "DELETE FROM ";
  w.name(table.name());
  where_key(w, table);
  return sql;
}

}  // namespace orca::sql

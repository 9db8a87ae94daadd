// Expressions and SELECTs of expressions to SQL: every value a placeholder, every column
// checked against the FROM before any SQL is sent.
#include "expression_writer.hpp"

#include <algorithm>

#include "joined_tables.hpp"
#include "orca/drivers/error.hpp"

namespace orca::sql {

namespace {

// The first table a result expression names (its FROM when none is given).
const table_info* first_table(const expression_node& n) {
  if (n.what == expression_node::kind::column) return n.table;
  for (auto& o : n.operands)
    if (o)
      if (auto* t = first_table(*o)) return t;
  return nullptr;
}

std::string table_names(const scope& s) {
  std::string names;
  for (auto* t : s.tables) names += (names.empty() ? "" : ", ") + t->name();
  return names;
}

void require_visible(const table_info& table, const column_info& c, const scope& visible) {
  if (!visible.contains(&table))
    throw error(errc::invalid_argument, "column " + table.name() + "." + c.name + " is not in the statement's FROM (" +
                                            table_names(visible) + "): join its table first (.join(...)), or name it " +
                                            "with .select_from<" + table.class_name() + ">()");
}

void check_node(const expression_node& n, const scope& visible) {
  if (n.what == expression_node::kind::column && n.table != nullptr)
    require_visible(*n.table, column_at(*n.table, n.column), visible);
  for (auto& o : n.operands)
    if (o) check_node(*o, visible);
}

}  // namespace

void check_select(const select_spec& spec) {
  if (spec.table == nullptr) throw error(errc::internal, "a select statement without its table");
  detail::joined_tables(spec);  // checks the loader options
  scope visible{{spec.table}, nullptr};
  if (spec.where) check_node(*spec.where, visible);
  for (auto& t : spec.order)
    if (t.expression) check_node(*t.expression, visible);
}

bool scope::contains(const table_info* table) const {
  for (auto* s = this; s != nullptr; s = s->outer)
    if (std::find(s->tables.begin(), s->tables.end(), table) != s->tables.end()) return true;
  return false;
}

const expression_node& expression_writer::operand(const expression_node& n, std::size_t i) {
  if (i >= n.operands.size() || !n.operands[i])
    throw error(errc::internal, "malformed expression: an operator is missing an operand");
  return *n.operands[i];
}

void expression_writer::write(const expression_node& n, binding context) {
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
      subject(n);
      w_ << " IS NULL";
      return;
    case k::is_not_null:
      subject(n);
      w_ << " IS NOT NULL";
      return;
    case k::in_list: return list(n, false);
    case k::not_in_list: return list(n, true);
    case k::like:
      term(operand(n, 0));
      w_ << " LIKE ";
      term(operand(n, 1));
      return;
    case k::ilike:
      // SQLite has no ILIKE, and its LIKE folds ASCII case only by default (a pragma turns
      // that off): lower() on both sides says what is meant on every build.
      if (w_.dialect().name() == "postgresql") {
        term(operand(n, 0));
        w_ << " ILIKE ";
        term(operand(n, 1));
      } else {
        w_ << "lower(";
        write(operand(n, 0), binding::none);
        w_ << ") LIKE lower(";
        write(operand(n, 1), binding::none);
        w_ << ')';
      }
      return;
    case k::between:
      term(operand(n, 0));
      w_ << " BETWEEN ";
      term(operand(n, 1));
      w_ << " AND ";
      term(operand(n, 2));
      return;
    case k::arithmetic:
      term(operand(n, 0));
      w_ << ' ' << n.op << ' ';
      term(operand(n, 1));
      return;
    case k::label: return write(operand(n, 0), context);
    case k::exists:
      w_ << "EXISTS (";
      query(*n.query);
      w_ << ')';
      return;
    case k::in_subquery:
      term(operand(n, 0));
      w_ << " IN (";
      query(*n.query);
      w_ << ')';
      return;
    case k::function:
    case k::cast:
    case k::now:
    case k::subquery:
    case k::column:
    case k::parameter: return term(n);
  }
}

void expression_writer::junction(const expression_node& n, std::string_view op, binding own, std::string_view empty,
                                 binding context) {
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

void expression_writer::compare(const expression_node& n) {
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

void expression_writer::list(const expression_node& n, bool negated) {
  // `IN ()` is a syntax error; an empty list matches nothing (NOT IN: everything).
  if (n.list.empty()) {
    w_ << (negated ? "1 = 1" : "1 = 0");
    return;
  }
  subject(n);
  w_ << (negated ? " NOT IN (" : " IN (");
  for (std::size_t i = 0; i < n.list.size(); ++i) {
    if (i > 0) w_ << ", ";
    bind(n.list[i]);
  }
  w_ << ')';
}

void expression_writer::term(const expression_node& n) {
  using k = expression_node::kind;
  switch (n.what) {
    case k::column: return column(n);
    case k::parameter: return bind(n.parameter);
    case k::function: return function(n);
    case k::cast:
      w_ << "CAST(";
      write(operand(n, 0), binding::none);
      w_ << " AS " << w_.dialect().type_name(n.type) << ')';
      return;
    case k::now: w_ << w_.dialect().now_expression(); return;
    case k::subquery:
      w_ << '(';
      query(*n.query);
      w_ << ')';
      return;
    case k::label: return term(operand(n, 0));
    default:
      w_ << '(';
      write(n, binding::none);
      w_ << ')';
  }
}

void expression_writer::function(const expression_node& n) {
  if (n.name == "COUNT DISTINCT") {
    w_ << "COUNT(DISTINCT ";
    write(operand(n, 0), binding::none);
    w_ << ')';
    return;
  }
  w_ << n.name << '(';
  if (n.operands.empty() && n.name == "COUNT") w_ << '*';
  for (std::size_t i = 0; i < n.operands.size(); ++i) {
    if (i > 0) w_ << ", ";
    write(operand(n, i), binding::none);
  }
  w_ << ')';
}

// Statements built by orca's own loaders keep the column in the node itself.
void expression_writer::subject(const expression_node& n) {
  if (n.operands.empty())
    column(n);
  else
    term(operand(n, 0));
}

void expression_writer::column(const expression_node& n) {
  if (n.table == nullptr) throw error(errc::internal, "malformed expression: a column without its table");
  auto& c = column_at(*n.table, n.column);
  if (scope_ != nullptr) require_visible(*n.table, c, *scope_);
  w_.column(*n.table, c);
}

void expression_writer::bind(const value& x) {
  w_.placeholder();
  parameters_.push_back(x);
}

void expression_writer::select_item(const expression_node& n) {
  if (n.what == expression_node::kind::label) {
    write(operand(n, 0), binding::none);
    w_ << " AS ";
    w_.name(n.name);
    return;
  }
  write(n, binding::none);
}

void expression_writer::order(const order_term& t, const table_info* fallback) {
  if (t.expression) {
    if (t.expression->what == expression_node::kind::label)
      w_.name(t.expression->name);  // the result column of that name
    else
      write(*t.expression, binding::none);
  } else {
    auto* table = t.table != nullptr ? t.table : fallback;
    if (table == nullptr) throw error(errc::internal, "an ORDER BY term without its table");
    expression_node c;
    c.what = expression_node::kind::column;
    c.table = table;
    c.column = t.column;
    column(c);
  }
  if (t.descending) w_ << " DESC";
  if (t.null_order == order_term::nulls::first) w_ << " NULLS FIRST";
  if (t.null_order == order_term::nulls::last) w_ << " NULLS LAST";
}

void expression_writer::limit_offset(const std::optional<std::int64_t>& limit,
                                     const std::optional<std::int64_t>& offset) {
  if (limit) {
    w_ << " LIMIT ";
    bind(value{*limit});
  }
  if (offset) {
    // SQLite's grammar has OFFSET only after a LIMIT; a negative limit means none.
    if (!limit && w_.dialect().name() == "sqlite") w_ << " LIMIT -1";
    w_ << " OFFSET ";
    bind(value{*offset});
  }
}

void expression_writer::query(const query_spec& q) {
  const table_info* from = q.from != nullptr ? q.from : q.entity;
  for (std::size_t i = 0; from == nullptr && i < q.columns.size(); ++i)
    if (q.columns[i]) from = first_table(*q.columns[i]);
  if (from == nullptr)
    throw error(errc::invalid_argument,
                "the query names no table to select from: add .select_from<T>() (count() alone names none)");
  scope inner{{from}, scope_};
  for (auto& j : q.joins) {
    if (j.table == nullptr) throw error(errc::internal, "a join without its table");
    inner.tables.push_back(j.table);
  }
  expression_writer sub{w_, parameters_, &inner};
  w_ << (q.distinct ? "SELECT DISTINCT " : "SELECT ");
  bool first = true;
  if (q.entity != nullptr)
    for (auto& c : q.entity->columns()) {
      if (!first) w_ << ", ";
      first = false;
      w_.column(*q.entity, c);
    }
  for (auto& c : q.columns) {
    if (!c) throw error(errc::internal, "a query with an empty result column");
    if (!first) w_ << ", ";
    first = false;
    sub.select_item(*c);
  }
  w_ << " FROM ";
  w_.name(from->name());
  for (auto& j : q.joins) {
    w_ << (j.outer ? " LEFT OUTER JOIN " : " JOIN ");
    w_.name(j.table->name()) << " ON ";
    sub.write(*j.on, binding::none);
  }
  if (q.where) {
    w_ << " WHERE ";
    sub.write(*q.where, binding::none);
  }
  for (std::size_t i = 0; i < q.group_by.size(); ++i) {
    w_ << (i == 0 ? " GROUP BY " : ", ");
    sub.write(*q.group_by[i], binding::none);
  }
  if (q.having) {
    w_ << " HAVING ";
    sub.write(*q.having, binding::none);
  }
  for (std::size_t i = 0; i < q.order.size(); ++i) {
    w_ << (i == 0 ? " ORDER BY " : ", ");
    sub.order(q.order[i], from);
  }
  sub.limit_offset(q.limit, q.offset);
}

}  // namespace orca::sql

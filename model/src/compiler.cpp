// The SQL compiler: statements and unit-of-work steps to SQL text for one dialect.
// Values only ever become bound parameters; identifiers go through dialect::identifier().
#include "orca/model/compiler.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "orca/drivers/error.hpp"

namespace orca::sql {

namespace {

// Appends SQL text and numbers placeholders in order ($1, $2, ... on PostgreSQL). Plain
// appends on one string: these functions run for every statement a session sends.
class writer {
public:
  writer(std::string& out, const drivers::dialect& dialect) : out_(out), dialect_(dialect) {}

  writer& operator<<(std::string_view text) { out_.append(text); return *this; }
  writer& operator<<(char c) { out_.push_back(c); return *this; }
  writer& name(std::string_view identifier) { dialect_.identifier(out_, identifier); return *this; }
  writer& column(const table_info& table, const column_info& c) {
    name(table.name());
    out_.push_back('.');
    return name(c.name);
  }
  writer& placeholder() { dialect_.placeholder(out_, next_++); return *this; }
  writer& number(std::size_t n) {
    char digits[24];
    out_.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    return *this;
  }
  const drivers::dialect& dialect() const noexcept { return dialect_; }

private:
  std::string& out_;
  const drivers::dialect& dialect_;
  std::size_t next_ = 1;
};

const column_info& column_at(const table_info& table, std::size_t ordinal) {
  if (ordinal >= table.columns().size())
    throw error(errc::internal, "column ordinal " + std::to_string(ordinal) + " is out of range for table " +
                                    table.name() + " (" + std::to_string(table.columns().size()) + " columns)");
  return table.columns()[ordinal];
}

// "a.id, a.data, a.create_date": every column, in ordinal order, as loaders read them.
void column_list(writer& w, const table_info& table, const std::vector<std::size_t>* ordinals = nullptr) {
  auto count = ordinals != nullptr ? ordinals->size() : table.columns().size();
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0)
      w << ", ";
    w.column(table, column_at(table, ordinals != nullptr ? (*ordinals)[i] : i));
  }
}

void select_from(writer& w, const table_info& table) {
  w << "SELECT ";
  column_list(w, table);
  w << " FROM ";
  w.name(table.name());
}

// " WHERE a.id = ?": how UPDATE, DELETE and refresh find one row.
void where_key(writer& w, const table_info& table) {
  w << " WHERE ";
  w.column(table, table.primary_key()) << " = ";
  w.placeholder();
}

std::size_t estimate(const table_info& table, std::size_t extra) {
  return 32 + table.columns().size() * (2 * table.name().size() + 24) + extra;
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
      case k::is_null: column(n); w_ << " IS NULL"; return;
      case k::is_not_null: column(n); w_ << " IS NOT NULL"; return;
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

  void junction(const expression_node& n, std::string_view op, binding own, std::string_view empty,
                binding context) {
    if (n.operands.empty()) {
      w_ << empty;
      return;
    }
    bool parenthesise = n.operands.size() > 1 && static_cast<int>(context) > static_cast<int>(own);
    if (parenthesise)
      w_ << '(';
    for (std::size_t i = 0; i < n.operands.size(); ++i) {
      if (i > 0)
        w_ << op;
      write(operand(n, i), own);
    }
    if (parenthesise)
      w_ << ')';
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
      if (i > 0)
        w_ << ", ";
      bind(n.list[i]);
    }
    w_ << ')';
  }

  void term(const expression_node& n) {
    if (n.what == expression_node::kind::column)
      return column(n);
    if (n.what == expression_node::kind::parameter)
      return bind(n.parameter);
    w_ << '(';
    write(n, binding::none);
    w_ << ')';
  }

  void column(const expression_node& n) {
    if (n.table == nullptr)
      throw error(errc::internal, "malformed expression: a column without its table");
    w_.column(*n.table, column_at(*n.table, n.column));
  }

  void bind(const value& x) {
    w_.placeholder();
    parameters_.push_back(x);
  }

  writer& w_;
  params& parameters_;
};

// A literal for DDL, where parameters cannot be bound (server defaults).
void literal(writer& w, const value& x) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (x.type()) {
    case value_type::null: w << "NULL"; return;
    case value_type::integer: w << std::to_string(x.as_integer()); return;
    case value_type::boolean: w << (x.as_boolean() ? "TRUE" : "FALSE"); return;
    case value_type::real: {
      if (!std::isfinite(x.as_real()))
        throw error(errc::invalid_argument, "a server default must be a finite number");
      char buffer[32];
      auto end = std::to_chars(buffer, buffer + sizeof buffer, x.as_real()).ptr;
      w << std::string_view(buffer, static_cast<std::size_t>(end - buffer));
      return;
    }
    case value_type::text:
    case value_type::time: {
      auto text = x.type() == value_type::text ? x.as_text() : format_timestamp(x.as_timestamp());
      w << '\'';
      for (char c : text)
        w << (c == '\'' ? std::string_view{"''"} : std::string_view{&c, 1});
      w << '\'';
      return;
    }
    case value_type::binary: {
      // SQLite reads X'..' as a blob; PostgreSQL reads it as a bit string, so it gets
      // bytea's hex input format instead.
      bool postgresql = w.dialect().name() == "postgresql";
      w << (postgresql ? "'\\x" : "X'");
      for (auto byte : x.as_blob().bytes)
        w << hex[byte >> 4] << hex[byte & 0xf];
      w << (postgresql ? "'::BYTEA" : "'");
      return;
    }
  }
}

void column_definition(writer& w, const column_info& c) {
  w.name(c.name) << ' ';
  if (c.primary_key && c.autoincrement) {
    w << w.dialect().autoincrement_primary_key();
  } else {
    w << w.dialect().type_name(c.type);
    if (c.server_default) {
      w << " DEFAULT ";
      if (c.server_default->what == server_default::kind::now)
        w << w.dialect().now_expression();
      else
        literal(w, c.server_default->literal);
    }
    if (!c.nullable || c.primary_key)
      w << " NOT NULL";
    if (c.primary_key)
      w << " PRIMARY KEY";
  }
  if (c.unique && !c.primary_key)
    w << " UNIQUE";
}

}  // namespace

statement compile_select(const select_spec& spec, const drivers::dialect& dialect) {
  if (spec.table == nullptr)
    throw error(errc::internal, "a select statement without its table");
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
    if (term.descending)
      w << " DESC";
  }
  if (spec.limit) {
    w << " LIMIT ";
    w.placeholder();
    result.parameters.emplace_back(*spec.limit);
  }
  if (spec.offset) {
    // SQLite's grammar has OFFSET only after a LIMIT; a negative limit means none.
    if (!spec.limit && dialect.name() == "sqlite")
      w << " LIMIT -1";
    w << " OFFSET ";
    w.placeholder();
    result.parameters.emplace_back(*spec.offset);
  }
  return result;
}

std::string select_in(const table_info& table, std::size_t column, std::size_t count,
                      const drivers::dialect& dialect) {
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
    if (i > 0)
      w << ", ";
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
    throw error(errc::internal, "INSERT INTO " + table.name() + " would bind " +
                                    std::to_string(columns.size() * rows) + " parameters; " +
                                    std::string{dialect.name()} + " allows " +
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
    for (std::size_t i = 0; i < columns.size(); ++i)
      (i > 0 ? w << ", " : w).name(column_at(table, columns[i]).name);
    w << ')';
    bool ordered = rows > 1 && dialect.needs_ordered_insert();
    if (ordered) {
      w << " SELECT ";
      for (std::size_t i = 0; i < columns.size(); ++i)
        ((i > 0 ? w << ", " : w) << 'p').number(i);
      w << " FROM (VALUES ";
    } else {
      w << " VALUES ";
    }
    for (std::size_t row = 0; row < rows; ++row) {
      w << (row > 0 ? ", (" : "(");
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0)
          w << ", ";
        w.placeholder();
        if (ordered)
          w << dialect.placeholder_cast(table.columns()[columns[i]].type);
      }
      if (ordered)
        (w << ", ").number(row);
      w << ')';
    }
    if (ordered) {
      w << ") AS v(";
      for (std::size_t i = 0; i < columns.size(); ++i)
        (w << 'p').number(i) << ", ";
      w << "n) ORDER BY n";
    }
  }
  if (!returning.empty()) {
    w << " RETURNING ";
    column_list(w, table, &returning);
  }
  return sql;
}

std::string update(const table_info& table, const std::vector<std::size_t>& columns,
                   const drivers::dialect& dialect) {
  if (columns.empty())
    throw error(errc::internal, "UPDATE " + table.name() + " without columns to set");
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

std::string create_table(const table_info& table, bool if_not_exists, const drivers::dialect& dialect) {
  std::string sql;
  sql.reserve(estimate(table, 64));
  writer w{sql, dialect};
  w << (if_not_exists ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
  w.name(table.name()) << " (";
  for (std::size_t i = 0; i < table.columns().size(); ++i) {
    if (i > 0)
      w << ", ";
    column_definition(w, table.columns()[i]);
  }
  for (auto& c : table.columns()) {
    if (!c.foreign_key)
      continue;
    auto& target = c.foreign_key->target();
    w << ", FOREIGN KEY(";
    w.name(c.name) << ") REFERENCES ";
    w.name(target.name()) << " (";
    w.name(c.foreign_key->column) << ')';
  }
  w << ')';
  return sql;
}

std::vector<std::string> create_indexes(const table_info& table, bool if_not_exists,
                                        const drivers::dialect& dialect) {
  std::vector<std::string> result;
  for (auto& c : table.columns()) {
    // The primary key is indexed by its constraint already.
    if (c.primary_key || (!c.indexed && !c.foreign_key))
      continue;
    auto& sql = result.emplace_back();
    writer w{sql, dialect};
    w << (if_not_exists ? "CREATE INDEX IF NOT EXISTS " : "CREATE INDEX ");
    w.name("ix_" + table.name() + "_" + c.name) << " ON ";
    w.name(table.name()) << " (";
    w.name(c.name) << ')';
  }
  return result;
}

std::string drop_table(const table_info& table, bool if_exists, const drivers::dialect& dialect) {
  std::string sql;
  writer w{sql, dialect};
  w << (if_exists ? "DROP TABLE IF EXISTS " : "DROP TABLE ");
  w.name(table.name());
  return sql;
}

}  // namespace orca::sql

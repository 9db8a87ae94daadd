// The SQL compiler: statements and unit-of-work steps to SQL text for one dialect.
// Values only ever become bound parameters; identifiers go through dialect::identifier().
#include "orca/model/compiler.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "orca/drivers/error.hpp"
#include "expression_writer.hpp"
#include "joined_tables.hpp"
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

// " IN (?, ..., ?)" with `count` placeholders.
void in_list(writer& w, std::size_t count) {
  w << " IN (";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) w << ", ";
    w.placeholder();
  }
  w << ')';
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

// UPDATE and DELETE of a versioned class also require the version the session knows.
void where_key_and_version(writer& w, const table_info& table) {
  where_key(w, table);
  if (const auto* version = table.version_column()) {
    w << " AND ";
    w.column(table, *version) << " = ";
    w.placeholder();
  }
}

// " ORDER BY ..." of an object statement.
void order_by(expression_writer& expressions, writer& w, const select_spec& spec) {
  for (std::size_t i = 0; i < spec.order.size(); ++i) {
    w << (i == 0 ? " ORDER BY " : ", ");
    expressions.order(spec.order[i], spec.table);
  }
}

// "SELECT <columns> FROM t [WHERE] [ORDER BY] [LIMIT OFFSET]" of one class.
void plain_select(writer& w, params& parameters, const select_spec& spec) {
  auto& table = *spec.table;
  select_from(w, table);
  // A condition may name only this table: a column of another one is an error here, before
  // any SQL is sent, rather than "no such column" from the server.
  scope visible{{&table}, nullptr};
  expression_writer expressions{w, parameters, &visible};
  if (spec.where) {
    w << " WHERE ";
    expressions.write(*spec.where, binding::none);
  }
  order_by(expressions, w, spec);
  expressions.limit_offset(spec.limit, spec.offset);
}

// joinedload: the class's columns, then each joined table's under its alias, with one
// LEFT OUTER JOIN per relationship. With limit/offset and a joined collection, the class's
// own SELECT becomes a subquery named as its table (so that the conditions and ordering
// still name it), and the limit counts objects, not joined rows (SQLAlchemy does the same).
statement compile_joined_select(const select_spec& spec, const drivers::dialect& dialect) {
  auto tables = detail::joined_tables(spec);
  auto& table = *spec.table;
  bool postgresql = dialect.name() == "postgresql";
  bool wrapped = (spec.limit || spec.offset) && detail::joins_collection(spec);
  statement result;
  result.text.reserve(estimate(table, 128 * tables.size()));
  writer w{result.text, dialect};
  w << "SELECT ";
  for (std::size_t t = 0; t < tables.size(); ++t)
    for (auto& c : tables[t].table->columns()) {
      if (t > 0 || c.ordinal > 0) w << ", ";
      w.name(tables[t].alias) << '.';
      w.name(c.name);
    }
  w << " FROM ";
  if (wrapped) {
    w << '(';
    plain_select(w, result.parameters, spec);
    // The subquery locks its rows (PostgreSQL refuses FOR UPDATE on an outer join's nullable side).
    if (spec.for_update && postgresql) w << " FOR UPDATE";
    w << ") AS ";
  }
  w.name(table.name());
  for (std::size_t t = 1; t < tables.size(); ++t) {
    auto& joined = tables[t];
    auto& rel = *joined.relationship;
    auto& parent = tables[joined.parent];
    w << " LEFT OUTER JOIN ";
    w.name(joined.table->name()) << " AS ";
    w.name(joined.alias) << " ON ";
    // one-to-many: parent.key = child.fk; many-to-one: owner.fk = target.key.
    bool reference = rel.kind == relationship_kind::many_to_one;
    auto& left = reference ? parent.table->columns()[rel.foreign_key] : parent.table->primary_key();
    auto& right = reference ? joined.table->primary_key() : joined.table->columns()[rel.foreign_key];
    w.name(parent.alias) << '.';
    w.name(left.name) << " = ";
    w.name(joined.alias) << '.';
    w.name(right.name);
  }
  scope visible{{&table}, nullptr};
  expression_writer expressions{w, result.parameters, &visible};
  if (!wrapped && spec.where) {
    w << " WHERE ";
    expressions.write(*spec.where, binding::none);
  }
  order_by(expressions, w, spec);
  if (!wrapped) {
    expressions.limit_offset(spec.limit, spec.offset);
    // Only the class's rows are locked: PostgreSQL refuses to lock an outer join's nullable side.
    if (spec.for_update && postgresql) {
      w << " FOR UPDATE OF ";
      w.name(table.name());
    }
  }
  return result;
}

}  // namespace

statement compile_select(const select_spec& spec, const drivers::dialect& dialect) {
  if (spec.table == nullptr) throw error(errc::internal, "a select statement without its table");
  statement result;
  if (detail::has_joined_loads(spec)) {
    result = compile_joined_select(spec, dialect);
  } else {
    result.text.reserve(estimate(*spec.table, 128));
    writer w{result.text, dialect};
    plain_select(w, result.parameters, spec);
    // SQLite has no row locks (its transactions take the database's write lock instead).
    if (spec.for_update && dialect.name() == "postgresql") w << " FOR UPDATE";
  }
  check_parameter_count(result.parameters.size(), dialect, "a select<" + spec.table->class_name() + ">()");
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
  w.column(table, column_at(table, column));
  in_list(w, count);
  return sql;
}

std::string select_between(const table_info& table, std::size_t column, const drivers::dialect& dialect) {
  std::string sql;
  sql.reserve(estimate(table, 40));
  writer w{sql, dialect};
  select_from(w, table);
  w << " WHERE ";
  w.column(table, column_at(table, column)) << " BETWEEN ";
  w.placeholder() << " AND ";
  w.placeholder();
  return sql;
}

std::string select_secondary_in(const relationship_info& rel, std::size_t count, const drivers::dialect& dialect) {
  auto& target = rel.target();
  auto& association = rel.secondary->table();
  auto& owner_column = column_at(association, rel.secondary->owner_column);
  std::string sql;
  sql.reserve(estimate(target, 96 + 6 * count));
  writer w{sql, dialect};
  w << "SELECT ";
  column_list(w, target);
  w << ", ";
  w.column(association, owner_column) << " FROM ";
  w.name(target.name()) << " JOIN ";
  w.name(association.name()) << " ON ";
  w.column(association, column_at(association, rel.secondary->target_column)) << " = ";
  w.column(target, target.primary_key()) << " WHERE ";
  if (count == 0) {
    w << "1 = 0";
    return sql;
  }
  w.column(association, owner_column);
  in_list(w, count);
  return sql;
}

std::string insert_pairs(const table_info& association, std::size_t a, std::size_t b, std::size_t rows,
                         const drivers::dialect& dialect) {
  if (rows == 0 || 2 * rows > dialect.max_parameters())
    throw error(errc::internal, "INSERT INTO " + association.name() + " of " + std::to_string(rows) + " rows");
  std::string sql;
  sql.reserve(64 + rows * 16);
  writer w{sql, dialect};
  w << "INSERT INTO ";
  w.name(association.name()) << " (";
  w.name(column_at(association, a).name) << ", ";
  w.name(column_at(association, b).name) << ") VALUES ";
  for (std::size_t r = 0; r < rows; ++r) {
    w << (r > 0 ? ", (" : "(");
    w.placeholder() << ", ";
    w.placeholder() << ')';
  }
  w << " ON CONFLICT DO NOTHING";
  return sql;
}

std::string delete_pair(const table_info& association, std::size_t a, std::size_t b, const drivers::dialect& dialect) {
  std::string sql;
  writer w{sql, dialect};
  w << "DELETE FROM ";
  w.name(association.name()) << " WHERE ";
  w.column(association, column_at(association, a)) << " = ";
  w.placeholder() << " AND ";
  w.column(association, column_at(association, b)) << " = ";
  w.placeholder();
  return sql;
}

std::string delete_where(const table_info& table, std::size_t column, const drivers::dialect& dialect) {
  std::string sql;
  writer w{sql, dialect};
  w << "DELETE FROM ";
  w.name(table.name()) << " WHERE ";
  w.column(table, column_at(table, column)) << " = ";
  w.placeholder();
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

namespace {

// "(?, ?), (?, ?), ...": `rows` rows of a placeholder per column, each cast to its column's
// type with `cast` (a VALUES list in FROM has no column to take a type from), each ending
// with its row number with `numbered` (to ORDER BY).
void values_rows(writer& w, const std::vector<const column_info*>& columns, std::size_t rows, bool cast,
                 bool numbered) {
  for (std::size_t row = 0; row < rows; ++row) {
    w << (row > 0 ? ", (" : "(");
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) w << ", ";
      w.placeholder();
      if (cast) w << w.dialect().placeholder_cast(columns[i]->type);
    }
    if (numbered) (w << ", ").number(row);
    w << ')';
  }
}

// "p0, p1, ...": the names of a VALUES list's `count` columns.
void value_names(writer& w, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) ((i > 0 ? w << ", " : w) << 'p').number(i);
}

std::vector<const column_info*> columns_at(const table_info& table, const std::vector<std::size_t>& ordinals) {
  std::vector<const column_info*> columns;
  columns.reserve(ordinals.size());
  for (auto c : ordinals) columns.push_back(&column_at(table, c));
  return columns;
}

}  // namespace

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
      value_names(w, columns.size());
      w << " FROM (VALUES ";
    } else {
      w << " VALUES ";
    }
    values_rows(w, columns_at(table, columns), rows, ordered, ordered);
    if (ordered) {
      w << ") AS v(";
      value_names(w, columns.size());
      w << ", n) ORDER BY n";
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
  where_key_and_version(w, table);
  return sql;
}

std::string update_from_values(const table_info& table, const std::vector<std::size_t>& columns, std::size_t rows,
                               const drivers::dialect& dialect) {
  if (columns.empty() || rows == 0)
    throw error(errc::internal, "UPDATE " + table.name() + " ... FROM (VALUES ...) without columns or rows");
  const auto& keys = table.primary_key_columns();
  const auto* version = table.version_column();
  // A row's values: the key's columns, the columns to set, then the next and known version.
  auto row = columns_at(table, keys);
  for (auto c : columns) row.push_back(&column_at(table, c));
  if (version) row.insert(row.end(), {version, version});
  std::string sql;
  sql.reserve(estimate(table, 64 + rows * row.size() * 16));
  writer w{sql, dialect};
  auto value = [&](std::size_t i) -> writer& { return (w << "orca_v.p").number(i); };
  w << "UPDATE ";
  w.name(table.name()) << " SET ";
  for (std::size_t i = keys.size(); i < keys.size() + columns.size() + (version ? 1 : 0); ++i) {
    (i > keys.size() ? w << ", " : w).name(row[i]->name) << " = ";
    value(i);
  }
  w << " FROM (VALUES ";
  values_rows(w, row, rows, true, false);
  w << ") AS orca_v(";
  value_names(w, row.size());
  w << ") WHERE ";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    (i > 0 ? w << " AND " : w).column(table, *row[i]) << " = ";
    value(i);
  }
  if (version) {
    w << " AND ";
    w.column(table, *version) << " = ";
    value(row.size() - 1);
  }
  return sql;
}

std::string delete_by_key(const table_info& table, const drivers::dialect& dialect) {
  std::string sql;
  writer w{sql, dialect};
  w << "DELETE FROM ";
  w.name(table.name());
  where_key_and_version(w, table);
  return sql;
}

}  // namespace orca::sql

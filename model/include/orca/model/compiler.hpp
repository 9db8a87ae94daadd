// The SQL compiler: turns statements and unit-of-work steps into SQL text for one dialect.
// Values are always bound parameters; only identifiers (quoted as needed) enter the text.
// Used by the loaders (loading.hpp), the unit of work and metadata.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "orca/drivers/dialect.hpp"
#include "orca/drivers/value.hpp"
#include "orca/model/query_request.hpp"
#include "orca/model/select.hpp"
#include "orca/model/table.hpp"

namespace orca::sql {

/// SQL text with its parameters in placeholder order.
struct statement {
  std::string text;
  params parameters;
};

/// `SELECT a.id, a.data, ... FROM a [WHERE ...] [ORDER BY ...] [LIMIT ? OFFSET ?]`;
/// the select list is every column of the table in ordinal order.
statement compile_select(const select_spec& spec, const drivers::dialect& dialect);

/// Throws invalid_argument if the statement's conditions or ordering name a column of
/// another table (what compile_select would refuse), without compiling it: sessions check
/// before they send BEGIN.
void check_select(const select_spec& spec);

/// `SELECT [DISTINCT] <expressions> FROM t [JOIN ...] [WHERE] [GROUP BY] [HAVING] [ORDER BY]
/// [LIMIT OFFSET]`; throws invalid_argument for a column of a table not in the FROM.
statement compile_query(const query_spec& query, const drivers::dialect& dialect);

/// `UPDATE t SET ... WHERE ... RETURNING <all columns>` or `DELETE FROM t WHERE ...
/// RETURNING t.<pk>`: the rows come back so that the session can bring its objects in step.
statement compile_bulk(const bulk_spec& bulk, const drivers::dialect& dialect);

/// SQL text with each `:name` replaced by a placeholder bound to that parameter (from
/// `parameters`, else from text.bind(); quoted
/// literals, `--` comments and PostgreSQL's `::` casts are left alone); throws
/// invalid_argument for a name without a parameter.
statement compile_text(const text_statement& text, const text_parameters& parameters, const drivers::dialect& dialect);

/// `SELECT <all columns> FROM t WHERE t.<column> IN (?, ..., ?)` with `count` placeholders.
std::string select_in(const table_info& table, std::size_t column, std::size_t count, const drivers::dialect& dialect);
/// `SELECT <all columns> FROM t WHERE t.<column> BETWEEN ? AND ?`: select_in() of keys
/// that are consecutive integers, read from one range of the column's index.
std::string select_between(const table_info& table, std::size_t column, const drivers::dialect& dialect);

/// Many-to-many selectin: `SELECT <target's columns>, s.<owner column> FROM target JOIN s ON
/// s.<target column> = target.<pk> WHERE s.<owner column> IN (?, ..., ?)` (`count`
/// placeholders; s is the relationship's association table).
std::string select_secondary_in(const relationship_info& rel, std::size_t count, const drivers::dialect& dialect);

/// `INSERT INTO s (a, b) VALUES (?, ?), ... ON CONFLICT DO NOTHING`: `rows` association
/// rows; a pair that exists already is left alone.
std::string insert_pairs(const table_info& association, std::size_t a, std::size_t b, std::size_t rows,
                         const drivers::dialect& dialect);

/// `DELETE FROM s WHERE s.a = ? AND s.b = ?` (one association row).
std::string delete_pair(const table_info& association, std::size_t a, std::size_t b, const drivers::dialect& dialect);

/// `DELETE FROM t WHERE t.<column> = ?`.
std::string delete_where(const table_info& table, std::size_t column, const drivers::dialect& dialect);

/// `SELECT <all columns> FROM t WHERE t.<pk> = ?`.
std::string select_by_key(const table_info& table, const drivers::dialect& dialect);

/// Multi-row `INSERT INTO t (c1, c2) VALUES (?, ?), (?, ?) RETURNING t.<r1>, t.<r2>`
/// (`rows` rows of `columns`). Where the dialect needs_ordered_insert(), it is spelled
/// `INSERT ... SELECT p0, p1 FROM (VALUES (?, ?, 0), ...) AS v(p0, p1, n) ORDER BY n
/// RETURNING ...` so that generated keys ascend in row order. With no columns at all the
/// rows are inserted with DEFAULT VALUES (one row per statement: rows must be 1).
/// An empty `returning` leaves RETURNING out.
std::string insert(const table_info& table, const std::vector<std::size_t>& columns, std::size_t rows,
                   const std::vector<std::size_t>& returning, const drivers::dialect& dialect);

/// `UPDATE t SET c1 = ?, c2 = ? WHERE t.<pk> = ?`.
std::string update(const table_info& table, const std::vector<std::size_t>& columns, const drivers::dialect& dialect);

/// `UPDATE t SET c = orca_v.p1 FROM (VALUES ($1::BIGINT, $2::VARCHAR), ...) AS orca_v(p0,
/// p1) WHERE t.<pk> = orca_v.p0` for `rows` rows of the key's columns and `columns`, each
/// placeholder cast to its column's type. A versioned class adds the next and the known
/// version to each row: `SET ..., version = orca_v.p2 ... AND t.version = orca_v.p3`.
std::string update_from_values(const table_info& table, const std::vector<std::size_t>& columns, std::size_t rows,
                               const drivers::dialect& dialect);

/// `DELETE FROM t WHERE t.<pk> = ?`.
std::string delete_by_key(const table_info& table, const drivers::dialect& dialect);

/// `CREATE TABLE [IF NOT EXISTS] t (...)` with keys, defaults, NOT NULL, UNIQUE, FOREIGN KEY.
std::string create_table(const table_info& table, bool if_not_exists, const drivers::dialect& dialect);
/// `CREATE INDEX [IF NOT EXISTS] ix_t_c ON t (c)` for every indexed column (and every
/// foreign key column: joins and selectin loads filter on them).
std::vector<std::string> create_indexes(const table_info& table, bool if_not_exists, const drivers::dialect& dialect);
/// `DROP TABLE [IF EXISTS] t`.
std::string drop_table(const table_info& table, bool if_exists, const drivers::dialect& dialect);

}  // namespace orca::sql

// The compiler's part for queries of expressions, bulk UPDATE/DELETE and SQL text with
// named parameters. Every value is a bound parameter.
#include <cctype>

#include "expression_writer.hpp"
#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"
#include "sql_writer.hpp"

namespace orca::sql {

statement compile_query(const query_spec& query, const drivers::dialect& dialect) {
  statement result;
  result.text.reserve(256);
  writer w{result.text, dialect};
  expression_writer{w, result.parameters}.query(query);
  check_parameter_count(result.parameters.size(), dialect, "a select() of columns");
  return result;
}

statement compile_bulk(const bulk_spec& bulk, const drivers::dialect& dialect) {
  if (bulk.table == nullptr) throw error(errc::internal, "a bulk statement without its table");
  auto& table = *bulk.table;
  statement result;
  result.text.reserve(estimate(table, 128));
  writer w{result.text, dialect};
  scope visible{{&table}, nullptr};
  expression_writer expressions{w, result.parameters, &visible};
  if (bulk.what == bulk_spec::kind::update) {
    if (bulk.values.empty())
      throw error(errc::invalid_argument,
                  "update<" + table.class_name() + ">() sets nothing: add .values(orca::set(...))");
    w << "UPDATE ";
    w.name(table.name()) << " SET ";
    for (std::size_t i = 0; i < bulk.values.size(); ++i) {
      auto& a = bulk.values[i];
      if (a.table != &table)
        throw error(errc::invalid_argument,
                    "update<" + table.class_name() + ">() can only set members of " + table.class_name());
      (i > 0 ? w << ", " : w).name(column_at(table, a.column).name) << " = ";
      expressions.write(*a.value, binding::none);
    }
  } else {
    w << "DELETE FROM ";
    w.name(table.name());
  }
  if (bulk.where) {
    w << " WHERE ";
    expressions.write(*bulk.where, binding::none);
  }
  // The rows it changed come back, so that the session can bring its objects in step:
  // every column of an UPDATE, the key of a DELETE; then what the caller asked for.
  w << " RETURNING ";
  if (bulk.what == bulk_spec::kind::update) {
    for (std::size_t i = 0; i < table.columns().size(); ++i) (i > 0 ? w << ", " : w).column(table, table.columns()[i]);
  } else {
    auto& key = table.primary_key_columns();
    for (std::size_t i = 0; i < key.size(); ++i) (i > 0 ? w << ", " : w).column(table, table.columns()[key[i]]);
  }
  for (auto& x : bulk.returning) {
    w << ", ";
    expressions.write(*x, binding::none);
  }
  check_parameter_count(
      result.parameters.size(), dialect,
      (bulk.what == bulk_spec::kind::update ? "an update<" : "a delete<") + table.class_name() + ">()");
  return result;
}

namespace {
const value* find_parameter(const text_parameters& parameters, std::string_view name) {
  for (auto& p : parameters)
    if (p.first == name) return &p.second;
  return nullptr;
}
}  // namespace

statement compile_text(const text_statement& text, const text_parameters& parameters, const drivers::dialect& dialect) {
  statement result;
  auto& sql = text.sql;
  result.text.reserve(sql.size() + 16);
  writer w{result.text, dialect};
  auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  for (std::size_t i = 0; i < sql.size();) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      // A literal or quoted identifier goes through untouched ('' inside reopens it).
      auto end = sql.find(c, i + 1);
      end = end == std::string::npos ? sql.size() : end + 1;
      w << std::string_view{sql}.substr(i, end - i);
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      auto end = sql.find('\n', i);
      end = end == std::string::npos ? sql.size() : end;
      w << std::string_view{sql}.substr(i, end - i);
      i = end;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      w << "::";  // PostgreSQL's cast
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && is_name(sql[i + 1]) &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1])) == 0) {
      auto end = i + 1;
      while (end < sql.size() && is_name(sql[end])) ++end;
      auto name = std::string_view{sql}.substr(i + 1, end - i - 1);
      auto found = find_parameter(parameters, name);
      if (found == nullptr) found = find_parameter(text.bound, name);
      if (found == nullptr)
        throw error(errc::invalid_argument,
                    "the SQL text names :" + std::string{name} + " but no parameter of that name was given");
      w.placeholder();
      result.parameters.push_back(*found);
      i = end;
    } else {
      w << c;
      ++i;
    }
  }
  return result;
}

}  // namespace orca::sql

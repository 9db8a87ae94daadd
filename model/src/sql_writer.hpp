// sql::writer: appends SQL text with dialect-quoted names and numbered placeholders.
// Private to the model library: used by compiler.cpp (statements) and ddl.cpp (DDL).
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "orca/drivers/dialect.hpp"
#include "orca/drivers/error.hpp"
#include "orca/model/table.hpp"

namespace orca::sql {

// Appends SQL text and numbers placeholders in order ($1, $2, ... on PostgreSQL). Plain
// appends on one string: these functions run for every statement a session sends.
class writer {
public:
  writer(std::string& out, const drivers::dialect& dialect) : out_(out), dialect_(dialect) {}

  writer& operator<<(std::string_view text) {
    out_.append(text);
    return *this;
  }
  writer& operator<<(char c) {
    out_.push_back(c);
    return *this;
  }
  writer& name(std::string_view identifier) {
    dialect_.identifier(out_, identifier);
    return *this;
  }
  writer& column(const table_info& table, const column_info& c) {
    name(table.name());
    out_.push_back('.');
    return name(c.name);
  }
  writer& placeholder() {
    dialect_.placeholder(out_, next_++);
    return *this;
  }
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

inline const column_info& column_at(const table_info& table, std::size_t ordinal) {
  if (ordinal >= table.columns().size())
    throw error(errc::internal, "column ordinal " + std::to_string(ordinal) + " is out of range for table " +
                                    table.name() + " (" + std::to_string(table.columns().size()) + " columns)");
  return table.columns()[ordinal];
}

/// Refuses a statement that binds more parameters than the dialect allows in one statement
/// (SQLite 32766, PostgreSQL 65535), naming `what` and the limit, before the driver fails
/// in its own words. orca does not split such a statement: an IN list cut into several
/// queries would break their ORDER BY, LIMIT and aggregates.
inline void check_parameter_count(std::size_t count, const drivers::dialect& dialect, std::string_view what) {
  if (count > dialect.max_parameters())
    throw error(errc::invalid_argument,
                std::string{what} + " binds " + std::to_string(count) + " parameters; " + std::string{dialect.name()} +
                    " allows at most " + std::to_string(dialect.max_parameters()) +
                    " in one statement: use a shorter IN list (or several queries), or in(select(...))");
}

/// Room for a statement over `table`'s columns plus `extra` characters.
inline std::size_t estimate(const table_info& table, std::size_t extra) {
  return 32 + table.columns().size() * (2 * table.name().size() + 24) + extra;
}

}  // namespace orca::sql

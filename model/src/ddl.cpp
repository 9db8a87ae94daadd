// DDL: CREATE TABLE / CREATE INDEX / DROP TABLE for one dialect, used by metadata's
// create_all and drop_all. Server defaults are the only values spelled as literals.
#include <cmath>

#include "orca/model/compiler.hpp"
#include "sql_writer.hpp"

namespace orca::sql {

namespace {

// A literal for DDL, where parameters cannot be bound (server defaults).
void literal(writer& w, const value& x) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (x.type()) {
    case value_type::null: w << "NULL"; return;
    case value_type::integer: w << std::to_string(x.as_integer()); return;
    case value_type::boolean: w << (x.as_boolean() ? "TRUE" : "FALSE"); return;
    case value_type::real: {
      if (!std::isfinite(x.as_real())) throw error(errc::invalid_argument, "a server default must be a finite number");
      char buffer[32];
      auto end = std::to_chars(buffer, buffer + sizeof buffer, x.as_real()).ptr;
      w << std::string_view(buffer, static_cast<std::size_t>(end - buffer));
      return;
    }
    case value_type::text:
    case value_type::time: {
      auto text = x.type() == value_type::text ? x.as_text() : format_timestamp(x.as_timestamp());
      w << '\'';
      for (char c : text) w << (c == '\'' ? std::string_view{"''"} : std::string_view{&c, 1});
      w << '\'';
      return;
    }
    case value_type::date:
    case value_type::json: break;  // never a value's type: dates and JSON travel as text
    case value_type::uuid: {
      // PostgreSQL reads the quoted text form as a uuid; SQLite stores UUIDs as 16-byte blobs.
      auto u = x.as_uuid();
      if (w.dialect().name() == "postgresql") {
        w << '\'' << to_string(u) << "'::UUID";
        return;
      }
      literal(w, value{blob{{u.bytes.begin(), u.bytes.end()}}});
      return;
    }
    case value_type::binary: {
      // SQLite reads X'..' as a blob; PostgreSQL reads it as a bit string, so it gets
      // bytea's hex input format instead.
      bool postgresql = w.dialect().name() == "postgresql";
      w << (postgresql ? "'\\x" : "X'");
      for (auto byte : x.as_blob().bytes) w << hex[byte >> 4] << hex[byte & 0xf];
      w << (postgresql ? "'::BYTEA" : "'");
      return;
    }
  }
}

// `inline_key`: a single-column key is declared on its column, a composite one after them.
void column_definition(writer& w, const column_info& c, bool inline_key) {
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
    if (!c.nullable || c.primary_key) w << " NOT NULL";
    if (c.primary_key && inline_key) w << " PRIMARY KEY";
  }
  if (c.unique && !c.primary_key) w << " UNIQUE";
}

}  // namespace

std::string create_table(const table_info& table, bool if_not_exists, const drivers::dialect& dialect) {
  std::string sql;
  sql.reserve(estimate(table, 64));
  writer w{sql, dialect};
  w << (if_not_exists ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
  w.name(table.name()) << " (";
  auto& key_columns = table.primary_key_columns();
  for (std::size_t i = 0; i < table.columns().size(); ++i) {
    if (i > 0) w << ", ";
    column_definition(w, table.columns()[i], key_columns.size() == 1);
  }
  if (key_columns.size() > 1) {
    w << ", PRIMARY KEY(";
    for (auto c : key_columns) {
      if (c != key_columns.front()) w << ", ";
      w.name(table.columns()[c].name);
    }
    w << ')';
  }
  for (auto& c : table.columns()) {
    if (!c.foreign_key) continue;
    // A composite foreign key is one constraint, written at its first column.
    auto& group = c.foreign_key->composite;
    if (!group.empty() && group.front() != c.ordinal) continue;
    std::vector<std::size_t> own = group.empty() ? std::vector<std::size_t>{c.ordinal} : group;
    w << ", FOREIGN KEY(";
    for (auto o : own) {
      if (o != own.front()) w << ", ";
      w.name(table.columns()[o].name);
    }
    w << ") REFERENCES ";
    w.name(c.foreign_key->target().name()) << " (";
    for (auto o : own) {
      if (o != own.front()) w << ", ";
      w.name(table.columns()[o].foreign_key->column);
    }
    w << ')';
    if (c.foreign_key->on_delete_action == on_delete::cascade) w << " ON DELETE CASCADE";
    if (c.foreign_key->on_delete_action == on_delete::set_null) w << " ON DELETE SET NULL";
  }
  w << ')';
  return sql;
}

std::vector<std::string> create_indexes(const table_info& table, bool if_not_exists, const drivers::dialect& dialect) {
  std::vector<std::string> result;
  for (auto& c : table.columns()) {
    // The primary key is indexed by its constraint already.
    if (c.primary_key || (!c.indexed && !c.foreign_key)) continue;
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

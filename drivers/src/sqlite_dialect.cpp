// The SQLite dialect: "?" placeholders, SQLite's type names and keywords.
// Reached through orca::drivers::sqlite_dialect() by the SQLite connection and the compiler.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "orca/drivers/dialect.hpp"

namespace orca::drivers {

namespace {

// SQLite's keywords (https://sqlite.org/lang_keywords.html), lower case and sorted so that
// is_reserved() is a binary search.
// A word list, packed by hand:
// clang-format off
constexpr auto reserved_words = std::to_array<std::string_view>({
    "abort", "action", "add", "after", "all", "alter", "always", "analyze", "and", "as", "asc",
    "attach", "autoincrement", "before", "begin", "between", "by", "cascade", "case", "cast",
    "check", "collate", "column", "commit", "conflict", "constraint", "create", "cross",
    "current", "current_date", "current_time", "current_timestamp", "database", "default",
    "deferrable", "deferred", "delete", "desc", "detach", "distinct", "do", "drop", "each",
    "else", "end", "escape", "except", "exclude", "exclusive", "exists", "explain", "fail",
    "filter", "first", "following", "for", "foreign", "from", "full", "generated", "glob",
    "group", "groups", "having", "if", "ignore", "immediate", "in", "index", "indexed",
    "initially", "inner", "insert", "instead", "intersect", "into", "is", "isnull", "join",
    "key", "last", "left", "like", "limit", "match", "materialized", "natural", "no", "not",
    "nothing", "notnull", "null", "nulls", "of", "offset", "on", "or", "order", "others",
    "outer", "over", "partition", "plan", "pragma", "preceding", "primary", "query", "raise",
    "range", "recursive", "references", "regexp", "reindex", "release", "rename", "replace",
    "restrict", "returning", "right", "rollback", "row", "rows", "savepoint", "select", "set",
    "table", "temp", "temporary", "then", "ties", "to", "transaction", "trigger", "unbounded",
    "union", "unique", "update", "using", "vacuum", "values", "view", "virtual", "when",
    "where", "window", "with", "without"});
// clang-format on
static_assert(std::is_sorted(reserved_words.begin(), reserved_words.end()),
              "sqlite reserved_words must stay sorted: is_reserved() binary-searches it");

// Compares case-insensitively without allocating: callers may pass "Select" as well.
bool less_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) < lower(y);
  });
}

class sqlite_dialect_impl final : public dialect {
public:
  std::string_view name() const noexcept override { return "sqlite"; }

  void placeholder(std::string& out, std::size_t) const override { out.push_back('?'); }

  std::string_view type_name(value_type type) const override {
    switch (type) {
      case value_type::integer: return "INTEGER";
      case value_type::real: return "FLOAT";
      case value_type::text: return "VARCHAR";
      case value_type::binary: return "BLOB";
      case value_type::boolean: return "BOOLEAN";
      case value_type::time: return "TIMESTAMP";
      case value_type::uuid: return "BLOB";
      case value_type::date: return "DATE";
      // TEXT affinity: a JSON document such as 123 must not be turned into a number.
      case value_type::json: return "TEXT";
      case value_type::null: break;
    }
    return "";
  }

  // A column declared exactly "INTEGER PRIMARY KEY" aliases the rowid, which SQLite fills
  // in; AUTOINCREMENT would only forbid reusing deleted keys, at the cost of a side table.
  std::string_view autoincrement_primary_key() const override { return "INTEGER NOT NULL PRIMARY KEY"; }

  // CURRENT_TIMESTAMP has whole seconds only; %f gives milliseconds, the finest SQLite's
  // date functions offer. The text parses back with orca::parse_timestamp.
  std::string_view now_expression() const override { return "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"; }

  std::size_t max_parameters() const noexcept override { return 32766; }

  // SQLite inserts the rows of a VALUES list in order, so rowids ascend with the rows.
  bool needs_ordered_insert() const noexcept override { return false; }

  std::string_view placeholder_cast(value_type) const override { return ""; }

  bool is_reserved(std::string_view word) const noexcept override {
    return std::binary_search(reserved_words.begin(), reserved_words.end(), word, less_ignoring_case);
  }

  // SQLite binds NaN as NULL, and writes a REAL that holds an integral value as an integer,
  // so -0.0 reads back as 0.0. Infinities are stored as they are. Timestamps are text in
  // the format of SQLite's date functions, which stops at four-digit years.
  std::string refusal(const value& x) const override {
    if (auto real = std::get_if<double>(&x.data())) {
      if (std::isnan(*real))
        return "SQLite cannot store NaN (it stores NULL instead); store NULL yourself or use "
               "PostgreSQL";
      if (*real == 0.0 && std::signbit(*real)) return "SQLite cannot store -0.0 (it reads back as 0.0); write 0.0";
      return {};
    }
    if (auto time = std::get_if<timestamp>(&x.data())) {
      using namespace std::chrono;
      constexpr auto first = sys_days{year{0} / January / 1};
      constexpr auto end = sys_days{year{10000} / January / 1};
      if (*time < first || *time >= end)
        return fmt::format(
            "timestamp {} is outside 0000-01-01 .. 9999-12-31, the years SQLite's "
            "date functions read (SQLite stores timestamps as text)",
            time->time_since_epoch().count() < 0 ? "before year 0" : "after year 9999");
      return {};
    }
    return dialect::refusal(x);
  }
};

}  // namespace

const dialect& sqlite_dialect() {
  static const sqlite_dialect_impl instance;
  return instance;
}

}  // namespace orca::drivers

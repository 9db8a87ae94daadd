// orca::row_result: the buffered typed rows of a query (session.execute(orca::select(...))).
// Made by async_session; read by application code with structured bindings.
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/drivers/rowset.hpp"
#include "orca/model/row_decoding.hpp"

namespace orca {

/// Rows of a query as std::tuple<Vs...>, in row order:
/// `for (auto& [name, posts] : co_await session.execute(stmt))`.
template <class... Vs>
class row_result {
public:
  /// One row.
  using row_type = std::tuple<Vs...>;
  explicit row_result(std::vector<row_type> rows) : rows_(std::move(rows)) {}
  auto begin() const { return rows_.begin(); }
  auto end() const { return rows_.end(); }
  /// Number of rows.
  std::size_t size() const noexcept { return rows_.size(); }
  /// True if the query found nothing.
  bool empty() const noexcept { return rows_.empty(); }
  /// Row i.
  const row_type& operator[](std::size_t i) const { return rows_.at(i); }
  /// The only row; errc::no_result or errc::multiple_results otherwise.
  const row_type& one() const {
    if (rows_.empty()) throw error(errc::no_result, "one(): the query returned no row");
    if (rows_.size() > 1)
      throw error(errc::multiple_results, "one(): the query returned " + std::to_string(rows_.size()) + " rows");
    return rows_.front();
  }
  /// Every row.
  const std::vector<row_type>& all() const noexcept { return rows_; }

private:
  std::vector<row_type> rows_;
};

/// The result of SQL text: its rows as values, and the rows an INSERT/UPDATE/DELETE changed.
class text_result {
public:
  text_result(drivers::rowset rows, std::int64_t affected) : rows_(std::move(rows)), affected_(affected) {}
  /// Number of rows.
  std::size_t size() const noexcept { return rows_.size(); }
  /// True if there are no rows.
  bool empty() const noexcept { return rows_.empty(); }
  /// The value at (row, column), copied out.
  value at(std::size_t row, std::size_t column) const { return rows_.at(row, column); }
  /// The column names.
  const std::vector<std::string>& columns() const noexcept { return rows_.columns(); }
  /// Rows changed, as the database reported (INSERT, UPDATE, DELETE).
  std::int64_t affected_rows() const noexcept { return affected_; }
  /// The rows as tuples (`result.as<std::int64_t, std::string>()`), converted exactly.
  template <class... Vs>
  std::vector<std::tuple<Vs...>> as() const {
    query_reply reply{rows_, {}, affected_};
    return detail::decode_rows<Vs...>(reply, 0);
  }

private:
  drivers::rowset rows_;
  std::int64_t affected_;
};

}  // namespace orca

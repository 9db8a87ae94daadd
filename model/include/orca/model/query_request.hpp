// What a session is asked to run besides loading objects: a query of typed rows, a bulk
// UPDATE/DELETE, SQL text with named parameters, or a function with the driver connection,
// each in the session's transaction; and what it answers. Non-template: the facade builds
// them, sync_session plans them, the session actor carries them as one message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/model/bulk.hpp"
#include "orca/model/query.hpp"

namespace orca {

/// Named parameters of a text statement (`{{"id", 5}, {"name", "x"}}`).
using text_parameters = std::vector<std::pair<std::string, value>>;

/// SQL text whose `:name` parameters are bound by name (`orca::text("... WHERE id = :id")`).
struct text_statement {
  std::string sql;
  text_parameters bound;  ///< values given with bind()

  /// The same text with `:name` bound to `x` (`text("... :id").bind("id", 5)`): a form with
  /// no braced list, which g++ 12 cannot keep alive across a co_await.
  text_statement bind(std::string name, value x) const {
    auto copy = *this;
    copy.bound.emplace_back(std::move(name), std::move(x));
    return copy;
  }
};
/// SQL text with named parameters: never spliced, always bound.
inline text_statement text(std::string sql) { return text_statement{std::move(sql), {}}; }

/// A SELECT of typed rows (autoflush first, as for object queries).
struct rows_request {
  std::shared_ptr<const query_spec> query;
};
/// An UPDATE or DELETE (flush first, so that it sees and overrides the session's changes).
struct bulk_request {
  bulk_spec statement;
};
/// SQL text with named parameters (flush first).
struct text_request {
  text_statement statement;
  text_parameters parameters;
};
/// A function run with the driver connection in the session's transaction (flush first).
struct connection_request {
  std::function<void(drivers::connection&)> run;
};
/// One of the requests above.
using query_request = std::variant<rows_request, bulk_request, text_request, connection_request>;

/// The answer: rows (and, for a query that starts with a class, its objects in row order),
/// and for UPDATE, DELETE and text statements the number of rows they changed.
struct query_reply {
  drivers::rowset rows;
  std::vector<object_ref> objects;
  std::int64_t count = 0;
};

}  // namespace orca

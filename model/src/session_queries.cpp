// sync_session::run: queries of typed rows, bulk UPDATE/DELETE kept in step with the
// identity map, SQL text and functions with the connection, in the session's transaction.
#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/sync_session.hpp"

namespace orca {

namespace {
// Number of leading RETURNING columns the session reads itself (see compile_bulk).
std::size_t synchronized_columns(const bulk_spec& bulk) {
  return bulk.what == bulk_spec::kind::update ? bulk.table->columns().size() : bulk.table->primary_key_columns().size();
}

// The key of a bulk statement's row r: an UPDATE returns every column at its ordinal, a
// DELETE the key columns in order.
key key_of_row(const bulk_spec& bulk, const drivers::rowset& rows, std::size_t r) {
  auto& table = *bulk.table;
  if (bulk.what == bulk_spec::kind::update)
    return table.key_from([&](std::size_t c) -> const drivers::cell& { return rows.cell_at(r, c); });
  auto& key_columns = table.primary_key_columns();
  return table.key_from([&](std::size_t c) -> const drivers::cell& {
    for (std::size_t i = 0; i < key_columns.size(); ++i)
      if (key_columns[i] == c) return rows.cell_at(r, i);
    throw error(errc::internal, "a DELETE's RETURNING lacks a key column");
  });
}

// The RETURNING columns the caller asked for, after the session's own.
drivers::rowset returned_columns(const bulk_spec& bulk, const drivers::rowset& rows) {
  if (bulk.returning.empty()) return {};
  auto first = synchronized_columns(bulk);
  std::vector<std::string> names(rows.columns().begin() + static_cast<std::ptrdiff_t>(first), rows.columns().end());
  drivers::rowset asked{std::move(names)};
  asked.reserve_rows(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = first; c < rows.width(); ++c) asked.push(rows.cell_at(r, c));
  return asked;
}
}  // namespace

plan<query_reply> sync_session::run(query_request request, const drivers::dialect& dialect) {
  query_reply reply;
  if (auto* job = std::get_if<connection_request>(&request)) {
    co_await begin_if_needed();
    co_await flush(dialect);
    io::run call{std::move(job->run)};
    co_await call;
    co_return reply;
  }
  // Compiled before BEGIN: a statement orca refuses sends nothing.
  sql::statement statement;
  if (auto* rows = std::get_if<rows_request>(&request))
    statement = sql::compile_query(*rows->query, dialect);
  else if (auto* bulk = std::get_if<bulk_request>(&request))
    statement = sql::compile_bulk(bulk->statement, dialect);
  else if (auto* text = std::get_if<text_request>(&request))
    statement = sql::compile_text(text->statement, text->parameters, dialect);
  co_await begin_if_needed();
  // A query reads what the session holds (autoflush, as for objects); a statement that
  // writes must see every change, and must not be undone by a later flush of stale values.
  if (std::holds_alternative<rows_request>(request))
    co_await autoflush(dialect);
  else
    co_await flush(dialect);
  io::execute query{std::move(statement.text), std::move(statement.parameters)};
  reply.rows = co_await query;
  reply.count = reply.rows.affected_rows;
  if (auto* rows = std::get_if<rows_request>(&request); rows != nullptr && rows->query->entity != nullptr) {
    // The class's columns come first, at their ordinals: merge reads them in place.
    reply.objects = loader_.merge(*rows->query->entity, reply.rows, nullptr);
  } else if (auto* bulk = std::get_if<bulk_request>(&request)) {
    reply.count = static_cast<std::int64_t>(reply.rows.size());
    synchronize(bulk->statement, reply.rows);
    reply.rows = returned_columns(bulk->statement, reply.rows);
  }
  co_return reply;
}

void sync_session::synchronize(const bulk_spec& bulk, const drivers::rowset& rows) {
  auto& table = *bulk.table;
  if (bulk.what == bulk_spec::kind::update) {
    // Only objects the session has take the new values; other rows stay unloaded.
    auto width = table.columns().size();
    std::vector<std::string> names(rows.columns().begin(), rows.columns().begin() + static_cast<std::ptrdiff_t>(width));
    drivers::rowset loaded{std::move(names)};
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (objects_.find(table, key_of_row(bulk, rows, r)) == nullptr) continue;
      for (std::size_t c = 0; c < width; ++c) loaded.push(rows.cell_at(r, c));
    }
    if (!loaded.empty()) loader_.merge(table, loaded, nullptr, true);
    return;
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto key = key_of_row(bulk, rows, r);
    auto* record = objects_.find(table, key);
    if (record == nullptr) continue;
    auto object = record->lock();
    deleted_in_transaction_.push_back({{&table, object},
                                       key,
                                       identity_map::snapshot_of(*record),
                                       record->before_insert,
                                       record->inserted_in_transaction});
    objects_.erase(object.get());
  }
}

query_reply sync_session::run(drivers::connection& connection, query_request request) {
  return drive(run(std::move(request), connection.sql_dialect()), connection);
}

}  // namespace orca

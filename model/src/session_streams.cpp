// sync_session's streams: the statement a stream's cursor runs (after BEGIN and autoflush),
// each batch merged with its eager loads, and the streams a synchronous caller keeps open by
// id. Used by the session actor's streams and by open_stream()/fetch_stream() callers.
#include "orca/drivers/error.hpp"
#include "joined_tables.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/sync_session.hpp"

namespace orca {

plan<sql::statement> sync_session::prepare_stream(select_spec spec, const drivers::dialect& dialect) {
  sql::check_select(spec);
  if (detail::joins_collection(spec))
    throw error(errc::invalid_argument,
                "stream() cannot joinedload a collection of " + spec.table->class_name() +
                    ": a batch could end inside one object's rows; use selectinload in a stream (each batch's "
                    "collections are loaded with it), or execute() for a joined load");
  co_await begin_if_needed();
  co_await autoflush(dialect);
  co_return sql::compile_select(spec, dialect);
}

plan<sql::statement> sync_session::prepare_row_stream(std::shared_ptr<const query_spec> query,
                                                      const drivers::dialect& dialect) {
  if (query->entity != nullptr)
    throw error(errc::invalid_argument,
                "stream() takes rows of columns only: a query that starts with a class streams as select<T>(), "
                "or runs buffered through execute()");
  // Compiled before BEGIN: a statement orca refuses sends nothing.
  auto statement = sql::compile_query(*query, dialect);
  co_await begin_if_needed();
  co_await autoflush(dialect);
  co_return statement;
}

plan<std::vector<object_ref>> sync_session::load_batch(select_spec spec, drivers::rowset rows,
                                                       const drivers::dialect& dialect, std::uint64_t stream) {
  check_usable();
  auto objects = stream != 0 ? loader_.merge_streamed(spec, std::move(rows), stream)
                             : loader_.merge_streamed(spec, rows);
  rows = {};  // merged: freed before the eager loads bring their own rows
  co_await loader_.load_relationships(spec, objects, dialect);
  co_return objects;
}

std::uint64_t sync_session::open_stream(drivers::connection& connection, const select_spec& spec,
                                        std::size_t batch_size, std::shared_ptr<void> keepalive) {
  auto statement = drive(prepare_stream(spec, connection.sql_dialect()), connection);
  auto cursor = connection.open_cursor(statement.text, statement.parameters);
  auto id = next_stream_++;
  streams_.emplace(id, std::make_unique<object_stream>(std::move(cursor), spec,
                                                       batch_size != 0 ? batch_size : options_.stream_batch_size,
                                                       std::move(keepalive)));
  return id;
}

std::vector<object_ref> sync_session::fetch_stream(drivers::connection& connection, std::uint64_t id, bool& more) {
  check_usable();
  auto it = streams_.find(id);
  if (it == streams_.end())
    throw error(errc::closed, "the stream is closed (exhausted, closed, or its transaction ended)");
  auto objects = it->second->next(connection, loader_);
  more = !it->second->exhausted();
  if (!more) streams_.erase(it);
  return objects;
}

void sync_session::close_stream(std::uint64_t id) noexcept { streams_.erase(id); }

void sync_session::close_streams() noexcept { streams_.clear(); }

}  // namespace orca

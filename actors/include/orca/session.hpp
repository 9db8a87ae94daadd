// orca::async_session: the facade over a session actor. Every call that talks to the
// database is a task to co_await; objects come back as std::shared_ptr<T>. Used by
// application code; a CAF actor may talk to the session actor directly instead.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "orca/async_result.hpp"
#include "orca/model/object_slabs.hpp"
#include "orca/detail/callable_guard.hpp"
#include "orca/nested_transaction.hpp"
#include "orca/row_stream.hpp"
#include "orca/detail/session_core.hpp"
#include "orca/model/row_decoding.hpp"
#include "orca/row_result.hpp"
#include "orca/scalar_result.hpp"
#include "orca/session_transaction.hpp"
#include "orca/task.hpp"

namespace orca {

/// A session: its own identity map and unit of work in a session actor. One caller at a
/// time; many sessions run concurrently, each on its own connection. Closing it (or
/// dropping it) rolls back what was not committed and returns its connection.
class async_session {
public:
  async_session(std::shared_ptr<detail::engine_state> engine, session_options options)
      : core_(std::make_shared<detail::session_core>(std::move(engine), options)) {}

  /// Adds an object, saved at the next flush with what its relationships hold.
  ///
  /// Given a `std::shared_ptr<T>`, the session keeps that object: its key and server
  /// defaults are written into it. Given a temporary (or a moved) `T`, the session keeps
  /// a copy and returns it: use the returned pointer, not the original. A named `T` is
  /// refused at compile time, because the caller would read the copy's key from the
  /// original and find 0. Throws errc::closed on a closed session.
  template <class U>
  auto add(U&& object) {
    using T = std::remove_cvref_t<U>;
    if constexpr (detail::is_shared_ptr<T>::value) {
      core_->add(detail::untyped(std::shared_ptr<typename T::element_type>(std::forward<U>(object))));
    } else {
      static_assert(!std::is_lvalue_reference_v<U>,
                    "session.add(obj) with a named object would save a copy and leave obj.id at 0: add a "
                    "std::shared_ptr (auto p = std::make_shared<T>(...); session.add(p);), or add a temporary "
                    "and keep the pointer add() returns");
      auto p = orca::make_object<T>(std::move(object));  // from the thread's slabs: a bulk add faults in few pages
      core_->add(detail::untyped(p));
      return p;
    }
  }
  /// Adds several new objects (`session.add_all({A{...}, A{...}})`).
  template <class T>
  std::vector<std::shared_ptr<T>> add_all(std::initializer_list<T> objects) {
    std::vector<std::shared_ptr<T>> added;
    for (auto& o : objects) added.push_back(add(T{o}));
    return added;
  }
  /// Adds several existing objects.
  template <class T>
  void add_all(const std::vector<std::shared_ptr<T>>& objects) {
    for (auto& o : objects) add(o);
  }

  /// Begins a transaction explicitly (`auto tx = co_await session.begin();`). Throws
  /// errc::invalid_state if this session's explicit transaction is still open.
  task<session_transaction> begin() { co_return session_transaction{core_}; }

  /// Runs a query, buffered.
  template <class T>
  task<scalar_result<T>> scalars(select_statement<T> statement) {
    co_await core_->send_adds();
    // The load appends to the result's own list: no second list of the objects to convert.
    auto sink = std::make_shared<detail::typed_sink<T>>();
    co_await core_->execute_into(statement.spec(), sink);
    co_return scalar_result<T>{std::move(sink->objects)};
  }
  /// Same as scalars() (a select of one class yields its objects).
  template <class T>
  task<scalar_result<T>> execute(select_statement<T> statement) {
    return scalars(std::move(statement));
  }
  /// Runs a query streamed from a server-side cursor (`batch_size` rows at a time; 0: the
  /// session's stream_batch_size).
  template <class T>
  task<async_result<T>> stream(select_statement<T> statement, std::size_t batch_size = 0) {
    co_await core_->send_adds();
    co_return async_result<T>{co_await core_->open_stream(statement.spec(), batch_size)};
  }
  /// The object with this primary key (null if none); no SQL if the session has it. The
  /// key is of the key member's type (`get<A>(42)`, `get<U>(orca::uuid{...})`), or a
  /// std::tuple for a composite key (`get<C>(std::tuple{1, std::string{"x"}})`).
  template <class T, class K>
  task<std::shared_ptr<T>> get(K key) {
    auto k = make_key(key);
    table_of<T>().check_key(k);
    co_await core_->send_adds();
    co_return detail::typed<T>(co_await core_->get(table_of<T>(), std::move(k)));
  }
  /// Marks an object for deletion at the next flush.
  template <class T>
  task<void> remove(std::shared_ptr<T> object) {
    co_await core_->send_adds();
    co_await core_->remove(detail::untyped(std::move(object)));
  }
  /// Reloads an object's columns from the database.
  template <class T>
  task<void> refresh(std::shared_ptr<T> object) {
    co_await core_->send_adds();
    co_await core_->refresh(detail::untyped(std::move(object)));
  }
  /// Marks an object expired (its next load overwrites it).
  template <class T>
  task<void> expire(std::shared_ptr<T> object) {
    co_await core_->expire(detail::untyped(std::move(object)));
  }
  /// Loads one relationship of one object now: a collection (SQLAlchemy's
  /// `await obj.awaitable_attrs.bs`) or a reference (its parent, by the foreign key).
  template <class T, class M>
  task<void> load(std::shared_ptr<T> object, M T::*member) {
    co_await core_->send_adds();
    auto& table = table_of<T>();
    auto statement = select<T>().where_key(table.key_of(object.get())).options(selectinload(member));
    const auto& spec = statement.spec();
    co_await core_->execute(spec);
  }
  // --- Savepoints ---

  /// Begins a nested transaction: flushes, then sets a SAVEPOINT (SQLAlchemy's
  /// begin_nested()). `co_await nested.rollback()` (or dropping it uncommitted) undoes what
  /// the block did, in the database and in the objects; `co_await nested.commit()` releases
  /// it, keeping its changes in the enclosing transaction.
  task<nested_transaction> begin_nested() {
    co_await core_->send_adds();  // objects added before the savepoint belong to the enclosing transaction
    auto depth = core_->open_savepoint();
    try {
      co_await core_->savepoint("begin");
    } catch (...) {
      core_->end_savepoint();
      throw;
    }
    co_return nested_transaction{core_, depth};
  }

  // --- Session state: get_one, merge, expunge, in_transaction, invalidate ---

  /// The object with this primary key; errc::no_result if there is no such row.
  template <class T>
  task<std::shared_ptr<T>> get_one(std::int64_t key) {
    auto found = co_await get<T>(key);
    if (!found) {
      const auto& table = table_of<T>();
      throw error(errc::no_result, "get_one(): no " + table.class_name() + " with " + table.primary_key().name + " = " +
                                       std::to_string(key));
    }
    co_return found;
  }
  /// Copies `object`'s columns onto this session's object with the same primary key
  /// (loaded if the session does not hold it) and returns that object; if no row has the
  /// key, a copy of `object` is added as pending and returned (SQLAlchemy's merge). The
  /// caller's object never joins the session; relationships are not merged.
  ///
  /// It takes a named object: g++ 12 destroys a temporary object in a `co_await` operand
  /// twice, so `co_await session.merge(T{...})` is refused at compile time.
  template <class U>
  task<std::shared_ptr<std::remove_cvref_t<U>>> merge(U&& object) {
    using T = std::remove_cvref_t<U>;
    static_assert(std::is_lvalue_reference_v<U>,
                  "session.merge() takes a named object (T x{...}; co_await session.merge(x);): g++ 12 destroys a "
                  "temporary in a co_await operand twice");
    co_await core_->send_adds();
    co_return detail::typed<T>(co_await core_->merge(detail::untyped(std::make_shared<T>(object))));
  }
  /// Removes an object from the session without touching the database: its changes are
  /// not flushed, and a later load of its row makes a new object. errc::invalid_state if
  /// it is not in the session.
  template <class T>
  task<void> expunge(std::shared_ptr<T> object) {
    if (core_->unqueue_add(object.get())) co_return;  // never reached the session actor
    co_await core_->expunge(detail::untyped(std::move(object)));
  }
  /// Whether a transaction is open: an explicit one from begin(), or one the session began
  /// for a database call and has not yet committed or rolled back.
  task<bool> in_transaction() {
    core_->check_open();
    if (core_->explicit_transaction()) co_return true;
    co_return co_await core_->in_transaction();
  }
  /// Closes the session without trusting its connection (SQLAlchemy's invalidate()): the
  /// connection is closed instead of returned to the pool, which opens a new one when
  /// needed; what was not committed is lost. Use it when the connection's state is unknown.
  /// On an in-memory SQLite database, closing its only connection loses the database.
  task<void> invalidate() {
    if (core_->closed()) co_return;
    co_await core_->invalidate();
  }

  /// Writes pending changes.
  task<void> flush() {
    co_await core_->send_adds();
    co_await core_->flush();
  }
  /// Flushes and commits (ending an explicit transaction too).
  task<void> commit() {
    core_->end_transaction();
    co_await core_->send_adds();
    co_await core_->commit();
  }
  /// Rolls back (ending an explicit transaction too): objects added since the last
  /// commit are discarded, flushed or not.
  task<void> rollback() {
    core_->check_open();
    core_->end_transaction();
    core_->discard_adds();
    co_await core_->rollback();
  }
  /// Rolls back what is uncommitted, returns the connection, ends the session; later
  /// calls fail with errc::closed. Closing twice does nothing.
  task<void> close() {
    if (core_->closed()) co_return;
    co_await core_->close();
  }

  // ---- Queries of columns and expressions, bulk statements, SQL text (see sync_session::run) ----

  /// Runs a query of columns and expressions (`orca::select(col(&U::name), count())`), buffered:
  /// rows of std::tuple<Vs...> (a leading std::shared_ptr<T> comes through the identity map).
  template <class... Vs>
  task<row_result<Vs...>> execute(rows_statement<Vs...> statement) {
    co_await core_->send_adds();
    const auto& spec = statement.shared_spec();
    query_request request{rows_request{spec}};
    auto reply = co_await core_->run(request);
    co_return row_result<Vs...>{
        detail::decode_rows<Vs...>(reply, spec->entity != nullptr ? spec->entity->columns().size() : 0)};
  }
  /// Runs a query of columns streamed from a server-side cursor, `batch_size` rows at a time
  /// (0: the session's stream_batch_size): `while (auto row = co_await rows.next())`. A query
  /// that starts with a class streams as `select<T>()` instead.
  template <class... Vs>
  task<row_stream<Vs...>> stream(rows_statement<Vs...> statement, std::size_t batch_size = 0) {
    static_assert(
        (!detail::is_object_v<Vs> && ...),
        "stream() takes rows of columns only: stream select<T>() for objects, or run the query with execute()");
    co_await core_->send_adds();
    co_return row_stream<Vs...>{co_await core_->open_row_stream(statement.shared_spec(), batch_size)};
  }
  /// The value of a one-column query's first row (`co_await session.scalar(select(count()).select_from<A>())`);
  /// with no row: std::nullopt if V is optional, else errc::no_result.
  template <class V>
  task<V> scalar(rows_statement<V> statement) {
    auto rows = co_await execute(std::move(statement));
    if (rows.empty()) {
      if constexpr (detail::is_optional_v<V>)
        co_return std::nullopt;
      else
        throw error(errc::no_result, "scalar(): the query returned no row");
    }
    co_return std::get<0>(rows[0]);
  }
  /// The first column of every row of a one-column query.
  template <class V>
  task<std::vector<V>> scalars(rows_statement<V> statement) {
    auto rows = co_await execute(std::move(statement));
    std::vector<V> values;
    values.reserve(rows.size());
    for (auto& row : rows) values.push_back(std::get<0>(row));
    co_return values;
  }
  /// Runs `orca::update<T>()...` in the session's transaction; returns the number of rows
  /// updated. Loaded objects of those rows take their new values.
  template <class T>
  task<std::int64_t> execute(update_statement<T> statement) {
    co_return co_await run_bulk(statement.spec());
  }
  /// Runs `orca::delete_from<T>()...` in the session's transaction; returns the number of
  /// rows deleted. Loaded objects of those rows leave the session (until a rollback).
  template <class T>
  task<std::int64_t> execute(delete_statement<T> statement) {
    co_return co_await run_bulk(statement.spec());
  }
  /// Runs an UPDATE or DELETE with `.returning(...)`: the changed rows as std::tuple<Vs...>
  /// (loaded objects are kept in step as without returning()).
  template <class... Vs>
  task<row_result<Vs...>> execute(returning_statement<Vs...> statement) {
    co_await core_->send_adds();
    query_request request{bulk_request{statement.spec()}};
    auto reply = co_await core_->run(request);
    co_return row_result<Vs...>{detail::decode_rows<Vs...>(reply, 0)};
  }
  /// Runs SQL text in the session's transaction (after a flush), `:name` bound from
  /// `parameters` (`session.execute(orca::text("SELECT ... WHERE id = :id"), {{"id", 5}})`).
  task<text_result> execute(text_statement statement, text_parameters parameters = {}) {
    co_await core_->send_adds();
    query_request request{text_request{std::move(statement), std::move(parameters)}};
    auto reply = co_await core_->run(request);
    co_return text_result{std::move(reply.rows), reply.count};
  }
  /// Runs `fn(orca::connection&)` with the session's own connection, in its transaction,
  /// after a flush (SQLAlchemy's `session.connection()`); the session's objects are not
  /// refreshed from what fn changes. On g++ 12 a capturing lambda must be named first.
  template <class F>
  task<void> run_sync(F&& fn) {
    static_assert(std::is_invocable_v<std::decay_t<F>&, drivers::connection&>,
                  "orca: run_sync takes a function of (orca::connection&)");
    detail::require_safe_in_co_await<F>();
    return run_on_connection(std::function<void(drivers::connection&)>(std::forward<F>(fn)));
  }

private:
  task<void> run_on_connection(std::function<void(drivers::connection&)> fn) {
    co_await core_->send_adds();
    query_request request{connection_request{std::move(fn)}};
    co_await core_->run(request);
  }
  task<std::int64_t> run_bulk(const bulk_spec& spec) {
    co_await core_->send_adds();
    query_request request{bulk_request{spec}};
    auto reply = co_await core_->run(request);
    co_return reply.count;
  }
  std::shared_ptr<detail::session_core> core_;
};

}  // namespace orca

// orca::sync_session: a session's state — identity map, unit of work, loads and the
// transaction protocol. Its database work comes as plans (plan.hpp): the session actor owns
// one and drives its plans with messages to a connection actor (as SQLAlchemy's
// AsyncSession proxies a sync Session); the overloads taking a connection drive the same
// plans in a loop, for tests and synchronous use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/model/identity_map.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/insert_journal.hpp"
#include "orca/model/loading.hpp"
#include "orca/model/plan.hpp"
#include "orca/model/query_request.hpp"
#include "orca/model/select.hpp"
#include "orca/model/unit_of_work.hpp"

namespace orca {

/// Options of a session (async_sessionmaker passes them through).
struct session_options {
  bool expire_on_commit = true;  ///< expire every object after commit (SQLAlchemy's default)
  /// Flush before every query when objects were added or deleted since the last flush
  /// (the flush then writes changed objects too). Changes to loaded objects alone wait for
  /// flush()/commit(): finding them means comparing every object of the session with its
  /// snapshot, which would make every query cost as much as the session is large.
  bool autoflush = true;
  std::size_t selectin_batch_size = 500;  ///< parent keys per selectin query
  std::size_t insert_batch_size = 1000;   ///< rows per multi-row INSERT (and sets per UPDATE batch)
  std::size_t stream_batch_size = 1000;   ///< rows per stream batch
  bool stream_prefetch = true;            ///< streams fetch the next batch while one is consumed
  /// commit() sends COMMIT in the round trip of the flush's last statements, where the
  /// backend gains by it (PostgreSQL: dialect::commits_with_statements()): one round trip
  /// less for each transaction that writes. The price: when the connection is lost during
  /// that round trip and the transaction had
  /// written nothing before it, the server was never asked for the transaction's id, so
  /// commit() reports commit_outcome_unknown where a COMMIT of its own would have been looked
  /// up (committed or rolled back). Set false to keep COMMIT in a round trip of its own.
  bool commit_with_last_statements = true;
};

/// A session's objects and transaction, driven synchronously.
///
/// Transaction states (the handler that moves between them in brackets):
///
///     none --[any database call: begin_if_needed]--> active
///     active --[commit]--> none        active --[rollback]--> none
///     active --[flush fails: fail]--> failed (transaction rolled back already)
///     active --[flush fails inside a savepoint: roll_back_to_savepoint]--> active (only
///              the savepoint's block is undone; the savepoint stays open)
///     failed --[rollback]--> none      any --[close]--> closed
///
/// In `failed`, every call but rollback() and close() throws errc::pending_rollback.
class sync_session {
public:
  enum class transaction_state : std::uint8_t { none, active, failed, closed };

  explicit sync_session(session_options options = {});

  /// Adds a transient object (pending until flushed); re-adding a deleted one undeletes it.
  void add(const object_ref& object);
  /// Adds the rows of new objects that nothing else holds any more (pending_rows): the next
  /// flush inserts them, a rollback (or a failed flush) drops them.
  void add_rows(pending_rows rows);
  /// Marks a persistent object for DELETE at the next flush; a pending one is expunged.
  void remove(const object_ref& object);
  /// Removes an object from the session without touching the database (SQLAlchemy's
  /// expunge): its changes are no longer flushed, and a later load of its row makes a new
  /// object. Throws errc::invalid_state if the object is not in this session.
  void expunge(const object_ref& object);
  /// Copies `copy`'s columns onto the session's object with the same primary key (from the
  /// identity map, else loaded) and returns that object, whose changes the next flush
  /// writes; if no row has that key, `copy` itself is added as pending and returned
  /// (SQLAlchemy's merge). Every column is copied but a server-defaulted one left unset;
  /// relationships are not merged: the session's object keeps its own.
  plan<object_ref> merge(object_ref copy, const drivers::dialect& dialect);
  /// The object's state in this session (transient if unknown).
  object_state state_of(const void* object);
  /// Marks an object expired: the next load of its row overwrites its values.
  void expire(const object_ref& object);
  /// Expires every object of the session.
  void expire_all();

  /// Writes pending changes. On failure rolls back and enters `failed`; inside a savepoint
  /// it rolls back to the savepoint instead (database and objects, as rollback_nested(),
  /// but the savepoint stays open) and the transaction stays usable. The error is rethrown.
  plan<flush_stats> flush(const drivers::dialect& dialect);
  /// Runs a SELECT (autoflush first), returning objects in row order.
  plan<std::vector<object_ref>> execute(select_spec spec, const drivers::dialect& dialect);
  /// The same, with the objects put in `sink` (loader::load_into): a buffered query of one
  /// class keeps them in its own list only.
  plan<void> execute_into(select_spec spec, const drivers::dialect& dialect, std::shared_ptr<result_sink> sink);
  /// The object with this key from the identity map (no SQL), or null if the session has
  /// no live, unexpired, persistent one.
  object_ref identity_lookup(const table_info& table, const key& k);
  /// The object with this primary key: identity map first, else loaded; null if no row.
  plan<object_ref> get(const table_info& table, key k, const drivers::dialect& dialect);
  /// Reloads an object's columns; errc::no_result if its row is gone.
  plan<void> refresh(object_ref object, const drivers::dialect& dialect);
  /// Flushes and commits; expires every object if expire_on_commit. Where the dialect
  /// commits_with_statements(), no savepoint is open and the options allow it
  /// (commit_with_last_statements), COMMIT goes in the round trip of the flush's last
  /// statements (last_flush().committed).
  plan<void> commit(const drivers::dialect& dialect);
  /// Rolls back on the connection, then as rollback(nullptr).
  plan<void> rollback();
  /// Runs a query of typed rows (autoflush first), a bulk UPDATE/DELETE, SQL text or a
  /// function with the connection (each of these three after a full flush), in the
  /// session's transaction. Statements are compiled before anything is sent: a column
  /// outside the FROM or a missing text parameter fails with no SQL at all.
  /// Bulk statements keep the identity map in step, as SQLAlchemy's
  /// synchronize_session="fetch": the rows an UPDATE changed come back (RETURNING) and
  /// loaded objects with those keys take their new values; objects whose rows a DELETE
  /// removed leave the session (a rollback brings them back). SQL text and functions
  /// change nothing in the session: refresh or expire what they touched.
  plan<query_reply> run(query_request request, const drivers::dialect& dialect);
  /// The same, driven on a connection.
  query_reply run(drivers::connection& connection, query_request request);
  /// Begins (and autoflushes) for a stream; yields the statement for its cursor.
  plan<sql::statement> prepare_stream(select_spec spec, const drivers::dialect& dialect);
  /// The same for a stream of rows of columns (a query that starts with no class).
  plan<sql::statement> prepare_row_stream(std::shared_ptr<const query_spec> query, const drivers::dialect& dialect);
  /// Merges one batch of a stream's rows and runs its eager loads. With the stream's
  /// number (nonzero, the same for each of its batches), the records of the objects the
  /// session did not have wait until the next batch or call (identity_map::defer()): those
  /// the consumer has dropped by then never cost one.
  plan<std::vector<object_ref>> load_batch(select_spec spec, drivers::rowset rows, const drivers::dialect& dialect,
                                           std::uint64_t stream = 0);
  /// Flushes, then sets a SAVEPOINT (SQLAlchemy's begin_nested()); rollback_nested()
  /// returns the database and the session's objects to this point.
  plan<void> begin_nested(const drivers::dialect& dialect);
  /// Flushes and releases the innermost savepoint: its changes stay in the transaction. If
  /// that flush fails, the savepoint is rolled back to and ended (its owner is done with it).
  plan<void> release_nested(const drivers::dialect& dialect);
  /// Rolls back to the innermost savepoint. Objects added since become transient (keys
  /// and server defaults reset), rows deleted since come back, and objects the session
  /// held at the savepoint get their column values from then (their one-to-many
  /// collections that hold objects added since are unloaded: reload them); objects first
  /// loaded since are expired.
  plan<void> rollback_nested();
  /// Number of open savepoints.
  std::size_t savepoint_depth() const noexcept { return savepoints_.size(); }

  /// The connection died in the open transaction: the transaction is gone, so the session
  /// fails (pending_rollback) until rollback(), which then needs no connection.
  void lose_transaction(const std::string& why);
  /// Ends the session without a connection (its transaction, if any, is gone or rolled
  /// back by whoever holds the connection): expunges everything.
  void close_without_io();

  /// Writes pending changes; on failure rolls back and enters `failed`.
  flush_stats flush(drivers::connection& connection);
  /// Runs a SELECT (autoflush first), returning objects in row order.
  std::vector<object_ref> execute(drivers::connection& connection, const select_spec& spec);
  /// The object with this primary key: from the identity map without SQL when present
  /// and not expired, else loaded; null if there is no such row.
  object_ref get(drivers::connection& connection, const table_info& table, key k);
  /// Reloads an object's columns; errc::no_result if its row is gone.
  void refresh(drivers::connection& connection, const object_ref& object);
  /// Flushes and commits; expires every object if expire_on_commit. Where the dialect
  /// commits_with_statements(), no savepoint is open and the options allow it
  /// (commit_with_last_statements), COMMIT goes in the round trip of the flush's last
  /// statements (last_flush().committed). Closes open streams.
  void commit(drivers::connection& connection);
  /// Rolls back: objects inserted in the transaction and pending objects leave the session
  /// (keys reset), deleted ones (flushed or not) come back, the rest is expired and loses
  /// its queued write-only changes. Closes open streams.
  void rollback(drivers::connection& connection) { rollback(&connection); }
  /// The same without a connection, for a session whose transaction already ended.
  void rollback(drivers::connection* connection);
  /// Ends the session: rolls back an open transaction (if a connection is given), closes
  /// streams, expunges everything.
  void close(drivers::connection* connection);

  /// Opens a stream over a SELECT (autoflush first); returns its id. `keepalive` is held
  /// as long as the stream's cursor (pass the connection's owner).
  std::uint64_t open_stream(drivers::connection& connection, const select_spec& spec, std::size_t batch_size = 0,
                            std::shared_ptr<void> keepalive = {});
  /// The next batch of a stream; `more` is false once it is exhausted (it is then closed).
  std::vector<object_ref> fetch_stream(drivers::connection& connection, std::uint64_t id, bool& more);
  /// Closes a stream early (idempotent).
  void close_stream(std::uint64_t id) noexcept;
  /// Number of open streams.
  std::size_t open_streams() const noexcept { return streams_.size(); }
  /// Whether the session holds nothing a later call could need: no transaction, stream,
  /// pending change or object (objects the application dropped are purged first).
  bool holds_nothing();

  /// Where the transaction stands.
  transaction_state transaction() const noexcept { return state_; }
  /// True while the session holds an open transaction (and so needs its connection).
  bool in_transaction() const noexcept { return state_ == transaction_state::active; }
  /// The identity map (for tests and diagnostics).
  identity_map& objects() noexcept { return objects_; }
  /// The options the session was made with.
  const session_options& options() const noexcept { return options_; }
  /// Statistics of the last flush.
  const flush_stats& last_flush() const noexcept { return last_flush_; }

private:
  void check_usable() const;
  /// BEGIN unless in a transaction: an empty plan when there is nothing to do.
  plan<void> begin_if_needed();
  /// flush(); with `commit`, COMMIT may go with the last statements (commit()).
  plan<flush_stats> flush_then(const drivers::dialect& dialect, bool commit);
  plan<void> begin_now();
  /// The autoflush due before a query: an empty plan when there is nothing to flush.
  plan<void> autoflush(const drivers::dialect& dialect);
  plan<void> autoflush_now(const drivers::dialect& dialect);
  void forget_transaction();
  /// The SELECT of one row by key, compiled once per table and dialect (get() and refresh()
  /// run it once per call).
  const std::string& select_by_key(const table_info& table, const drivers::dialect& dialect);
  struct by_key_statement {
    const table_info* table;
    const drivers::dialect* dialect;
    std::string sql;
  };
  std::vector<by_key_statement> by_key_sql_;
  bool added_or_removed_ = false;  ///< add() or remove() since the last flush
  void end_transaction();
  void close_streams() noexcept;
  void synchronize(const bulk_spec& bulk, const drivers::rowset& rows);

  session_options options_;
  identity_map objects_;
  insert_journal inserts_;          ///< what the transaction's INSERTs overwrote in their objects
  std::vector<pending_rows> rows_;  ///< add_rows()'s batches, until the next flush
  unit_of_work work_;
  loader loader_;
  transaction_state state_ = transaction_state::none;
  std::string failure_;  ///< why the transaction failed (for pending_rollback messages)
  /// An object whose row a flush of the open transaction deleted: rollback() brings it back
  /// (or, if the transaction had inserted the row, puts back its values from before that).
  struct deleted_row {
    object_ref object;
    orca::key key;
    std::vector<value> snapshot;             ///< the row's values
    insert_journal::position before_insert;  ///< if inserted in the transaction
    bool inserted_in_transaction;
  };
  std::vector<deleted_row> deleted_in_transaction_;
  /// What rollback_nested() restores: the column values of the objects the session held
  /// at the savepoint (begin_nested() flushes first, so they match the database then), and
  /// how many deleted rows the transaction had.
  struct savepoint_mark {
    std::unordered_map<const void*, std::vector<value>> snapshots;
    std::size_t deleted_rows = 0;
    std::size_t journal_entries = 0;  ///< the insert journal's size (entries after it are the block's)
  };
  std::vector<savepoint_mark> savepoints_;
  void restore_savepoint(const savepoint_mark& mark);
  /// ROLLBACK TO the innermost savepoint and restores the objects to it; it stays open.
  plan<void> roll_back_to_savepoint();
  std::map<std::uint64_t, std::unique_ptr<object_stream>> streams_;
  std::uint64_t next_stream_ = 1;
  flush_stats last_flush_;
};

}  // namespace orca

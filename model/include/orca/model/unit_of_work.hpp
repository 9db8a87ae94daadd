// orca::unit_of_work: the flush — cascade, inserts in dependency order with batched
// multi-row INSERT ... RETURNING, updates of changed columns, deletes. Synchronous; run by
// sync_session on the connection it is given (inside a connection actor, in orca's actors).
#pragma once

#include <cstddef>

#include "orca/drivers/connection.hpp"
#include "orca/model/identity_map.hpp"
#include "orca/model/insert_journal.hpp"
#include "orca/model/pending_rows.hpp"
#include "orca/model/plan.hpp"

namespace orca {

/// Tuning of the flush.
struct flush_options {
  /// Rows per multi-row INSERT (also bounded by the dialect's parameter limit), and
  /// parameter sets per batched UPDATE.
  std::size_t insert_batch_size = 1000;
};

/// What one flush did, for tests, logs and benchmarks.
struct flush_stats {
  std::size_t inserted = 0;
  std::size_t updated = 0;
  std::size_t deleted = 0;
  std::size_t statements = 0;
  /// COMMIT went in the round trip of the flush's last statements (a flush before a commit,
  /// on a backend whose dialect commits_with_statements()): the transaction has ended.
  bool committed = false;
};

/// Writes a session's changes to the database.
///
/// Steps: (1) cascade: objects reachable from pending and persistent objects through
/// relationships join the session as pending; (2) for each table in dependency order,
/// children's foreign keys are set from their parents, the session's pending_rows of the
/// table are inserted (their children's foreign keys from the keys returned), then its
/// pending objects in batches, generated keys and server defaults written back into the
/// objects; (3) changed
/// columns of persistent objects are updated (compared with the loaded snapshot);
/// (4) deleted objects are deleted, children first. All or nothing: if any statement fails,
/// every object is restored to its state and values from before the flush and the error is
/// rethrown (the caller rolls the transaction back).
class unit_of_work {
public:
  /// A unit of work over `objects` and the rows of `rows`, recording what its INSERTs
  /// overwrite in `inserts` (the transaction's journal, which the session reads back on
  /// rollback). The rows stay in `rows` after a flush: the session drops them.
  unit_of_work(identity_map& objects, insert_journal& inserts, std::vector<pending_rows>& rows, flush_options options)
      : objects_(objects), inserts_(inserts), rows_(rows), options_(options) {}

  /// The flush as a plan: its statements go to whoever drives it, inside the open
  /// transaction. The identity map must not change until the plan ends.
  /// With `commit`, COMMIT may go with the last statements, where the dialect
  /// commits_with_statements() (flush_stats::committed says whether it did).
  plan<flush_stats> flush(const drivers::dialect& dialect, bool commit = false);
  /// Flushes every change on `connection`, inside its open transaction.
  flush_stats flush(drivers::connection& connection);
  /// Runs before a flush: objects taken out of `cascade::remove_orphan` collections are
  /// marked deleted; each deleted object's children are marked deleted too
  /// (`cascade::remove`, recursively) or get a NULL foreign key (a nullable one; else the
  /// database decides), loading each collection that is not loaded with one SELECT, unless
  /// the relationship has `passive_deletes` (the database's ON DELETE does the work).
  plan<void> cascade_deletes(const drivers::dialect& dialect);

private:
  identity_map& objects_;
  insert_journal& inserts_;
  std::vector<pending_rows>& rows_;
  flush_options options_;
};

}  // namespace orca

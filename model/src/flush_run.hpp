// orca::detail::flush_run: one flush of a unit of work — its state, and its steps declared by
// role. Private to the model library: unit_of_work.cpp runs it; flush_*.cpp define the steps.
//
// State is changed in the identity map only once every statement succeeded; until then new
// keys live in the pending records and old column values in the insert journal (pending
// objects) or `journal_` (the others), so a failure can put every object back as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "orca/drivers/dialect.hpp"
#include "orca/drivers/error.hpp"
#include "orca/model/block_arena.hpp"
#include "orca/model/identity_map.hpp"
#include "orca/model/insert_journal.hpp"
#include "orca/model/pending_rows.hpp"
#include "orca/model/plan.hpp"
#include "orca/model/unit_of_work.hpp"
#include "association_rows.hpp"

namespace orca::detail {

/// A foreign key to set from a relationship: child.fk = parent.key (or NULL: unlink). One
/// per child of every collection, so it is kept small: objects with a record stay alive
/// through work_ (pending and persistent ones) or their record (deleted ones) for the whole
/// flush, and a child without a record is only compared by address.
struct link {
  object_record* parent_record;  ///< null for an unlink
  void* child;
  object_record* child_record;
  const table_info* child_table;
  const relationship_info* relationship;
  bool unlink;
};

/// The allocator of a flush's per-object deques: bump allocation from the flush's block
/// arena (huge pages once it is large), all given back with the flush. A flush of 300,000
/// objects then faults in a few huge pages instead of thousands of small ones, and its
/// 300,000 entries cost no free() each.
template <class T>
struct flush_allocator {
  using value_type = T;
  block_arena* arena;

  explicit flush_allocator(block_arena& a) noexcept : arena(&a) {}
  template <class U>
  flush_allocator(const flush_allocator<U>& other) noexcept : arena(other.arena) {}  // NOLINT
  T* allocate(std::size_t n) { return static_cast<T*>(arena->allocate(n * sizeof(T))); }
  void deallocate(T*, std::size_t) noexcept {}
  template <class U>
  bool operator==(const flush_allocator<U>& other) const noexcept {
    return arena == other.arena;
  }
};

/// An object of the flush with its record: pending and persistent ones, and those the
/// cascade brought in.
struct tracked {
  std::shared_ptr<void> object;
  object_record* record;
};

// A member's value for a statement; a member that cannot be converted (a time finer than a
// microsecond, an enumerator without a name) names its column, as a driver's refusal does.
// Runs f, a read of one column's member; a value the member cannot give names the column.
template <class F>
auto reading_column(const table_info& table, const column_info& column, F&& f) {
  try {
    return f();
  } catch (const error& e) {
    auto details = e.details();
    details.column = table.name() + "." + column.name;
    throw error{e.code(), "column " + details.column + ": " + e.message(), std::move(details)};
  }
}

/// A column's value in `object`, for an INSERT's or an UPDATE's parameters.
inline value column_value(const table_info& table, const column_info& column, const void* object) {
  return reading_column(table, column, [&] { return column.access->get(object); });
}

// A value the driver refused names its 1-based parameter ("parameter 3: text holds ...");
// the flush knows which column each parameter is for, and says so instead.
inline error naming_column(const error& refused, const table_info& table, const std::vector<std::size_t>& columns) {
  auto details = refused.details();
  if (details.parameter == 0 || columns.empty()) return refused;
  const auto& column = table.columns()[columns[(details.parameter - 1) % columns.size()]];
  details.column = table.name() + "." + column.name;
  std::string reason = refused.message();
  auto prefix = "parameter " + std::to_string(details.parameter) + ": ";
  if (reason.starts_with(prefix)) reason.erase(0, prefix.size());
  return error{refused.code(), "column " + details.column + ": " + reason, std::move(details)};
}

/// What an INSERT's RETURNING gave, taken by the rows it was sent for: (statement, rows).
using returned_rows = std::function<void(const std::string&, const drivers::rowset&)>;

/// The rows of one INSERT form, from objects or from pending_rows: `fill` appends the
/// parameters of rows [first, first + n); `take(first, n)` makes what takes their RETURNING
/// (bound to those rows, so that a queued INSERT's answer finds them later).
struct insert_source {
  std::size_t size;
  std::function<void(std::size_t first, std::size_t n, params& out)> fill;
  std::function<returned_rows(std::size_t first, std::size_t n)> take;
};

/// One flush: unit_of_work::flush() makes one and runs it. The steps' numbers are those of
/// unit_of_work's comment.
class flush_run {
public:
  /// With `commit`, COMMIT goes with the flush's last statements when nothing follows them.
  flush_run(identity_map& objects, insert_journal& inserts, std::vector<pending_rows>& rows,
            const drivers::dialect& dialect, flush_options options, bool commit = false)
      : objects_(objects),
        inserts_(inserts),
        rows_(rows),
        inserts_mark_(inserts.size()),
        dialect_(dialect),
        options_(options),
        commit_(commit) {}

  /// Every step in order; on failure every object is restored and the error rethrown
  /// (unit_of_work.cpp).
  plan<flush_stats> run();

private:
  /// The tables of the flush's objects, deleted ones included, parents first (unit_of_work.cpp).
  std::vector<const table_info*> involved_tables();

  // (1) and (2a), flush_cascade.cpp: the save-update cascade, foreign keys from relationships,
  // and the journaled write of a column that every step uses.

  /// (1) Everything reachable from the session joins it (save-update cascade).
  void cascade();
  /// The record of a related object; one the session does not know joins it as pending.
  object_record* join(const relationship_info& rel, const std::shared_ptr<void>& related);
  /// Links `item` with what one of its relationships holds.
  void follow(const tracked& item, const relationship_info& rel);
  /// Sets one column during the flush, remembering its old value for restore().
  void write(object_record& record, void* object, const column_info& column, const value& x);
  /// A parent's key: a persistent one's, or the one its INSERT in this flush returned.
  static value key_of(const object_record& parent);
  /// (2a) Children's foreign keys from their parents.
  void apply_links(const table_info& table);

  // (2b), flush_inserts.cpp: batched multi-row INSERT ... RETURNING.

  /// (2b) One table's pending objects, grouped by the columns their INSERT leaves out.
  plan<void> insert_pending(const table_info& table);
  /// The INSERTs of one group, in batches of the source's rows; what they return goes to
  /// the source's `take`.
  plan<void> insert_group(const table_info& table, const std::vector<std::size_t>& included,
                          const std::vector<std::size_t>& returning, const insert_source& source);
  /// What one INSERT of `objects` returned (`returning`: the key columns first): keys and
  /// defaults written back into them, matched row by row.
  void take_returned(const table_info& table, const std::vector<std::size_t>& returning, bool key_generated,
                     std::span<const tracked* const> objects, const std::string& text, const drivers::rowset& rows);

  // (2b), flush_rows.cpp: the rows of objects the session holds as rows (pending_rows).

  /// (2b) One table's pending rows, before its objects; a parent's key kept for its children.
  plan<void> insert_rows(const table_info& table);
  /// True if some pending row waits for its parent's generated key.
  bool rows_need_keys() const noexcept;

  // (3) and (4), flush_updates.cpp: UPDATEs (sent at once or deferred) and DELETEs.

  /// (3) UPDATE of the columns that differ from the snapshot; with `defer`, queued.
  plan<void> update_dirty(const table_info& table, bool defer);
  /// update_dirty()'s rows of one column set as UPDATE ... FROM (VALUES ...), many rows a
  /// statement (on a backend that pipelines: see flush_updates.cpp).
  plan<void> update_from_values(const table_info& table, const std::vector<std::size_t>& changed,
                                const std::vector<const tracked*>& group, bool defer);
  /// One UPDATE statement's answer: every row it was sent for must have matched.
  void count_update(const table_info& table, std::int64_t affected, std::size_t rows, bool versioned,
                    const std::string& text);
  /// The statements queued by update_dirty(defer) and insert_group() (before a commit), as
  /// the statements of one pipeline.
  io::execute_batch deferred_statements();
  /// Takes the queued statements' answers (UPDATE row counts checked, INSERT keys written
  /// back), then forgets them.
  void check_deferred(const std::vector<drivers::rowset>& results);
  /// Sends the statements still queued, in one pipeline; with `commit`, COMMIT goes with them
  /// (each UPDATE checked on the way: one that matches no row commits nothing).
  plan<void> send_deferred(bool commit = false);
  /// A refused value of a queued statement, named after its column.
  error naming_deferred_column(const error& e) const;
  /// A queued UPDATE found matching no row before COMMIT, as the flush reports it.
  error stale_deferred(const error& e) const;
  /// (4) DELETE, children's tables before parents'.
  plan<void> delete_removed(const table_info& table);

  // The end, flush_finish.cpp.

  /// A statement failed: every object back as it was before the flush.
  void restore() noexcept;
  /// Every statement succeeded: now the identity map learns what happened.
  void finish();

  struct saved_value {
    void* object = nullptr;  ///< kept alive by work_ or its record for the flush's duration
    const column_info* column = nullptr;
    value old;
  };

  identity_map& objects_;
  insert_journal& inserts_;
  std::vector<pending_rows>& rows_;  ///< written table by table, dropped by the session after the flush
  std::size_t inserts_mark_;         ///< the journal's size before this flush
  const drivers::dialect& dialect_;
  flush_options options_;
  flush_stats stats_;
  block_arena memory_;  ///< work_'s and links_' blocks (declared first: freed after them)
  // Deques, one entry per object or link, grow in blocks: never copied as they grow.
  std::deque<tracked, flush_allocator<tracked>> work_{flush_allocator<tracked>{memory_}};
  std::deque<link, flush_allocator<link>> links_{flush_allocator<link>{memory_}};
  std::vector<std::pair<std::shared_ptr<void>, const relationship_info*>> write_only_owners_;
  std::vector<std::pair<std::shared_ptr<void>, const relationship_info*>> removed_from_;  ///< collections
  detail::association_rows associations_;
  std::vector<saved_value> journal_;
  std::vector<const tracked*> updated_;  ///< into work_, which no longer grows once they are taken
  /// Statements waiting to go with the next INSERT (or send_deferred()): an UPDATE per
  /// column set, or (before a commit) one multi-row INSERT.
  struct deferred_statement {
    const table_info* table;
    std::string text;
    /// UPDATE: one row each, or one set for all `rows` (UPDATE ... FROM VALUES); INSERT: one.
    /// Moved into the pipeline when it is sent (the vector keeps its size).
    std::vector<params> sets;
    std::size_t rows;
    bool versioned;
    std::vector<std::size_t> columns;  ///< the parameters' columns, to name a refused value
    /// INSERT: takes what RETURNING gave (see take_returned()); empty for an UPDATE.
    std::function<void(const drivers::rowset&)> returned{};
  };
  std::vector<deferred_statement> deferred_;
  std::size_t deferred_rows_ = 0;
  std::vector<tracked> deleted_;
  bool commit_;                 ///< COMMIT may go with the last statements
  bool queue_inserts_ = false;  ///< INSERTs wait in deferred_ too (before a commit)
  bool deletes_ = false;        ///< DELETEs follow the INSERTs and UPDATEs
  bool committed_ = false;      ///< COMMIT went with the last statements
};

}  // namespace orca::detail

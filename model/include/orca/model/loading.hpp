// orca::loader and orca::object_stream: rows become objects through the identity map, and
// relationships are loaded eagerly (selectinload). Run by sync_session on its connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <memory>
#include <utility>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/model/identity_map.hpp"
#include "orca/model/plan.hpp"
#include "orca/model/result_sink.hpp"
#include "orca/model/select.hpp"

namespace orca {

/// Tuning of loads.
struct load_options {
  std::size_t selectin_batch_size = 500;  ///< parent keys per `... WHERE fk IN (...)`
};

/// Loads objects for one session.
class loader {
public:
  loader(identity_map& objects, load_options options) : objects_(objects), options_(options) {}

  /// Runs a SELECT and its eager loads; returns the objects in row order (one object per
  /// primary key: rows of objects the session already has reuse them; with joinedload of a
  /// collection, one per object in the order of its first row).
  plan<std::vector<object_ref>> load(select_spec spec, const drivers::dialect& dialect);
  /// The same, driven on a connection.
  std::vector<object_ref> load(drivers::connection& connection, const select_spec& spec);

  /// Turns rows holding every column of `table` (ordinal order) into objects. Existing
  /// objects keep their values unless expired or `overwrite`; new objects get their
  /// collections marked not loaded, except those `spec` loads eagerly.
  std::vector<object_ref> merge(const table_info& table, const drivers::rowset& rows, const select_spec* spec,
                                bool overwrite = false);
  /// merge() of the first row alone (a lookup by primary key), without a vector for one
  /// object; a null object_ref of `table` if there is no row.
  object_ref merge_first(const table_info& table, const drivers::rowset& rows, bool overwrite = false) {
    return rows.empty() ? object_ref{&table, nullptr} : merge_row(table, rows, 0, 0, nullptr, overwrite);
  }

  /// The objects of a SELECT's rows: merge() of the statement's class, or with joinedload
  /// options, each row's joined objects too, with their relationships filled (a parent
  /// once, however many rows repeat it; a NULL joined row gives no object).
  std::vector<object_ref> merge_result(const select_spec& spec, const drivers::rowset& rows);
  /// merge_result() for one batch of a stream: its objects are made with make_shared, not
  /// carved from the session's slabs (object_slabs::bypass).
  std::vector<object_ref> merge_streamed(const select_spec& spec, const drivers::rowset& rows);
  /// The same for a batch of stream `stream` (nonzero), which keeps the rows: without eager
  /// or joined loads, the objects the session did not have are deferred
  /// (identity_map::defer()), so that those the consumer drops before the batch settles
  /// never get a record.
  std::vector<object_ref> merge_streamed(const select_spec& spec, drivers::rowset&& rows, std::uint64_t stream);

  /// Runs `spec` and puts the objects it finds in `sink`, in row order, then runs its eager
  /// loads for them: the statement's objects are in no other list by then. The class of
  /// `spec` must be the sink's.
  plan<void> load_into(select_spec spec, const drivers::dialect& dialect, std::shared_ptr<result_sink> sink);

  /// Runs the eager loads of `spec` for `parents` (selectin batches, pipelined where the
  /// backend can). `spec` and `parents` must outlive the plan.
  plan<void> load_relationships(const select_spec& spec, object_span parents, const drivers::dialect& dialect);
  /// The same, driven on a connection.
  void load_relationships(drivers::connection& connection, const select_spec& spec, object_span parents);

private:
  object_ref merge_row(const table_info& table, const drivers::rowset& rows, std::size_t row, std::size_t offset,
                       const select_spec* spec, bool overwrite);
  /// merge_row() of every row in order, each object given to `take` (an object_ref&&).
  template <class Take>
  void merge_each(const table_info& table, const drivers::rowset& rows, const select_spec* spec, bool overwrite,
                  Take&& take);
  /// A new object for row `row`: its relationships marked not loaded (but those `spec`
  /// loads eagerly), its write-only ones bound; no columns yet.
  std::shared_ptr<void> new_object(const table_info& table, const drivers::rowset& rows, std::size_t row,
                                   std::size_t offset, const select_spec* spec, const key& k);
  std::vector<object_ref> merge_joined(const select_spec& spec, const drivers::rowset& rows);
  plan<void> load_eager(const std::vector<loader_option>& options, object_span parents,
                        const drivers::dialect& dialect);
  /// Loads a collection of every parent; returns the children it loaded if `list_loaded`
  /// (nested loaders need them), else nothing (the collections hold them).
  plan<std::vector<object_ref>> load_collection(const relationship_info& rel, object_span parents,
                                                const drivers::dialect& dialect, bool list_loaded);
  plan<std::vector<object_ref>> load_secondary(const relationship_info& rel, object_span parents,
                                               const drivers::dialect& dialect);
  plan<std::vector<object_ref>> load_reference(const relationship_info& rel, object_span owners,
                                               const drivers::dialect& dialect);
  /// `SELECT ... WHERE column IN (...)` over `keys` (distinct) in batches: `consume` gets
  /// each batch's rows (objects of `loaded`) as they come. Pipelined where the dialect
  /// pipelines. A batch of consecutive integers asks for `column BETWEEN first AND last`.
  plan<void> select_in(const table_info& table, std::size_t column, const std::vector<key>& keys,
                       const drivers::dialect& dialect, const std::function<void(drivers::rowset&)>& consume);
  /// The same with the statements `sql_for(n)` (n keys each), and `between_sql()` for a
  /// batch of consecutive integers (none: always `sql_for`).
  plan<void> select_in(const table_info& loaded, const std::function<std::string(std::size_t)>& sql_for,
                       const std::vector<key>& keys, const drivers::dialect& dialect,
                       const std::function<void(drivers::rowset&)>& consume,
                       const std::function<std::string()>& between_sql = {});
  /// select_in() over the consecutive integers first .. first + count - 1: every batch asks
  /// for `column BETWEEN` its first and last, and no list of keys is made.
  plan<void> select_range(const table_info& table, std::size_t column, std::int64_t first, std::size_t count,
                          const drivers::dialect& dialect, const std::function<void(drivers::rowset&)>& consume);
  /// The statement of the batch of `n` keys from the `start`-th.
  using batch_statement = std::function<std::pair<std::string, params>(std::size_t start, std::size_t n)>;
  /// `count` keys in batches of the load's batch size, each read by `statement`.
  plan<void> select_batches(const table_info& loaded, std::size_t count, const batch_statement& statement,
                            const drivers::dialect& dialect, const std::function<void(drivers::rowset&)>& consume);

  identity_map& objects_;
  load_options options_;
};

/// A query read in batches from a cursor: at most one batch of rows is held at a time.
class object_stream {
public:
  /// `keepalive` (if any) is held until the cursor is gone: the connection's owner passes
  /// the connection itself, so that a cursor never outlives it.
  object_stream(std::unique_ptr<drivers::cursor> cursor, select_spec spec, std::size_t batch_size,
                std::shared_ptr<void> keepalive = {})
      : keepalive_(std::move(keepalive)), cursor_(std::move(cursor)), spec_(std::move(spec)), batch_size_(batch_size) {}

  /// The next batch of objects, with eager loads done; empty once exhausted.
  std::vector<object_ref> next(drivers::connection& connection, loader& loader);
  /// True once every row was read.
  bool exhausted() const noexcept { return cursor_ == nullptr; }
  /// Closes the cursor (idempotent).
  void close() noexcept;

private:
  std::shared_ptr<void> keepalive_;  // declared first: destroyed after the cursor
  std::unique_ptr<drivers::cursor> cursor_;
  select_spec spec_;
  std::size_t batch_size_;
  drivers::rowset rows_;
};

}  // namespace orca

// The flush's entry points and its order of steps: flush_run::run() cascades, then inserts and
// updates table by table, then deletes; unit_of_work::flush() runs one flush_run.
#include "orca/model/unit_of_work.hpp"

#include <algorithm>

#include "orca/model/dependency_order.hpp"
#include "flush_run.hpp"

namespace orca {

namespace detail {

plan<flush_stats> flush_run::run() {
  cascade();
  auto tables = involved_tables();
  std::exception_ptr failure;
  try {
    // When no foreign key waits for a key the database generates (every link's parent is
    // persistent), UPDATEs depend on no INSERT: each table's go first (SQLAlchemy's order)
    // and ride with the next INSERT, one round trip for both. Otherwise the UPDATEs follow
    // every INSERT, which set the keys they may need.
    bool pipelined = !rows_need_keys() && std::all_of(links_.begin(), links_.end(), [](const link& l) {
      return l.parent_record == nullptr || l.parent_record->state == object_state::persistent;
    });
    // Before a commit, the INSERTs wait with the UPDATEs too (nothing needs their keys
    // before the end), so that COMMIT can go in their round trip.
    queue_inserts_ = pipelined && commit_;
    for (auto* table : tables) {
      apply_links(*table);
      if (pipelined) co_await update_dirty(*table, true);
      co_await insert_rows(*table);
      co_await insert_pending(*table);
    }
    links_.clear();  // every foreign key is set
    if (!pipelined)
      for (auto* table : tables) co_await update_dirty(*table, false);
    // The statements still queued are the flush's last unless association rows or DELETEs
    // follow: then COMMIT goes with them.
    co_await send_deferred(commit_ && associations_.empty() && !deletes_);
    auto association_statements = co_await associations_.write(objects_, tables, dialect_, options_.insert_batch_size);
    stats_.statements += association_statements;
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) co_await delete_removed(**it);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    restore();
    std::rethrow_exception(failure);
  }
  finish();
  stats_.committed = committed_;
  co_return stats_;
}

std::vector<const table_info*> flush_run::involved_tables() {
  std::vector<const table_info*> tables;
  for (auto& t : work_)
    if (std::find(tables.begin(), tables.end(), t.record->table) == tables.end()) tables.push_back(t.record->table);
  for (auto& batch : rows_)
    for (auto& g : batch.groups())
      if (std::find(tables.begin(), tables.end(), g.table) == tables.end()) tables.push_back(g.table);
  objects_.for_each_record([&](object_record& r) {
    if (r.state != object_state::deleted) return;
    deletes_ = true;
    if (std::find(tables.begin(), tables.end(), r.table) == tables.end()) tables.push_back(r.table);
  });
  return sort_by_dependency(tables);
}

}  // namespace detail

plan<flush_stats> unit_of_work::flush(const drivers::dialect& dialect, bool commit) {
  detail::flush_run run{objects_, inserts_, rows_, dialect, options_, commit && dialect.commits_with_statements()};
  co_return co_await run.run();
}

flush_stats unit_of_work::flush(drivers::connection& connection) {
  return drive(flush(connection.sql_dialect()), connection);
}

}  // namespace orca

// sync_session's transaction protocol (its state diagram is in sync_session.hpp): BEGIN on
// first use, flush and autoflush, commit, rollback, savepoints and close, and what each does
// to the session's objects. Used by the session actor and synchronous callers.
#include <algorithm>

#include "orca/drivers/error.hpp"
#include "orca/model/sync_session.hpp"

namespace orca {

void sync_session::check_usable() const {
  if (state_ == transaction_state::closed) throw error(errc::closed, "the session is closed");
  if (state_ == transaction_state::failed)
    throw error(errc::pending_rollback, "this session's transaction was rolled back because of an earlier error (" +
                                            failure_ + "); call rollback() before using the session again");
}

// Not a coroutine itself: inside a transaction (the usual case) it returns an empty plan,
// which its awaiter skips without allocating a frame.
plan<void> sync_session::begin_if_needed() {
  check_usable();
  if (state_ != transaction_state::none) return {};
  return begin_now();
}

plan<void> sync_session::begin_now() {
  co_await io::begin{};
  state_ = transaction_state::active;
}

namespace {

// Changes queued in write-only and loaded collections are discarded with the transaction
// (else a queued change that made the flush fail would fail every flush).
void discard_queued_changes(const table_info& table, void* object) {
  for (auto& rel : table.relationships()) {
    if (auto* write_only = rel.write_only())
      write_only->clear_pending(object);
    else if (auto* collection = rel.collection())
      collection->clear_removed(object);
  }
}

// Many-to-many collections no longer match the association rows after a rollback: they
// are unloaded (a noload one holds nothing), so that reading one raises until it is loaded.
void unload_many_to_many(const table_info& table, void* object) {
  for (auto& rel : table.relationships()) {
    auto* many = rel.many_to_many();
    if (many == nullptr) continue;
    if (rel.loading == lazy::noload)
      many->assign(object, {});
    else
      many->set_unloaded(object, rel);
  }
}

}  // namespace

plan<flush_stats> sync_session::flush(const drivers::dialect& dialect) { return flush_then(dialect, false); }

plan<flush_stats> sync_session::flush_then(const drivers::dialect& dialect, bool commit) {
  co_await begin_if_needed();
  std::exception_ptr failure;
  try {
    co_await work_.cascade_deletes(dialect);
    // The flush forgets the objects it deletes; remember them until the transaction ends.
    std::vector<deleted_row> deleting;
    objects_.for_each_record([&](object_record& r) {
      if (r.state == object_state::deleted)  // deleted objects are held strongly
        deleting.push_back(
            {{r.table, r.lock()}, r.key, identity_map::snapshot_of(r), r.before_insert, r.inserted_in_transaction});
    });
    // The pending rows go with the flush, written or not: a failed flush loses the
    // transaction (or the savepoint's block) their objects were added in.
    auto drop_rows = [this] { rows_.clear(); };
    try {
      last_flush_ = co_await work_.flush(dialect, commit);
    } catch (...) {
      drop_rows();
      throw;
    }
    drop_rows();
    added_or_removed_ = false;
    for (auto& d : deleting) deleted_in_transaction_.push_back(std::move(d));
    co_return last_flush_;
  } catch (const std::exception& e) {
    // The unit of work restored the objects to what they were before this flush.
    failure = std::current_exception();
    failure_ = e.what();
  }
  // Inside a savepoint only that block is lost, as in SQLAlchemy: back to the savepoint,
  // database and objects, and the enclosing transaction goes on. The savepoint stays open
  // (ROLLBACK TO keeps it defined), so that its owner can still roll it back or release it.
  if (!savepoints_.empty()) {
    bool recovered = false;
    try {
      co_await roll_back_to_savepoint();
      recovered = true;
    } catch (const error&) {
      // The connection is gone (or refused ROLLBACK TO): the transaction fails as a whole.
    }
    if (recovered) {
      failure_.clear();
      std::rethrow_exception(failure);
    }
  }
  // Outside a savepoint the transaction is lost, as in SQLAlchemy.
  state_ = transaction_state::failed;
  savepoints_.clear();
  close_streams();
  try {
    co_await io::rollback{};
  } catch (const error&) {
    // A lost connection took the transaction with it: nothing is left to roll back.
  }
  std::rethrow_exception(failure);
}

// Not a coroutine itself: with nothing to flush it returns an empty plan (no frame).
plan<void> sync_session::autoflush(const drivers::dialect& dialect) {
  // exchange() clears the flag either way: a flush writes every queued write-only change.
  bool write_only_changed = objects_.write_only_changed()->exchange(false);
  if (!options_.autoflush || !(added_or_removed_ || write_only_changed)) return {};
  return autoflush_now(dialect);
}

plan<void> sync_session::autoflush_now(const drivers::dialect& dialect) { co_await flush(dialect); }

plan<void> sync_session::commit(const drivers::dialect& dialect) {
  check_usable();
  // Inside a savepoint a failed flush rolls back to it and the transaction goes on: COMMIT
  // then waits for a flush that succeeded.
  co_await flush_then(dialect, options_.commit_with_last_statements && savepoints_.empty());
  close_streams();
  if (!last_flush_.committed) co_await io::commit{};
  end_transaction();
  objects_.for_each_record([](object_record& r) {
    if (r.inserted_in_transaction) {
      r.inserted_in_transaction = false;
      r.before_insert = insert_journal::none;
    }
  });
  inserts_.clear();
  deleted_in_transaction_.clear();
  if (options_.expire_on_commit) expire_all();
}

plan<void> sync_session::rollback() {
  if (state_ == transaction_state::closed) throw error(errc::closed, "the session is closed");
  close_streams();
  co_await io::rollback{};
  forget_transaction();
}

void sync_session::rollback(drivers::connection* connection) {
  if (state_ == transaction_state::closed) throw error(errc::closed, "the session is closed");
  close_streams();
  if (connection != nullptr) connection->rollback();
  forget_transaction();
}

void sync_session::forget_transaction() {
  end_transaction();
  rows_.clear();  // rolled back with the objects added since the last commit
  std::vector<const void*> leaving;
  objects_.for_each([&](const std::shared_ptr<void>& object, object_record& r) {
    if (r.inserted_in_transaction) {
      // The row is gone: put back the values the object had before its INSERT.
      inserts_.restore(*r.table, object.get(), r.before_insert);
      leaving.push_back(object.get());
    } else if (r.state == object_state::pending) {
      leaving.push_back(object.get());
    } else {
      if (r.state == object_state::deleted) {
        r.state = object_state::persistent;
        r.hold_weakly();  // persistent objects are held weakly again
      }
      r.expired = true;
      discard_queued_changes(*r.table, object.get());
      unload_many_to_many(*r.table, object.get());
    }
  });
  for (auto* object : leaving) objects_.erase(object);
  // Rows the transaction deleted exist again, and so do their objects (after the erasures
  // above: an object inserted in the transaction may have been given a deleted row's key).
  for (auto& d : deleted_in_transaction_) {
    if (objects_.find(d.object.object.get()) != nullptr) continue;
    if (d.inserted_in_transaction) {
      inserts_.restore(*d.object.table, d.object.object.get(), d.before_insert);
      continue;
    }
    objects_.add_persistent(d.object, d.key, d.snapshot).expired = true;
  }
  deleted_in_transaction_.clear();
  inserts_.clear();
}

namespace {

std::string savepoint_name(std::size_t depth) { return "orca_savepoint_" + std::to_string(depth); }

// Gives an object back the values of its snapshot, and of its key.
void restore_snapshot(const table_info& table, void* object, const key& k, const std::vector<value>& snapshot) {
  if (snapshot.size() != table.snapshot_width()) return;  // never loaded: nothing to give back
  for (std::size_t part = 0; auto key_column : table.primary_key_columns())
    table.columns()[key_column].access->set(object, k.part(part++));
  for (const auto& column : table.columns())
    if (auto slot = table.snapshot_slot(column.ordinal); slot != table_info::no_snapshot_slot)
      column.access->set(object, snapshot[slot]);
}

}  // namespace

plan<void> sync_session::begin_nested(const drivers::dialect& dialect) {
  co_await begin_if_needed();
  co_await flush(dialect);  // the savepoint starts from objects that match their rows
  savepoint_mark mark{{}, deleted_in_transaction_.size(), inserts_.size()};
  objects_.for_each([&](const std::shared_ptr<void>& object, object_record& r) {
    if (r.state == object_state::persistent) mark.snapshots.emplace(object.get(), identity_map::snapshot_of(r));
  });
  io::execute statement{"SAVEPOINT " + savepoint_name(savepoints_.size() + 1), {}};
  co_await statement;
  savepoints_.push_back(std::move(mark));
}

plan<void> sync_session::release_nested(const drivers::dialect& dialect) {
  check_usable();
  if (savepoints_.empty()) throw error(errc::invalid_state, "no savepoint is open: call begin_nested() first");
  auto depth = savepoints_.size();
  try {
    co_await flush(dialect);
  } catch (...) {
    // A flush that failed inside the savepoint rolled back to it: the block ends there, as
    // its owner (which asked to release it) expects it ended.
    if (state_ == transaction_state::active && savepoints_.size() == depth) savepoints_.pop_back();
    throw;
  }
  io::execute statement{"RELEASE SAVEPOINT " + savepoint_name(savepoints_.size()), {}};
  co_await statement;
  savepoints_.pop_back();
}

plan<void> sync_session::rollback_nested() {
  check_usable();
  if (savepoints_.empty()) throw error(errc::invalid_state, "no savepoint is open: call begin_nested() first");
  co_await roll_back_to_savepoint();
  savepoints_.pop_back();
}

plan<void> sync_session::roll_back_to_savepoint() {
  close_streams();
  // The savepoint stays defined after ROLLBACK TO; the next one of this depth reuses its name.
  io::execute statement{"ROLLBACK TO SAVEPOINT " + savepoint_name(savepoints_.size()), {}};
  co_await statement;
  restore_savepoint(savepoints_.back());
  added_or_removed_ = false;  // what the block added or deleted is undone
}

void sync_session::restore_savepoint(const savepoint_mark& mark) {
  std::vector<const void*> leaving;
  std::vector<std::pair<std::shared_ptr<void>, const table_info*>> staying;
  objects_.for_each([&](const std::shared_ptr<void>& object, object_record& r) {
    auto saved = mark.snapshots.find(object.get());
    if (saved == mark.snapshots.end() && (r.state == object_state::pending || r.inserted_in_transaction)) {
      // Added since the savepoint: its row (if flushed) is gone; it becomes transient.
      if (r.inserted_in_transaction) inserts_.restore(*r.table, object.get(), r.before_insert);
      leaving.push_back(object.get());
      return;
    }
    if (r.state == object_state::deleted) {
      r.state = object_state::persistent;
      r.hold_weakly();
    }
    if (saved != mark.snapshots.end()) {
      restore_snapshot(*r.table, object.get(), r.key, saved->second);
      objects_.set_snapshot(r, saved->second);
    } else {
      r.expired = true;  // first loaded since the savepoint: the next load overwrites it
    }
    discard_queued_changes(*r.table, object.get());
    staying.emplace_back(object, r.table);
  });
  for (auto* object : leaving) objects_.erase(object);
  // A collection that holds an object added since the savepoint no longer matches the
  // database: it is unloaded (reading it raises not_loaded until it is loaded again).
  for (auto& [object, table] : staying) unload_many_to_many(*table, object.get());
  for (auto& [object, table] : staying)
    for (auto& rel : table->relationships()) {
      auto* collection = rel.collection();
      if (collection == nullptr) continue;
      auto items = collection->items(object.get());
      if (std::any_of(items.begin(), items.end(),
                      [&](const auto& item) { return objects_.find(item.get()) == nullptr; }))
        collection->set_unloaded(object.get(), rel);
    }
  // Rows deleted since the savepoint exist again, and so do their objects.
  for (auto i = mark.deleted_rows; i < deleted_in_transaction_.size(); ++i) {
    auto& d = deleted_in_transaction_[i];
    auto* address = d.object.object.get();
    if (objects_.find(address) != nullptr) continue;
    auto saved = mark.snapshots.find(address);
    if (saved == mark.snapshots.end() && d.inserted_in_transaction) {
      inserts_.restore(*d.object.table, address, d.before_insert);  // inserted and deleted since
      continue;
    }
    auto snapshot = saved != mark.snapshots.end() ? saved->second : d.snapshot;
    restore_snapshot(*d.object.table, address, d.key, snapshot);
    auto& r = objects_.add_persistent(d.object, d.key, snapshot);
    r.expired = saved == mark.snapshots.end();
    r.inserted_in_transaction = d.inserted_in_transaction;
    r.before_insert = d.before_insert;
  }
  deleted_in_transaction_.erase(deleted_in_transaction_.begin() + static_cast<std::ptrdiff_t>(mark.deleted_rows),
                                deleted_in_transaction_.end());
  // Every chain into the block's entries belonged to an object that left above.
  inserts_.truncate(mark.journal_entries);
  rows_.clear();  // begin_nested() flushed the rows before it: these are the block's
}

void sync_session::close(drivers::connection* connection) {
  close_streams();
  if (connection != nullptr && state_ != transaction_state::none && state_ != transaction_state::closed)
    connection->rollback();
  close_without_io();
}

void sync_session::lose_transaction(const std::string& why) {
  if (state_ != transaction_state::active) return;
  state_ = transaction_state::failed;
  savepoints_.clear();
  failure_ = why;
  close_streams();
}

void sync_session::close_without_io() {
  close_streams();
  // Two many-to-many collections that back_populate each other hold each other's objects:
  // a shared_ptr cycle, broken here by unloading them (the objects outlive the session).
  objects_.for_each([](const std::shared_ptr<void>& object, object_record& r) {
    for (auto& rel : r.table->relationships())
      if (rel.many_to_many() != nullptr && rel.back_populates != nullptr)
        rel.many_to_many()->set_unloaded(object.get(), rel);
  });
  objects_.clear();
  rows_.clear();
  deleted_in_transaction_.clear();
  inserts_.clear();
  savepoints_.clear();
  state_ = transaction_state::closed;
}

flush_stats sync_session::flush(drivers::connection& connection) {
  return drive(flush(connection.sql_dialect()), connection);
}

void sync_session::commit(drivers::connection& connection) { drive(commit(connection.sql_dialect()), connection); }

void sync_session::end_transaction() {
  state_ = transaction_state::none;
  savepoints_.clear();
  failure_.clear();
  // Records of objects that died meanwhile go now: every flush and commit walks the
  // records, so a long-lived session must not carry the dead of earlier transactions (a
  // sweep on the adds' schedule would leave them to every later flush when no add comes).
  // When none is alive (a batch the application let go of), they go at once rather than one
  // by one out of both indexes.
  if (objects_.any_alive())
    objects_.purge();
  else
    objects_.clear();
}

}  // namespace orca

// The synchronous session: transaction protocol around the identity map, the unit of work
// and the loader.
#include "orca/model/sync_session.hpp"

#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"

namespace orca {

sync_session::sync_session(session_options options)
    : options_(options),
      work_(objects_, flush_options{options.insert_batch_size}),
      loader_(objects_, load_options{options.selectin_batch_size}) {}

void sync_session::check_usable() const {
  if (state_ == transaction_state::closed)
    throw error(errc::closed, "the session is closed");
  if (state_ == transaction_state::failed)
    throw error(errc::pending_rollback,
                "this session's transaction was rolled back because of an earlier error (" + failure_ +
                    "); call rollback() before using the session again");
}

void sync_session::begin_if_needed(drivers::connection& connection) {
  check_usable();
  if (state_ == transaction_state::none) {
    if (!connection.in_transaction()) connection.begin();
    state_ = transaction_state::active;
  }
}

void sync_session::add(const object_ref& object) {
  check_usable();
  if (!object) throw error(errc::invalid_argument, "session.add() was given a null object");
  added_or_removed_ = true;
  if (auto* r = objects_.find(object.object.get())) {
    if (r->state == object_state::deleted) {
      r->state = object_state::persistent;
      r->weak = r->strong;
      r->strong.reset();
    }
    return;
  }
  objects_.add_pending(object);
}

void sync_session::remove(const object_ref& object) {
  check_usable();
  added_or_removed_ = true;
  auto* r = objects_.find(object.object.get());
  if (r == nullptr)
    throw error(errc::invalid_state, "cannot delete a " + object.table->class_name() + " that is not in this session");
  if (r->state == object_state::pending) {
    objects_.erase(object.object.get());
  } else if (r->state == object_state::persistent) {
    r->state = object_state::deleted;
    r->strong = object.object;
  }
}

void sync_session::expunge(const object_ref& object) { objects_.erase(object.object.get()); }

object_state sync_session::state_of(const void* object) {
  auto* r = objects_.find(object);
  return r == nullptr ? object_state::transient : r->state;
}

namespace {

// Expired collections are unloaded too: touching one raises until a load fills it again,
// as SQLAlchemy's expired lazy="raise" relationships do.
void expire_record(object_record& r) {
  r.expired = true;
  for (auto& rel : r.table->relationships())
    if (rel.kind == relationship_kind::one_to_many)
      if (auto object = r.lock()) rel.access->set_unloaded(object.get(), rel);
}

void restore_columns(const table_info& table, void* object, const std::vector<std::pair<std::size_t, value>>& values) {
  // Newest first: a column written twice gets its oldest value last.
  for (auto it = values.rbegin(); it != values.rend(); ++it) table.columns()[it->first].access->set(object, it->second);
}

}  // namespace

void sync_session::expire(const object_ref& object) {
  if (auto* r = objects_.find(object.object.get()); r != nullptr && r->state == object_state::persistent)
    expire_record(*r);
}

void sync_session::expire_all() {
  objects_.for_each_record([](object_record& r) {
    if (r.state == object_state::persistent) expire_record(r);
  });
}

flush_stats sync_session::flush(drivers::connection& connection) {
  begin_if_needed(connection);
  // The flush forgets the objects it deletes; remember them until the transaction ends.
  std::vector<deleted_row> deleting;
  objects_.for_each_record([&](object_record& r) {
    if (r.state == object_state::deleted)  // deleted objects are held strongly
      deleting.push_back({{r.table, r.strong}, r.key, r.snapshot, r.before_insert, r.inserted_in_transaction});
  });
  try {
    last_flush_ = work_.flush(connection);
    added_or_removed_ = false;
    for (auto& d : deleting) deleted_in_transaction_.push_back(std::move(d));
    return last_flush_;
  } catch (const error& e) {
    // The unit of work restored the objects; the transaction is lost, as in SQLAlchemy.
    failure_ = e.what();
    connection.rollback();
    state_ = transaction_state::failed;
    close_streams();
    throw;
  }
}

void sync_session::autoflush(drivers::connection& connection) {
  // exchange() clears the flag either way: a flush writes every queued write-only change.
  bool write_only_changed = objects_.write_only_changed()->exchange(false);
  if (options_.autoflush && (added_or_removed_ || write_only_changed)) flush(connection);
}

std::vector<object_ref> sync_session::execute(drivers::connection& connection, const select_spec& spec) {
  begin_if_needed(connection);
  autoflush(connection);
  return loader_.load(connection, spec);
}

object_ref sync_session::get(drivers::connection& connection, const table_info& table, std::int64_t key) {
  check_usable();
  if (auto* r = objects_.find(table, key); r != nullptr && !r->expired && r->state == object_state::persistent)
    return {&table, r->lock()};
  begin_if_needed(connection);
  autoflush(connection);
  auto rows = connection.execute(sql::select_by_key(table, connection.sql_dialect()), {value{key}});
  auto objects = loader_.merge(table, rows, nullptr);
  return objects.empty() ? object_ref{&table, nullptr} : objects.front();
}

void sync_session::refresh(drivers::connection& connection, const object_ref& object) {
  begin_if_needed(connection);
  auto* r = objects_.find(object.object.get());
  if (r == nullptr || r->state != object_state::persistent)
    throw error(errc::invalid_state, "cannot refresh a " + object.table->class_name() + " that is not persistent in this session");
  auto rows = connection.execute(sql::select_by_key(*object.table, connection.sql_dialect()), {value{r->key}});
  if (rows.empty())
    throw error(errc::no_result, object.table->class_name() + " with " + object.table->primary_key().name + " = " +
                                     std::to_string(r->key) + " no longer exists");
  loader_.merge(*object.table, rows, nullptr, true);
}

void sync_session::commit(drivers::connection& connection) {
  check_usable();
  flush(connection);
  close_streams();
  connection.commit();
  end_transaction();
  objects_.for_each_record([](object_record& r) {
    if (r.inserted_in_transaction) {
      r.inserted_in_transaction = false;
      r.before_insert.clear();
    }
  });
  deleted_in_transaction_.clear();
  if (options_.expire_on_commit) expire_all();
}

void sync_session::rollback(drivers::connection* connection) {
  if (state_ == transaction_state::closed) throw error(errc::closed, "the session is closed");
  close_streams();
  if (connection != nullptr) connection->rollback();
  end_transaction();
  std::vector<const void*> leaving;
  objects_.for_each([&](const std::shared_ptr<void>& object, object_record& r) {
    if (r.inserted_in_transaction) {
      // The row is gone: put back the values the object had before its INSERT.
      restore_columns(*r.table, object.get(), r.before_insert);
      leaving.push_back(object.get());
    } else if (r.state == object_state::pending) {
      leaving.push_back(object.get());
    } else {
      if (r.state == object_state::deleted) {
        r.state = object_state::persistent;
        r.weak = r.strong;  // persistent objects are held weakly again
        r.strong.reset();
      }
      r.expired = true;
      // Unflushed write-only changes are discarded with the rest of the transaction's
      // changes (else a queued change that made the flush fail would fail every flush).
      for (auto& rel : r.table->relationships())
        if (rel.kind == relationship_kind::write_only) rel.access->clear_pending(object.get());
    }
  });
  for (auto* object : leaving) objects_.erase(object);
  // Rows the transaction deleted exist again, and so do their objects (after the erasures
  // above: an object inserted in the transaction may have been given a deleted row's key).
  for (auto& d : deleted_in_transaction_) {
    if (objects_.find(d.object.object.get()) != nullptr) continue;
    if (d.inserted_in_transaction) {
      restore_columns(*d.object.table, d.object.object.get(), d.before_insert);
      continue;
    }
    objects_.add_persistent(d.object, d.key, std::move(d.snapshot)).expired = true;
  }
  deleted_in_transaction_.clear();
}

void sync_session::close(drivers::connection* connection) {
  close_streams();
  if (connection != nullptr && state_ != transaction_state::none && state_ != transaction_state::closed)
    connection->rollback();
  objects_.clear();
  deleted_in_transaction_.clear();
  state_ = transaction_state::closed;
}

void sync_session::end_transaction() {
  state_ = transaction_state::none;
  failure_.clear();
}

std::uint64_t sync_session::open_stream(drivers::connection& connection, const select_spec& spec,
                                        std::size_t batch_size, std::shared_ptr<void> keepalive) {
  begin_if_needed(connection);
  autoflush(connection);
  auto statement = sql::compile_select(spec, connection.sql_dialect());
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

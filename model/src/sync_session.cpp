// sync_session: the session's objects (add, remove, expunge, merge, expire) and their loads
// by statement or key (execute, get, refresh); used by the session actor and synchronous
// callers. The rest of the class: session_transaction.cpp (BEGIN to COMMIT or ROLLBACK,
// savepoints, close), session_streams.cpp, session_queries.cpp (run).
#include "orca/model/sync_session.hpp"

#include <type_traits>

#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"

namespace orca {

static_assert(std::is_same_v<decltype(object_record::before_insert), insert_journal::position>,
              "object_record::before_insert holds a position in the session's insert_journal");

sync_session::sync_session(session_options options)
    : options_(options),
      work_(objects_, inserts_, rows_, flush_options{options.insert_batch_size}),
      loader_(objects_, load_options{options.selectin_batch_size}) {}

void sync_session::add(const object_ref& object) {
  check_usable();
  if (!object) throw error(errc::invalid_argument, "session.add() was given a null object");
  added_or_removed_ = true;
  if (auto* r = objects_.find(object.object.get())) {
    if (r->state == object_state::deleted) {
      r->state = object_state::persistent;
      r->hold_weakly();
    }
    return;
  }
  objects_.add_pending(object);
}

void sync_session::add_rows(pending_rows rows) {
  check_usable();
  if (rows.empty()) return;
  added_or_removed_ = true;
  rows_.push_back(std::move(rows));
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
    r->hold(object.object);
  }
}

void sync_session::expunge(const object_ref& object) {
  if (!object || objects_.find(object.object.get()) == nullptr)
    throw error(errc::invalid_state, "cannot expunge a " +
                                         (object.table ? object.table->class_name() : std::string{"null"}) +
                                         " that is not in this session");
  objects_.erase(object.object.get());
}

plan<object_ref> sync_session::merge(object_ref copy, const drivers::dialect& dialect) {
  check_usable();
  if (!copy) throw error(errc::invalid_argument, "session.merge() was given a null object");
  const auto& table = *copy.table;
  object_ref target{&table, nullptr};
  if (auto key = table.key_of(copy.object.get()); key != 0) target = co_await get(table, key, dialect);
  if (!target) {
    add(copy);
    co_return copy;
  }
  for (const auto& column : table.columns()) {
    // A column left unset on a server-defaulted member was "not given", as for an INSERT.
    if (column.server_default && column.access->is_unset(copy.object.get())) continue;
    column.access->set(target.object.get(), column.access->get(copy.object.get()));
  }
  co_return target;
}

object_state sync_session::state_of(const void* object) {
  auto* r = objects_.find(object);
  return r == nullptr ? object_state::transient : r->state;
}

namespace {

// Expired collections and references are unloaded too: touching one raises until a load
// fills it again, as SQLAlchemy's expired lazy="raise" relationships do.
void expire_record(object_record& r) {
  r.expired = true;
  auto object = r.lock();
  if (!object) return;
  for (auto& rel : r.table->relationships()) {
    if (rel.loading == lazy::noload) continue;
    if (auto* collection = rel.any_collection())
      collection->set_unloaded(object.get(), rel);
    else if (auto* reference = rel.reference())
      reference->set_unloaded(object.get(), rel);
  }
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

plan<std::vector<object_ref>> sync_session::execute(select_spec spec, const drivers::dialect& dialect) {
  auto sink = std::make_shared<object_list_sink>(spec.table);
  co_await execute_into(std::move(spec), dialect, sink);
  co_return std::move(sink->objects);
}

plan<void> sync_session::execute_into(select_spec spec, const drivers::dialect& dialect,
                                      std::shared_ptr<result_sink> sink) {
  sql::check_select(spec);  // a statement orca refuses sends nothing, not even BEGIN
  co_await begin_if_needed();
  co_await autoflush(dialect);
  co_await loader_.load_into(std::move(spec), dialect, std::move(sink));
}

object_ref sync_session::identity_lookup(const table_info& table, const key& k) {
  check_usable();
  if (auto* r = objects_.find(table, k); r != nullptr && !r->expired && r->state == object_state::persistent)
    return {&table, r->lock()};
  return {&table, nullptr};
}

plan<object_ref> sync_session::get(const table_info& table, key k, const drivers::dialect& dialect) {
  if (auto found = identity_lookup(table, k)) co_return found;
  co_await begin_if_needed();
  co_await autoflush(dialect);
  params parameters;
  k.append_to(parameters);
  io::execute query{select_by_key(table, dialect), std::move(parameters)};
  auto rows = co_await query;
  co_return loader_.merge_first(table, rows);
}

plan<void> sync_session::refresh(object_ref object, const drivers::dialect& dialect) {
  co_await begin_if_needed();
  auto* r = objects_.find(object.object.get());
  if (r == nullptr || r->state != object_state::persistent)
    throw error(errc::invalid_state,
                "cannot refresh a " + object.table->class_name() + " that is not persistent in this session");
  auto key = r->key;
  params parameters;
  key.append_to(parameters);
  io::execute query{select_by_key(*object.table, dialect), std::move(parameters)};
  auto rows = co_await query;
  if (rows.empty())
    throw error(errc::no_result, object.table->class_name() + " with " + object.table->primary_key().name + " = " +
                                     key.to_string() + " no longer exists");
  loader_.merge_first(*object.table, rows, true);
}

const std::string& sync_session::select_by_key(const table_info& table, const drivers::dialect& dialect) {
  for (auto& known : by_key_sql_)
    if (known.table == &table && known.dialect == &dialect) return known.sql;
  return by_key_sql_.emplace_back(by_key_statement{&table, &dialect, sql::select_by_key(table, dialect)}).sql;
}

std::vector<object_ref> sync_session::execute(drivers::connection& connection, const select_spec& spec) {
  return drive(execute(spec, connection.sql_dialect()), connection);
}

object_ref sync_session::get(drivers::connection& connection, const table_info& table, key k) {
  return drive(get(table, std::move(k), connection.sql_dialect()), connection);
}

void sync_session::refresh(drivers::connection& connection, const object_ref& object) {
  drive(refresh(object, connection.sql_dialect()), connection);
}

bool sync_session::holds_nothing() {
  if (state_ != transaction_state::none || !streams_.empty() || !rows_.empty()) return false;
  objects_.purge();
  return objects_.size() == 0;
}

}  // namespace orca

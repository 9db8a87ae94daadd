// The end of a flush (flush_run, flush_run.hpp): restore() puts every object back after a
// failed statement; finish() tells the identity map what the flush did once all succeeded.
#include <algorithm>

#include "flush_run.hpp"

namespace orca::detail {

namespace {

// Sets a record's snapshot to its object's columns but the key's.
void read_columns(identity_map& objects, object_record& record, const void* object) {
  auto& table = *record.table;
  for (auto& c : table.columns())
    if (auto slot = table.snapshot_slot(c.ordinal); slot != table_info::no_snapshot_slot)
      objects.set_snapshot(record, slot, c.access->get(object));
}

}  // namespace

void flush_run::restore() noexcept {
  // The values were read from the objects themselves, so they convert back.
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    try {
      it->column->access->set(it->object, it->old);
    } catch (...) {
    }
  }
  for (auto& t : work_)
    if (t.record->state == object_state::pending) {
      try {
        inserts_.restore(*t.record->table, t.object.get(), t.record->before_insert);
      } catch (...) {
      }
      t.record->before_insert = insert_journal::none;
      t.record->key = key{};
    }
  inserts_.truncate(inserts_mark_);
}

// Every statement succeeded: now the identity map learns what happened.
void flush_run::finish() {
  // An inserted object that only the session holds (added as a temporary and let go, as a
  // bulk load does) would die as soon as the flush lets go of it, and a persistent object
  // is held weakly: it leaves the session now, without a key entry or a snapshot. work_ has
  // parents before the children their collections hold (the cascade appends children), so
  // letting go of a parent first can leave its children held by the session alone too.
  // Anything a flush structure or another object still holds has more references and stays.
  std::vector<std::pair<const table_info*, std::size_t>> inserted;  // per table: a handful
  for (auto& t : work_) {
    if (t.record->state != object_state::pending) continue;
    if (t.object.use_count() == 2 && t.record->held()) {  // this entry and its record
      objects_.erase(*t.record);
      t.record = nullptr;
      t.object.reset();  // the object (and what only it held) goes now
      continue;
    }
    auto at = std::find_if(inserted.begin(), inserted.end(), [&](auto& x) { return x.first == t.record->table; });
    if (at == inserted.end())
      inserted.emplace_back(t.record->table, 1);
    else
      ++at->second;
  }
  for (auto& [table, n] : inserted) objects_.reserve_keys(*table, n);
  // Every pending object of the flush was inserted: each table of work_ had its INSERTs.
  for (auto& t : work_) {
    if (t.record == nullptr || t.record->state != object_state::pending) continue;
    auto& r = *t.record;
    r.inserted_in_transaction = true;
    objects_.make_persistent(r, r.key);
    read_columns(objects_, r, t.object.get());
  }
  for (const auto* t : updated_) read_columns(objects_, *t->record, t->object.get());
  for (auto& t : deleted_) objects_.erase(t.object.get());
  for (auto& [owner, rel] : removed_from_) rel->collection()->clear_removed(owner.get());
  associations_.finish();
  for (auto& [owner, rel] : write_only_owners_) {
    auto* write_only = rel->write_only();
    write_only->clear_pending(owner.get());
    if (auto* r = objects_.find(owner.get()); r != nullptr && r->state == object_state::persistent)
      write_only->bind(owner.get(), *rel, r->key.part(0), objects_.write_only_changed());
  }
}

}  // namespace orca::detail

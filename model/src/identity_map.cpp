// The identity map: records in chunks by slot, indexed by object address and, for
// persistent objects, by key.
#include "orca/model/identity_map.hpp"

#include <algorithm>
#include <memory>
#include <new>
#include <string>
#include <type_traits>

#include "orca/drivers/error.hpp"
#include "relationship_sync.hpp"
#include "row_loading.hpp"

namespace orca {

object_record* identity_map::find(const void* object) {
  settle_deferred();
  if (!address_indexed_) index_addresses();
  auto* record = static_cast<object_record*>(by_address_.find(object));
  if (record == nullptr) return nullptr;
  // A dead record's address may have been reused by a new object: it is not this one.
  if (record->dead()) {
    erase_record(*record);
    return nullptr;
  }
  return record;
}

object_record* identity_map::find(const table_info& table, const key& k) {
  settle_deferred();
  return find_key(table, k);
}

object_record* identity_map::find_recorded(const table_info& table, const key& k) { return find_key(table, k); }

object_record* identity_map::find_key(const table_info& table, const key& k) {
  auto* found = by_key_.find(&table, k);
  if (found == nullptr) return nullptr;
  auto* record = static_cast<object_record*>(const_cast<void*>(found));
  // The slot may now hold another object's record (its old one was erased and the slot
  // reused): the key entry is stale then, and must not hand out that object.
  if (record->table != &table || record->key != k ||
      (record->state != object_state::persistent && record->state != object_state::deleted)) {
    by_key_.erase(&table, k, found);
    return nullptr;
  }
  if (record->dead()) {
    erase_record(*record);
    return nullptr;
  }
  return record;
}

object_record& identity_map::fresh_record(const void* address) {
  // One probe finds the address's entry or adds it. A dead object's record at this (reused)
  // address must take its key entry with it; erasing it removes the entry, so it is added
  // again. Without the address index, a dead record at this address stays until a purge
  // (or the index's build) finds it dead.
  void** entry = nullptr;
  if (address_indexed_) {
    entry = &by_address_.entry(address);
    if (*entry != nullptr) {
      erase_record(*static_cast<object_record*>(*entry));
      entry = &by_address_.entry(address);
    }
  }
  object_record* fresh;
  if (free_ != nullptr) {
    fresh = free_;
    free_ = fresh->next_free_;
    fresh->snapshot_ = nullptr;
  } else {
    if (high_water_ == chunks_.size() << chunk_bits) add_chunk();
    fresh = &at(high_water_++);
  }
  auto& r = *fresh;
  if (entry != nullptr) *entry = &r;  // add_chunk() above allocates records only: the entry is where it was
  ++records_;
  return r;
}

void identity_map::index_addresses() {
  by_address_.reserve(records_);
  for (std::size_t i = 0; i < high_water_; ++i) {
    auto& r = at(i);
    if (r.table == nullptr) continue;
    if (r.dead())
      erase_record(r);  // its address may be a live object's now
    else
      by_address_.put(r.address(), &r);
  }
  address_indexed_ = true;
}

void identity_map::add_chunk() {
  constexpr std::size_t n = std::size_t{1} << chunk_bits;
  static_assert(alignof(object_record) <= block_arena::alignment);
  if (!pool_) pool_ = std::make_unique<snapshot_pool>();
  auto* storage = static_cast<object_record*>(pool_->arena().allocate(n * sizeof(object_record)));
  // The constructor cannot throw: building the chunk cannot fail halfway.
  static_assert(std::is_nothrow_default_constructible_v<object_record>);
  for (std::size_t i = 0; i < n; ++i) std::construct_at(storage + i);
  std::unique_ptr<object_record, chunk_deleter> chunk(storage);
  chunks_.push_back(std::move(chunk));
}

void identity_map::chunk_deleter::operator()(object_record* records) const noexcept {
  std::destroy_n(records, std::size_t{1} << chunk_bits);  // the memory goes with the arena
}

object_record& identity_map::add_pending(const object_ref& object) {
  settle_deferred();
  auto& r = fresh_record(object.object.get());
  r.table = object.table;
  r.hold(object.object);
  r.state = object_state::pending;
  r.sequence = next_sequence();
  detail::bind_relationships(object);
  return r;
}

object_record& identity_map::add_persistent(const object_ref& object, key k, const std::vector<value>& snapshot) {
  auto& r = add_persistent(object, std::move(k));
  if (!snapshot.empty()) set_snapshot(r, snapshot);
  return r;
}

std::byte* identity_map::snapshot_for(object_record& record) {
  if (record.snapshot_ == nullptr) {
    auto& table = *record.table;
    if (!pool_) pool_ = std::make_unique<snapshot_pool>();
    auto* snapshot = static_cast<std::byte*>(pool_->allocate(table.snapshot_bytes(), alignof(packed_value)));
    for (std::size_t slot = 0; slot < table.snapshot_width(); ++slot) {
      auto& field = table.snapshot_layout(slot);
      if (field.fixed == value_type::null)
        std::construct_at(reinterpret_cast<packed_value*>(snapshot + field.offset));  // NULL
      else
        store_unaligned(snapshot + field.offset, std::int64_t{0});  // set before it is read
    }
    record.snapshot_ = snapshot;
  }
  return record.snapshot_;
}

namespace {

template <class X>
void set_slot(object_record& record, std::byte* snapshot, std::size_t slot, const X& x, snapshot_pool& pool) {
  auto& field = record.table->snapshot_layout(slot);
  auto* at = snapshot + field.offset;
  if (field.fixed != value_type::null) {
    if (!fixed_value::store(at, field.fixed, x))
      throw error(errc::internal, "a snapshot of " + record.table->class_name() + " holds " +
                                      std::string{to_string(field.fixed)} + " in slot " + std::to_string(slot) +
                                      ", not " + std::string{to_string(x.type())});
    return;
  }
  // Packed before the old value is released: if packing fails (no memory), the slot keeps it.
  auto packed = packed_value::pack(x, pool);
  auto* old = std::launder(reinterpret_cast<packed_value*>(at));
  old->release(pool);
  *old = packed;
}

}  // namespace

void identity_map::set_snapshot(object_record& record, std::size_t slot, const value& x) {
  auto* snapshot = snapshot_for(record);
  set_slot(record, snapshot, slot, x, *pool_);
}

void identity_map::set_snapshot(object_record& record, std::size_t slot, const drivers::cell& x) {
  auto* snapshot = snapshot_for(record);
  set_slot(record, snapshot, slot, x, *pool_);
}

void identity_map::set_snapshot(object_record& record, const std::vector<value>& values) {
  if (values.empty()) {
    drop_snapshot(record);
    return;
  }
  if (values.size() != record.table->snapshot_width())
    throw error(errc::internal, "a snapshot of " + record.table->class_name() + " takes " +
                                    std::to_string(record.table->snapshot_width()) + " values, not " +
                                    std::to_string(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) set_snapshot(record, i, values[i]);
}

std::vector<value> identity_map::snapshot_of(const object_record& record) {
  std::vector<value> values;
  if (record.snapshot_ == nullptr) return values;
  auto width = record.table->snapshot_width();
  values.reserve(width);
  for (std::size_t i = 0; i < width; ++i) values.push_back(record.snapshot(i));
  return values;
}

void identity_map::drop_snapshot(object_record& record) noexcept {
  if (record.snapshot_ == nullptr) return;
  auto& table = *record.table;
  for (std::size_t slot = 0; slot < table.snapshot_width(); ++slot)
    if (auto& field = table.snapshot_layout(slot); field.fixed == value_type::null)
      std::launder(reinterpret_cast<packed_value*>(record.snapshot_ + field.offset))->release(*pool_);
  pool_->deallocate(record.snapshot_, table.snapshot_bytes(), alignof(packed_value));
  record.snapshot_ = nullptr;
}

object_record::~object_record() {
  if (held_)
    std::destroy_at(&strong_);
  else
    std::destroy_at(&weak_);
}

void object_record::hold(std::shared_ptr<void> object) {
  if (held_) {
    strong_ = std::move(object);
    return;
  }
  std::destroy_at(&weak_);
  std::construct_at(&strong_, std::move(object));
  held_ = true;
}

void object_record::hold_weakly() noexcept {
  if (!held_) return;
  std::weak_ptr<void> weak = strong_;
  std::destroy_at(&strong_);
  std::construct_at(&weak_, std::move(weak));
  held_ = false;
}

void object_record::reset_object() noexcept {
  if (held_) {
    std::destroy_at(&strong_);
    std::construct_at(&weak_);
    held_ = false;
  } else {
    weak_.reset();
  }
}

object_record& identity_map::add_persistent(const object_ref& object, key k) {
  settle_deferred();
  auto& r = persistent_record(object, std::move(k));
  detail::bind_relationships(object);
  return r;
}

object_record& identity_map::persistent_record(const object_ref& object, key k) {
  // Objects die without telling us; sweeping now and then keeps a long stream's map small,
  // and the threshold doubling with the live count keeps the sweeps amortised O(1) per add.
  sweep();
  auto& r = fresh_record(object.object.get());
  r.table = object.table;
  r.weak_ = object.object;
  r.state = object_state::persistent;
  r.key = std::move(k);
  r.sequence = next_sequence();
  by_key_.put(object.table, r.key, &r);
  return r;
}

void identity_map::renumber() {
  // Once every 4 billion adds and loads: the records' order (flushes sort by it) is kept,
  // numbered from 0 again.
  std::vector<object_record*> records;
  records.reserve(records_);
  for (std::size_t i = 0; i < high_water_; ++i)
    if (at(i).table != nullptr) records.push_back(&at(i));
  std::stable_sort(records.begin(), records.end(),
                   [](const object_record* a, const object_record* b) { return a->sequence < b->sequence; });
  next_sequence_ = 0;
  for (auto* r : records) r->sequence = next_sequence_++;
}

void identity_map::make_persistent(object_record& record, key k) {
  record.state = object_state::persistent;
  record.key = std::move(k);
  if (record.held()) {
    by_key_.put(record.table, record.key, &record);
    record.hold_weakly();
  }
}

void identity_map::erase(const void* object) {
  settle_deferred();
  if (!address_indexed_) index_addresses();
  if (auto* record = static_cast<object_record*>(by_address_.find(object))) erase_record(*record);
}

void identity_map::erase_record(object_record& record) {
  if (record.state == object_state::persistent || record.state == object_state::deleted)
    by_key_.erase(record.table, record.key, &record);
  if (address_indexed_) by_address_.erase(record.address());
  drop_snapshot(record);
  record.table = nullptr;  // the record is free
  record.reset_object();
  record.state = object_state::pending;
  record.key = key{};
  record.expired = false;
  record.inserted_in_transaction = false;
  record.before_insert = 0;  // no insert journal entries
  record.sequence = 0;
  record.next_free_ = free_;
  free_ = &record;
  --records_;
}

void identity_map::purge() {
  settle_deferred();
  // Each dead record costs a probe of both indexes, and telling a dead record from a live one
  // reads its object's control block: random accesses that miss the cache. They are started
  // ahead of the sweep (the control blocks `2 * ahead` records ahead, the index slots of the
  // dead ones `ahead` records ahead), so that the misses overlap instead of following one
  // another. SQLite P3 (perf, the worker's samples): the two indexes' erase went from 13% to 4%.
  constexpr std::size_t ahead = 8;
  auto prefetch_object = [&](std::size_t i) {
    auto& r = at(i);
    // A std::make_shared object sits right after its control block (its counts).
    if (r.table != nullptr) prefetch_line(static_cast<const char*>(r.address()) - 16);
  };
  auto prefetch_slots = [&](std::size_t i) {
    auto& r = at(i);
    if (r.table == nullptr || !r.dead()) return;
    if (address_indexed_) by_address_.prefetch(r.address());
    if (r.key.is_integer() && (r.state == object_state::persistent || r.state == object_state::deleted))
      by_key_.prefetch(r.table, r.key.integer());
  };
  for (std::size_t i = 0; i < std::min(high_water_, 2 * ahead); ++i) prefetch_object(i);
  for (std::size_t i = 0; i < std::min(high_water_, ahead); ++i) prefetch_slots(i);
  for (std::size_t i = 0; i < high_water_; ++i) {
    if (i + 2 * ahead < high_water_) prefetch_object(i + 2 * ahead);
    if (i + ahead < high_water_) prefetch_slots(i + ahead);
    auto& record = at(i);
    if (record.table != nullptr && record.dead()) erase_record(record);
  }
}

void identity_map::reserve(const table_info& table, std::size_t n) {
  // The n adds to come are a buffered load's objects, which its result holds: a sweep among
  // them would find none dead, so the next one comes after them. Not for a stream's batch
  // (its slabs bypassed): the batches before it die as it comes, and sweeps find them.
  if (!slabs_.bypassed()) purge_threshold_ = std::max(purge_threshold_, records_ + n + 1);
  if (address_indexed_) by_address_.reserve(n);
  by_key_.reserve(&table, n);
}

void identity_map::clear() {
  deferred_.clear();
  chunks_.clear();
  if (pool_) pool_->release();  // every record and snapshot at once, in a few blocks
  high_water_ = 0;
  free_ = nullptr;
  records_ = 0;
  by_address_ = address_index{};
  address_indexed_ = false;
  by_key_.clear();
}

void identity_map::defer(std::uint64_t stream, const table_info& table, drivers::rowset rows,
                         std::vector<deferred_object> objects) {
  if (objects.empty()) return;
  deferred_.push_back({stream, &table, std::move(rows), std::move(objects)});
}

void identity_map::settle(std::uint64_t keep_stream) {
  if (deferred_.empty() || settling_) return;
  auto kept = deferred_.size();  // none
  if (keep_stream != 0)
    for (auto i = deferred_.size(); i-- > 0;)
      if (deferred_[i].stream == keep_stream) {
        kept = i;
        break;
      }
  if (kept == 0 && deferred_.size() == 1) return;
  settling_ = true;
  struct done {
    bool& flag;
    ~done() { flag = false; }
  } unset{settling_};
  std::vector<deferred_batch> batches;
  batches.swap(deferred_);
  if (kept < batches.size()) deferred_.push_back(std::move(batches[kept]));
  for (std::size_t i = 0; i < batches.size(); ++i)
    if (i != kept) {
      settle_batch(batches[i]);
      batches[i].rows = {};
    }
  // `batches` goes here: the objects only it held die with it, on this thread, after the
  // rows: a large free after theirs would merge their memory in malloc's fast bins back.
}

void identity_map::settle_batch(deferred_batch& batch) {
  auto& table = *batch.table;
  auto& rows = batch.rows;
  // The row is loaded again into a scratch object, for the snapshot a load would have made
  // (converted columns in their canonical form): the object itself may have changed since.
  std::shared_ptr<void> scratch;
  for (auto& d : batch.objects) {
    // Held by this batch alone: the application let it go before the session recorded it.
    // Nothing can take it back (the session handed out no weak reference), so reading the
    // count on this thread while the application's thread drops others is safe.
    if (d.object.use_count() == 1) continue;
    auto k = table.key_from([&](std::size_t c) -> const drivers::cell& { return rows.cell_at(d.row, c); });
    // A key a record has meanwhile can only come from the same row read twice by one
    // statement: the object recorded first keeps the key, and this one stays out.
    if (find_key(table, k) != nullptr) continue;
    auto& record = persistent_record({&table, d.object}, std::move(k));
    if (!scratch) scratch = table.create(slabs_);
    detail::load_columns(table, scratch.get(), rows, d.row, 0, *this, &record);
  }
}

std::size_t identity_map::deferred() const noexcept {
  std::size_t n = 0;
  for (auto& b : deferred_) n += b.objects.size();
  return n;
}

}  // namespace orca

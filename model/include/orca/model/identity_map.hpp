// orca::identity_map: one object per primary key per session, and each object's record
// (state, loaded snapshot). Owned by a sync_session (and so by a session actor).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <utility>
#include <memory>
#include <memory_resource>
#include <vector>

#include "orca/drivers/rowset.hpp"
#include "orca/drivers/value.hpp"
#include "orca/model/block_arena.hpp"
#include "orca/model/insert_journal.hpp"
#include "orca/model/key.hpp"
#include "orca/model/key_index.hpp"
#include "orca/model/object_slabs.hpp"
#include "orca/model/object_state.hpp"
#include "orca/model/packed_value.hpp"
#include "orca/model/snapshot_pool.hpp"
#include "orca/model/table.hpp"

namespace orca {

/// What a session knows of one object: 48 bytes, in chunks of the identity map. The flags
/// share a word with before_insert; the key is 8 bytes (orca::key); the object's address is
/// read from the reference that holds it (address()) rather than kept a second time.
class object_record {
public:
  object_record() noexcept : weak_() {}
  object_record(const object_record&) = delete;
  object_record& operator=(const object_record&) = delete;
  ~object_record();

  const table_info* table = nullptr;  ///< null: the record is free
  orca::key key;                      ///< primary key once persistent
  /// Order of add() (or load), so that inserts keep the user's order; renumbered by the
  /// identity map before it would wrap.
  std::uint32_t sequence = 0;
  /// The newest entry of the values that the flush of its INSERT overwrote (key, server
  /// defaults, foreign keys) in the session's insert_journal, so that a rollback can give
  /// the object back as it was (0: none). insert_journal::limit bounds it to these bits.
  insert_journal::position before_insert : 26 = 0;
  object_state state : 3 = object_state::pending;
  bool expired : 1 = false;                  ///< the next load overwrites the object's values
  bool inserted_in_transaction : 1 = false;  ///< flushed as an INSERT in the open transaction

private:
  bool held_ : 1 = false;  ///< strong_ (not weak_) is the union's member

public:
  /// The object, if it is still alive.
  std::shared_ptr<void> lock() const { return held_ ? strong_ : weak_.lock(); }
  /// True once the object is gone (the application dropped a weakly held object).
  bool dead() const noexcept { return !held_ && weak_.expired(); }
  /// True while the session keeps the object alive (pending and deleted objects, until
  /// flushed). Persistent objects are held weakly, as SQLAlchemy's weak identity map: an
  /// object the application dropped leaves the session.
  bool held() const noexcept { return held_; }
  /// The object's address, as the reference holding it keeps it: a weak reference keeps
  /// its pointer once the object is gone, so a dead record still names its address until
  /// it is erased. std::shared_ptr and std::weak_ptr keep the pointer they hold as their
  /// first member (libstdc++, libc++ and Microsoft's library alike, and the tests check
  /// it): reading it costs no atomic operation, where lock() would cost two.
  const void* address() const noexcept {
    const void* p;
    std::memcpy(&p, static_cast<const void*>(&weak_), sizeof p);
    return p;
  }
  /// Keeps the (live) object alive from now on.
  void hold(std::shared_ptr<void> object);
  /// Holds the object weakly from now on.
  void hold_weakly() noexcept;

  /// True once the object's values were loaded or flushed: a snapshot has every slot (a
  /// table without non-key columns has an empty one from the start).
  bool has_snapshot() const noexcept { return snapshot_ != nullptr || table->snapshot_width() == 0; }
  /// The value of snapshot slot `slot` (table_info::snapshot_slot()) as last loaded or
  /// flushed; the record must have a snapshot.
  value snapshot(std::size_t slot) const {
    auto& field = table->snapshot_layout(slot);
    auto* at = snapshot_ + field.offset;
    if (field.fixed != value_type::null) return fixed_value::load(at, field.fixed);
    return std::launder(reinterpret_cast<const packed_value*>(at))->unpack();
  }

private:
  friend class identity_map;
  /// Lets go of the object: the record holds an empty weak reference afterwards.
  void reset_object() noexcept;

  /// The object: weakly (weak_) or, while held_, strongly (strong_).
  union {
    std::weak_ptr<void> weak_;
    std::shared_ptr<void> strong_;
  };
  union {
    /// The non-key column values as last loaded or flushed, table->snapshot_bytes() in the
    /// identity map's pool, laid out as table->snapshot_layout() says; null until loaded
    /// or flushed.
    std::byte* snapshot_ = nullptr;
    object_record* next_free_;  ///< a free record (table null): the next one of the free list
  };
};

static_assert(sizeof(std::weak_ptr<void>) == 2 * sizeof(void*) && sizeof(std::shared_ptr<void>) == 2 * sizeof(void*));
static_assert(sizeof(object_record) <= 48);

/// The objects of one session, by address and by (table, primary key).
///
/// Records live in chunks of a few hundred, reused through a free list, and both indexes
/// are open-addressing tables of record pointers: adding an object allocates nothing but
/// its snapshot (from a pool), and clearing a session frees no node per object. A record
/// pointer stays valid until the record is erased or purged.
///
/// The address index is built on the first lookup by address (add, expunge, a flush's
/// cascade...) and kept from then on: a session that only loads and reads (a stream, a
/// report) never pays for it. SQLite P3: its upkeep was a tenth of the worker's samples.
class identity_map {
public:
  identity_map() = default;
  identity_map(const identity_map&) = delete;
  identity_map& operator=(const identity_map&) = delete;
  identity_map(identity_map&&) noexcept = default;  // records (and their pool) stay where they are
  /// Not assignable: the records being replaced would give their snapshots back to a pool
  /// already replaced.
  identity_map& operator=(identity_map&&) = delete;

  /// The record of a live object, or nullptr.
  object_record* find(const void* object);
  /// The record of the live persistent object with this key, or nullptr.
  object_record* find(const table_info& table, const key& k);
  /// find(table, k) among the records alone, leaving deferred objects deferred (a stream
  /// batch's merge, which settled what it had to first).
  object_record* find_recorded(const table_info& table, const key& k);
  /// Fetches the key index's slot of (table, integer key) into the cache ahead of a find().
  void prefetch(const table_info& table, std::int64_t k) const noexcept { by_key_.prefetch(&table, k); }
  /// Records a transient object as pending (kept alive until flushed).
  object_record& add_pending(const object_ref& object);
  /// Records a loaded object as persistent with its key and snapshot (none if empty).
  object_record& add_persistent(const object_ref& object, key k, const std::vector<value>& snapshot);
  /// The same without a snapshot, for the caller to fill with set_snapshot().
  object_record& add_persistent(const object_ref& object, key k);
  /// Sets one slot of a record's snapshot (table_info::snapshot_slot()); a record without
  /// one gets a snapshot of NULLs first.
  void set_snapshot(object_record& record, std::size_t slot, const value& x);
  /// The same from a rowset's cell, packed as it is (a load's exact columns).
  void set_snapshot(object_record& record, std::size_t slot, const drivers::cell& x);
  /// Sets every slot of a record's snapshot (`values` has the table's snapshot_width()), or
  /// with no values, takes the snapshot away (the object counts as never loaded).
  void set_snapshot(object_record& record, const std::vector<value>& values);
  /// The record's snapshot unpacked (empty if it has none).
  static std::vector<value> snapshot_of(const object_record& record);
  /// Makes a flushed pending record persistent under `key` (held weakly from now on).
  void make_persistent(object_record& record, key k);
  /// Removes an object's record (expunge).
  void erase(const void* object);
  /// Removes a record: its object leaves the session.
  void erase(object_record& record) { erase_record(record); }
  /// Forgets records whose objects the application has dropped.
  void purge();
  /// purge() once the records have reached the threshold, which then doubles with the live
  /// ones: amortised O(1) per record added.
  void sweep() {
    if (records_ < purge_threshold_) return;
    purge();
    purge_threshold_ = std::max<std::size_t>(1024, records_ * 2);
  }

  /// A new object of a stream's batch, made from row `row` of the batch's rows.
  struct deferred_object {
    std::shared_ptr<void> object;
    std::size_t row;
  };
  /// Takes a stream batch's new objects without records: their records, key entries and
  /// snapshots are made when the batch settles, and only for the objects the application
  /// still holds then. A stream's consumer usually drops each object before that, which
  /// then costs the session nothing. The objects' keys are the rows' and were in no record
  /// when merged; their relationships are bound already. `rows` is kept for the snapshots.
  ///
  /// Every other call of the map settles deferred batches first, so the map reads as if
  /// they had been recorded at once, but for objects dropped meanwhile, which are gone
  /// from it as a purge would have made them.
  void defer(std::uint64_t stream, const table_info& table, drivers::rowset rows, std::vector<deferred_object> objects);
  /// Settles the deferred batches, but the newest of `keep_stream` (0: none kept): the one
  /// its consumer may still be reading while the next is merged.
  void settle(std::uint64_t keep_stream = 0);
  /// Makes the next sequence number `next` (for tests: a session that nears the wrap).
  void skip_sequence(std::uint32_t next) noexcept { next_sequence_ = next; }
  /// Number of deferred objects (for tests).
  std::size_t deferred() const noexcept;
  /// Calls f(object, record) for every live object (records may not be added meanwhile).
  template <class F>
  void for_each(F&& f) {
    settle_deferred();
    for (std::size_t i = 0; i < high_water_; ++i) {
      auto& record = at(i);
      if (record.table == nullptr) continue;
      if (auto object = record.lock()) f(object, record);
    }
  }
  /// Calls f(record) for every record whose object is alive, without taking a reference
  /// to the object (cheaper: no atomic increment per record).
  template <class F>
  void for_each_record(F&& f) {
    settle_deferred();
    for (std::size_t i = 0; i < high_water_; ++i) {
      auto& record = at(i);
      if (record.table != nullptr && !record.dead()) f(record);
    }
  }
  /// True if any record's object is alive (stops at the first).
  bool any_alive() {
    settle_deferred();
    for (std::size_t i = 0; i < high_water_; ++i) {
      auto& record = at(i);
      if (record.table != nullptr && !record.dead()) return true;
    }
    return false;
  }
  /// Makes room for `n` more records of `table`.
  void reserve(const table_info& table, std::size_t n);
  /// Makes room for `n` more keys of `table` (records already indexed by address becoming
  /// persistent).
  void reserve_keys(const table_info& table, std::size_t n) { by_key_.reserve(&table, n); }
  /// Number of records (live or not yet purged; deferred objects have none yet).
  std::size_t size() const noexcept { return records_; }
  /// Removes every record.
  void clear();
  /// Where loads make this session's objects.
  object_slabs& slabs() noexcept { return slabs_; }
  /// The flag write-only collections of this session's objects raise when changed.
  const std::shared_ptr<std::atomic<bool>>& write_only_changed() const noexcept { return write_only_changed_; }

private:
  /// A stream batch waiting to settle (defer()).
  struct deferred_batch {
    std::uint64_t stream;
    const table_info* table;
    drivers::rowset rows;
    std::vector<deferred_object> objects;
  };
  void settle_deferred() {
    if (!deferred_.empty() && !settling_) settle();
  }
  /// Records the objects of `batch` that are still held; the others go with the batch.
  void settle_batch(deferred_batch& batch);
  object_record* find_key(const table_info& table, const key& k);
  /// add_persistent() without the sweep's check or binding relationships (bound already).
  object_record& persistent_record(const object_ref& object, key k);
  /// The snapshot of `record`, made of NULLs if it has none yet.
  std::byte* snapshot_for(object_record& record);
  static constexpr std::size_t chunk_bits = 8;  ///< 256 records per chunk
  /// Destroys a chunk's records (made once, in place in the pool's arena).
  struct chunk_deleter {
    void operator()(object_record* records) const noexcept;
  };
  object_record& at(std::size_t i) noexcept {
    return chunks_[i >> chunk_bits].get()[i & ((std::size_t{1} << chunk_bits) - 1)];
  }
  /// Gives a record's snapshot (and its values' payloads) back to the pool.
  void drop_snapshot(object_record& record) noexcept;
  void erase_record(object_record& record);
  /// The next record's sequence number.
  std::uint32_t next_sequence() {
    if (next_sequence_ == std::numeric_limits<std::uint32_t>::max()) renumber();
    return next_sequence_++;
  }
  /// Numbers the records 0, 1, ... in their order, before sequence numbers would wrap.
  void renumber();
  /// Adds a chunk of free records.
  void add_chunk();
  /// An empty record for the object at `address`, replacing (and unindexing) a stale one.
  object_record& fresh_record(const void* address);
  /// Builds the address index from the records, dropping the dead ones.
  void index_addresses();

  /// The memory of the records' chunks and of the snapshots, made with the first record (an
  /// empty session has none), freed at clear(); declared before the chunks, so freed after
  /// them. One arena for both: a large map's memory ends in one part-used huge page, not
  /// two. Every snapshot goes with it: a record's destructor does not give its snapshot back.
  std::unique_ptr<snapshot_pool> pool_;
  std::vector<std::unique_ptr<object_record, chunk_deleter>> chunks_;
  std::size_t high_water_ = 0;  ///< records ever used: slots [0, high_water_) exist
  /// Erased records, reused first: a list through the records themselves (a free record's
  /// next_free_), so that erasing 300,000 grows no vector.
  object_record* free_ = nullptr;
  std::size_t records_ = 0;       ///< records in use
  address_index by_address_;      ///< object address -> record, once address_indexed_
  bool address_indexed_ = false;  ///< by_address_ holds every record
  key_index by_key_;              ///< (table, key) -> record
  std::shared_ptr<std::atomic<bool>> write_only_changed_ = std::make_shared<std::atomic<bool>>(false);
  std::uint32_t next_sequence_ = 0;
  object_slabs slabs_;
  std::size_t purge_threshold_ = 1024;
  std::vector<deferred_batch> deferred_;  ///< oldest first
  bool settling_ = false;                 ///< settle() is running: the records it adds must not settle
};

}  // namespace orca

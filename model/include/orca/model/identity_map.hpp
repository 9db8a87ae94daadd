// orca::identity_map: one object per primary key per session, and each object's record
// (state, loaded snapshot). Owned by a sync_session (and so by a session actor).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <memory>
#include <unordered_map>
#include <vector>

#include "orca/drivers/value.hpp"
#include "orca/model/key.hpp"
#include "orca/model/key_index.hpp"
#include "orca/model/object_state.hpp"
#include "orca/model/table.hpp"

namespace orca {

/// What a session knows of one object.
struct object_record {
  const table_info* table = nullptr;
  /// Persistent objects are held weakly (as SQLAlchemy's weak identity map): an object the
  /// application dropped leaves the session. Pending and deleted objects are held strongly
  /// until flushed.
  std::weak_ptr<void> weak;
  std::shared_ptr<void> strong;
  object_state state = object_state::pending;
  orca::key key;                         ///< primary key once persistent
  std::vector<value> snapshot;           ///< column values as last loaded or flushed
  bool expired = false;                  ///< the next load overwrites the object's values
  bool inserted_in_transaction = false;  ///< flushed as an INSERT in the open transaction
  /// The columns that INSERT's flush wrote (key, server defaults, foreign keys) with their
  /// values from before it, so that a rollback can give the object back as it was.
  std::vector<std::pair<std::size_t, value>> before_insert;
  std::uint64_t sequence = 0;  ///< order of add(), so inserts keep the user's order

  /// The object, if it is still alive.
  std::shared_ptr<void> lock() const { return strong ? strong : weak.lock(); }
};

/// The objects of one session, by address and by (table, primary key).
///
/// Records are stable in memory (node-based maps): a record pointer stays valid until the
/// record is erased or purged.
class identity_map {
public:
  /// The record of a live object, or nullptr.
  object_record* find(const void* object);
  /// The record of the live persistent object with this key, or nullptr.
  object_record* find(const table_info& table, const key& k);
  /// Records a transient object as pending (kept alive until flushed).
  object_record& add_pending(const object_ref& object);
  /// Records a loaded object as persistent with its key and snapshot.
  object_record& add_persistent(const object_ref& object, key k, std::vector<value> snapshot);
  /// Makes a flushed pending record persistent under `key` (held weakly from now on).
  void make_persistent(object_record& record, key k);
  /// Removes an object's record (expunge).
  void erase(const void* object);
  /// Forgets records whose objects the application has dropped.
  void purge();
  /// Calls f(object, record) for every live object (records may not be added meanwhile).
  template <class F>
  void for_each(F&& f) {
    for (auto& [address, record] : by_address_)
      if (auto object = record.lock()) f(object, record);
  }
  /// Calls f(record) for every record whose object is alive, without taking a reference
  /// to the object (cheaper: no atomic increment per record).
  template <class F>
  void for_each_record(F&& f) {
    for (auto& [address, record] : by_address_)
      if (!is_dead(record)) f(record);
  }
  /// Makes room for `n` more records.
  void reserve(std::size_t n);
  /// Number of records (live or not yet purged).
  std::size_t size() const noexcept { return by_address_.size(); }
  /// Removes every record.
  void clear();
  /// The flag write-only collections of this session's objects raise when changed.
  const std::shared_ptr<std::atomic<bool>>& write_only_changed() const noexcept { return write_only_changed_; }

private:
  bool is_dead(const object_record& r) const noexcept { return !r.strong && r.weak.expired(); }
  void erase_record(std::unordered_map<const void*, object_record>::iterator it);
  /// An empty record at `address`, replacing (and unindexing) a stale one.
  object_record& fresh_record(const void* address);

  std::unordered_map<const void*, object_record> by_address_;
  key_index by_key_;
  std::shared_ptr<std::atomic<bool>> write_only_changed_ = std::make_shared<std::atomic<bool>>(false);
  std::uint64_t next_sequence_ = 0;
  std::size_t purge_threshold_ = 1024;
};

}  // namespace orca

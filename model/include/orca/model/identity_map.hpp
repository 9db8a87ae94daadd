// orca::identity_map: one object per primary key per session, and each object's record
// (state, loaded snapshot). Owned by a sync_session (and so by a session actor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "orca/drivers/value.hpp"
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
  std::int64_t key = 0;               ///< primary key once persistent
  std::vector<value> snapshot;        ///< column values as last loaded or flushed
  bool expired = false;               ///< the next load overwrites the object's values
  bool inserted_in_transaction = false;  ///< flushed as an INSERT in the open transaction
  std::vector<value> before_insert;   ///< column values before that INSERT (for rollback)
  std::uint64_t sequence = 0;         ///< order of add(), so inserts keep the user's order

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
  object_record* find(const table_info& table, std::int64_t key);
  /// Records a transient object as pending (kept alive until flushed).
  object_record& add_pending(const object_ref& object);
  /// Records a loaded object as persistent with its key and snapshot.
  object_record& add_persistent(const object_ref& object, std::int64_t key, std::vector<value> snapshot);
  /// Makes a flushed pending record persistent under `key` (held weakly from now on).
  void make_persistent(object_record& record, std::int64_t key);
  /// Removes an object's record (expunge).
  void erase(const void* object);
  /// Forgets records whose objects the application has dropped.
  void purge();
  /// Calls f(object, record) for every live object (records may not be added meanwhile).
  void for_each(const std::function<void(const std::shared_ptr<void>&, object_record&)>& f);
  /// Number of records (live or not yet purged).
  std::size_t size() const noexcept { return by_address_.size(); }
  /// Removes every record.
  void clear();

private:
  struct key_type {
    const table_info* table;
    std::int64_t key;
    bool operator==(const key_type&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const key_type& k) const noexcept {
      return std::hash<const void*>{}(k.table) ^ (std::hash<std::int64_t>{}(k.key) * 0x9e3779b97f4a7c15ULL);
    }
  };
  bool is_dead(const object_record& r) const noexcept { return !r.strong && r.weak.expired(); }
  void erase_record(std::unordered_map<const void*, object_record>::iterator it);

  std::unordered_map<const void*, object_record> by_address_;
  std::unordered_map<key_type, const void*, key_hash> by_key_;
  std::uint64_t next_sequence_ = 0;
  std::size_t purge_threshold_ = 1024;
};

}  // namespace orca

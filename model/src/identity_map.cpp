// The identity map: records by object address, persistent objects also by key.
#include "orca/model/identity_map.hpp"

#include "relationship_sync.hpp"

namespace orca {

object_record* identity_map::find(const void* object) {
  auto it = by_address_.find(object);
  if (it == by_address_.end()) return nullptr;
  // A dead record's address may have been reused by a new object: it is not this one.
  if (is_dead(it->second)) {
    erase_record(it);
    return nullptr;
  }
  return &it->second;
}

object_record* identity_map::find(const table_info& table, const key& k) {
  auto* address = by_key_.find(&table, k);
  if (address == nullptr) return nullptr;
  auto it = by_address_.find(address);
  // The address may now hold another object's record (its old one was replaced): the key
  // entry is stale then, and must not hand out that object.
  if (it == by_address_.end() || it->second.table != &table || it->second.key != k ||
      (it->second.state != object_state::persistent && it->second.state != object_state::deleted)) {
    by_key_.erase(&table, k, address);
    return nullptr;
  }
  if (is_dead(it->second)) {
    erase_record(it);
    return nullptr;
  }
  return &it->second;
}

object_record& identity_map::fresh_record(const void* address) {
  auto [it, inserted] = by_address_.try_emplace(address);
  if (!inserted) {
    // A dead object's record at this (reused) address must take its key entry with it.
    erase_record(it);
    it = by_address_.try_emplace(address).first;
  }
  return it->second;
}

object_record& identity_map::add_pending(const object_ref& object) {
  auto& r = fresh_record(object.object.get());
  r.table = object.table;
  r.strong = object.object;
  r.weak = object.object;
  r.state = object_state::pending;
  r.sequence = next_sequence_++;
  detail::bind_relationships(object);
  return r;
}

object_record& identity_map::add_persistent(const object_ref& object, key k, std::vector<value> snapshot) {
  // Objects die without telling us; sweeping now and then keeps a long stream's map small.
  if (by_address_.size() >= purge_threshold_) {
    purge();
    purge_threshold_ = std::max<std::size_t>(1024, by_address_.size() * 2);
  }
  auto& r = fresh_record(object.object.get());
  r.table = object.table;
  r.weak = object.object;
  r.state = object_state::persistent;
  r.key = std::move(k);
  r.snapshot = std::move(snapshot);
  r.sequence = next_sequence_++;
  by_key_.put(object.table, r.key, object.object.get());
  detail::bind_relationships(object);
  return r;
}

void identity_map::make_persistent(object_record& record, key k) {
  record.state = object_state::persistent;
  record.key = std::move(k);
  if (record.strong) {
    by_key_.put(record.table, record.key, record.strong.get());
    record.weak = record.strong;
    record.strong.reset();
  }
}

void identity_map::erase(const void* object) {
  auto it = by_address_.find(object);
  if (it != by_address_.end()) erase_record(it);
}

void identity_map::erase_record(std::unordered_map<const void*, object_record>::iterator it) {
  auto& r = it->second;
  if (r.state == object_state::persistent || r.state == object_state::deleted) {
    by_key_.erase(r.table, r.key, it->first);
  }
  by_address_.erase(it);
}

void identity_map::purge() {
  for (auto it = by_address_.begin(); it != by_address_.end();) {
    auto next = std::next(it);
    if (is_dead(it->second)) erase_record(it);
    it = next;
  }
}

void identity_map::reserve(std::size_t n) {
  by_address_.reserve(by_address_.size() + n);
  by_key_.reserve(n);
}

void identity_map::clear() {
  by_address_.clear();
  by_key_.clear();
}

}  // namespace orca

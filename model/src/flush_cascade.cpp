// The flush's first steps (flush_run, flush_run.hpp): the save-update cascade, which gathers
// its objects, and the foreign keys set from relationships; and write(), which every step uses.
#include <algorithm>
#include <unordered_set>
#include <variant>

#include "orca/model/overloaded.hpp"
#include "flush_run.hpp"
#include "relationship_sync.hpp"

namespace orca::detail {

// (1) Everything reachable from the session joins it (save-update cascade).
void flush_run::cascade() {
  objects_.for_each([&](const std::shared_ptr<void>& object, object_record& record) {
    if (record.state == object_state::pending || record.state == object_state::persistent)
      work_.push_back({object, &record});
  });
  // In add() order, so that inserts follow the user's order. Records are mostly in that
  // order already (slots are handed out in turn): the sort and its buffer are then skipped.
  auto by_sequence = [](const tracked& a, const tracked& b) { return a.record->sequence < b.record->sequence; };
  if (!std::is_sorted(work_.begin(), work_.end(), by_sequence))
    std::stable_sort(work_.begin(), work_.end(), by_sequence);
  for (std::size_t i = 0; i < work_.size(); ++i) {
    const auto& item = work_[i];  // a deque: it stays where it is while follow() appends
    for (auto& rel : item.record->table->relationships()) follow(item, rel);
  }
}

// The record of a related object; one the session does not know joins it as pending.
object_record* flush_run::join(const relationship_info& rel, const std::shared_ptr<void>& related) {
  auto* record = objects_.find(related.get());
  if (record == nullptr) {
    record = &objects_.add_pending({&rel.target(), related});
    work_.push_back({related, record});
  }
  return record;
}

// Links `item` with what one of its relationships holds. Without cascade::save_update,
// related objects the session does not know are left out.
void flush_run::follow(const tracked& item, const relationship_info& rel) {
  auto* owner = item.object.get();
  bool save = has(rel.cascades, cascade::save_update);
  // A child the session does not know has no foreign key to set, nor one to clear.
  auto link_child = [&](const std::shared_ptr<void>& child, bool unlink) {
    auto* record = unlink || !save ? objects_.find(child.get()) : join(rel, child);
    if (record == nullptr) return;
    links_.push_back({unlink ? nullptr : item.record, child.get(), record, &rel.target(), &rel, unlink});
  };
  std::visit(overloaded{
                 [&](const std::shared_ptr<const detail::collection_accessor>& collection) {
                   for (auto& child : collection->items(owner)) {
                     link_child(child, false);
                     detail::link_back(rel, item.object, child);
                   }
                   auto removed = collection->removed(owner);
                   for (auto& child : removed) link_child(child, true);
                   if (!removed.empty()) removed_from_.push_back({item.object, &rel});
                 },
                 [&](const std::shared_ptr<const detail::write_only_accessor>& write_only) {
                   for (auto& child : write_only->added(owner)) link_child(child, false);
                   for (auto& child : write_only->removed(owner)) link_child(child, true);
                   write_only_owners_.push_back({item.object, &rel});
                 },
                 [&](const std::shared_ptr<const detail::many_to_many_accessor>& many) {
                   associations_.follow(item.object, item.record->state == object_state::persistent, rel, *many,
                                        [&](const relationship_info& r, const std::shared_ptr<void>& target) {
                                          if (has(r.cascades, cascade::save_update)) return join(r, target) != nullptr;
                                          return objects_.find(target.get()) != nullptr;
                                        });
                 },
                 [&](const std::shared_ptr<const detail::reference_accessor>& reference) {
                   auto parent = reference->target(owner);
                   if (!parent) return;
                   auto* record = save ? join(rel, parent) : objects_.find(parent.get());
                   if (record == nullptr) return;
                   links_.push_back({record, item.object.get(), item.record, item.record->table, &rel, false});
                   if (rel.back_populates != nullptr) detail::link_reference(rel, item.object, parent);
                 },
             },
             rel.access);
}

// Sets one column during the flush, remembering its old value: all of them are put back
// if the flush fails. A pending object's go to the transaction's insert journal, where a
// rollback of its INSERT finds them; the others are the flush's own.
void flush_run::write(object_record& record, void* object, const column_info& column, const value& x) {
  auto old = column.access->get(object);
  if (old == x) return;
  if (record.state == object_state::pending)
    record.before_insert = inserts_.record(record.before_insert, column.ordinal, std::move(old));
  else
    journal_.push_back({object, &column, std::move(old)});
  column.access->set(object, x);
}

// A parent's key: a persistent one's, or the one its INSERT in this flush returned. A
// relationship's foreign key is one column, so the parent's key is one value.
value flush_run::key_of(const object_record& parent) {
  if (parent.key.size() != 1)
    throw error(errc::invalid_argument, "relationships to " + parent.table->class_name() +
                                            " are not mapped: its primary key is composite; set the foreign key "
                                            "columns and declare t.foreign_key(...) instead");
  if (parent.state == object_state::persistent || (parent.state == object_state::pending && !parent.key.empty()))
    return parent.key.part(0);
  throw error(errc::internal, "a parent object has no primary key when its children are flushed");
}

// (2a) Children's foreign keys from their parents (parents' tables come first). A child
// taken out of one collection and put into another is linked, not unlinked.
void flush_run::apply_links(const table_info& table) {
  std::unordered_set<const void*> linked;  // filled only when something is unlinked
  if (std::any_of(links_.begin(), links_.end(), [&](const link& l) { return l.unlink && l.child_table == &table; }))
    for (auto& l : links_)
      if (!l.unlink && l.child_table == &table) linked.insert(l.child);
  for (auto& l : links_) {
    if (l.child_table != &table) continue;
    if (l.unlink && linked.count(l.child) != 0) continue;
    auto& column = table.columns()[l.relationship->foreign_key];
    value wanted;
    if (l.unlink) {
      if (!column.nullable)
        throw error(errc::invalid_state, "cannot remove a " + table.class_name() + " from " +
                                             l.relationship->owner->class_name() + "." + l.relationship->name + ": " +
                                             table.name() + "." + column.name +
                                             " is NOT NULL; delete the object with session.remove() instead");
    } else {
      wanted = key_of(*l.parent_record);
    }
    write(*l.child_record, l.child, column, wanted);
  }
}

}  // namespace orca::detail

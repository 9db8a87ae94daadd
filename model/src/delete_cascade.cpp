// The delete and delete-orphan cascades that run before a flush: objects taken out of
// remove_orphan collections are deleted, and removing a parent removes (cascade remove) or
// unlinks its children, loading the collections that are not loaded unless passive_deletes
// leaves them to the database's ON DELETE.
#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/loading.hpp"
#include "orca/model/unit_of_work.hpp"

namespace orca {

namespace {

// session.remove()'s effect on one related object: a persistent one is deleted at the flush
// (held strongly until then), a pending one is never inserted.
void mark_deleted(identity_map& objects, const std::shared_ptr<void>& object, std::vector<object_ref>& deleted,
                  const table_info& table) {
  auto* r = objects.find(object.get());
  if (r == nullptr) return;
  if (r->state == object_state::pending) {
    objects.erase(object.get());
  } else if (r->state == object_state::persistent) {
    r->state = object_state::deleted;
    r->hold(object);
    deleted.push_back({&table, object});
  }
}

// With back_populates, a child taken out of one collection and added to another refers to
// its new parent: it is no orphan.
bool has_parent(const relationship_info& collection_side, void* child) {
  auto* back = collection_side.back_populates;
  if (back == nullptr) return false;
  auto* reference = back->reference();
  return reference->is_loaded(child) && reference->target(child) != nullptr;
}

// A one-to-many relationship's foreign key is one column, so the parent's key is one value.
value parent_key(const relationship_info& rel, const object_record& parent) {
  if (parent.key.size() != 1)
    throw error(errc::invalid_argument, "relationship " + rel.owner->class_name() + "." + rel.name +
                                            " cannot cascade: " + parent.table->class_name() +
                                            "'s primary key is composite, and relationships map one foreign key "
                                            "column");
  return parent.key.part(0);
}

}  // namespace

plan<void> unit_of_work::cascade_deletes(const drivers::dialect& dialect) {
  std::vector<object_ref> deleted;
  std::vector<object_ref> orphans;
  objects_.for_each_record([&](object_record& r) {
    if (r.state == object_state::deleted) deleted.push_back({r.table, r.lock()});  // held strongly
    if (r.state != object_state::pending && r.state != object_state::persistent) return;
    for (auto& rel : r.table->relationships()) {
      auto* collection = rel.collection();
      if (collection == nullptr || !has(rel.cascades, cascade::remove_orphan)) continue;
      auto object = r.lock();
      for (auto& child : collection->removed(object.get()))
        if (!has_parent(rel, child.get())) orphans.push_back({&rel.target(), child});
      collection->clear_removed(object.get());
    }
  });
  for (auto& orphan : orphans) mark_deleted(objects_, orphan.object, deleted, *orphan.table);

  loader rows_to_objects{objects_, load_options{}};
  for (std::size_t i = 0; i < deleted.size(); ++i) {
    auto parent = deleted[i];  // copy: `deleted` grows below
    for (auto& rel : parent.table->relationships()) {
      // References have no children; many-to-many rows go in the flush (the other side stays).
      if (rel.reference() != nullptr || rel.many_to_many() != nullptr) continue;
      bool remove = has(rel.cascades, cascade::remove);
      auto& child_table = rel.target();
      auto& fk = child_table.columns()[rel.foreign_key];
      if (!remove && !fk.nullable) continue;  // the database refuses, or its ON DELETE acts
      auto* collection = rel.collection();
      std::vector<std::shared_ptr<void>> children;
      if (collection != nullptr && collection->is_loaded(parent.object.get())) {
        children = collection->items(parent.object.get());
      } else if (!rel.passive_deletes) {
        auto* record = objects_.find(parent.object.get());
        io::execute query{sql::select_in(child_table, rel.foreign_key, 1, dialect), {parent_key(rel, *record)}};
        auto rows = co_await query;
        for (auto& child : rows_to_objects.merge(child_table, rows, nullptr)) children.push_back(child.object);
      }
      for (auto& child : children) {
        if (remove) {
          mark_deleted(objects_, child, deleted, child_table);
        } else if (auto* r = objects_.find(child.get()); r != nullptr && r->state == object_state::persistent) {
          fk.access->set(child.get(), value{});  // unlinked: the UPDATE comes before the parent's DELETE
          if (rel.back_populates != nullptr) rel.back_populates->reference()->assign(child.get(), nullptr);
        }
      }
    }
  }
}

}  // namespace orca

// back_populates: the two sides of a collection/reference pair kept in step in memory, and
// the binding of relationship members to the object that holds them. Called by the members
// themselves (collection.hpp, reference.hpp), the identity map, the loader and the flush.
#include "relationship_sync.hpp"

#include "orca/drivers/error.hpp"
#include "orca/model/collection.hpp"
#include "orca/model/reference.hpp"
#include "orca/model/table.hpp"

namespace orca::detail {

namespace {

// The child's foreign key column takes the parent's key (NULL without a parent); a parent
// without a key yet (pending) gets it from the flush, which links them.
void write_foreign_key(const relationship_info& reference_side, void* child, const std::shared_ptr<void>& parent) {
  auto& column = reference_side.owner->columns()[reference_side.foreign_key];
  if (!parent) {
    if (column.nullable) column.access->set(child, value{});
    return;
  }
  auto& parent_table = reference_side.target();
  if (parent_table.primary_key_columns().size() != 1) return;
  auto key = parent_table.key_of(parent.get());
  if (!key.empty()) column.access->set(child, key.part(0));
}

}  // namespace

void collection_added(const relationship_info& info, const std::shared_ptr<void>& parent,
                      const std::shared_ptr<void>& child) {
  if (info.back_populates == nullptr) return;
  if (info.kind != relationship_kind::many_to_many) {
    link_back(info, parent, child);
    return;
  }
  // The other side's loaded collection gains the owner; a new object knows its side from
  // now on, so that adding to its collection keeps this one in step too.
  info.back_populates->many_to_many()->append(child.get(), parent);
  bind_relationships({&info.target(), child});
}

void collection_removed(const relationship_info& info, const void* parent, void* child) {
  auto* back = info.back_populates;
  if (back == nullptr) return;
  if (info.kind == relationship_kind::many_to_many) {
    back->many_to_many()->take_out(child, parent);
    return;
  }
  auto* reference = back->reference();
  if (reference->is_loaded(child) && reference->target(child).get() == parent) reference->assign(child, nullptr);
}

void reference_changed(const relationship_info& info, const std::shared_ptr<void>& child,
                       const std::shared_ptr<void>& before, const std::shared_ptr<void>& after) {
  write_foreign_key(info, child.get(), after);
  auto* back = info.back_populates;
  if (back == nullptr) return;
  auto* collection = back->collection();
  if (before) collection->take_out(before.get(), child.get());
  if (after && collection->is_loaded(after.get())) {
    collection->append(after.get(), child);
    // The parent now holds the child: the child's way back must not hold the parent.
    info.reference()->assign_weak(child.get(), after, info);
  }
}

namespace {

// The other side of a pair: the back_populates one, else the relationship over the same
// foreign key column in the opposite direction (for which no cycle may form either).
const relationship_info* inverse(const relationship_info& rel) {
  if (rel.back_populates != nullptr) return rel.back_populates;
  for (auto& other : rel.target().relationships()) {
    bool opposite = rel.reference() != nullptr ? other.collection() != nullptr : other.reference() != nullptr;
    if (opposite && &other.target() == rel.owner && other.foreign_key == rel.foreign_key) return &other;
  }
  return nullptr;
}

}  // namespace

void link_back(const relationship_info& collection_side, const std::shared_ptr<void>& parent,
               const std::shared_ptr<void>& child) {
  auto* back = inverse(collection_side);
  if (back == nullptr) return;
  auto* reference = back->reference();
  auto before = reference->is_loaded(child.get()) ? reference->target(child.get()) : nullptr;
  if (collection_side.back_populates == nullptr) {
    // Not mirrored: only a reference to this parent is made weak (the parent holds the child).
    if (before == parent) reference->assign_weak(child.get(), parent, *back);
    return;
  }
  if (before && before != parent) collection_side.collection()->take_out(before.get(), child.get());
  reference->assign_weak(child.get(), parent, *back);
  // A new child knows its parent from now on: setting its reference moves it between
  // collections before any flush.
  bind_relationships({&collection_side.target(), child});
}

void link_reference(const relationship_info& reference_side, const std::shared_ptr<void>& child,
                    const std::shared_ptr<void>& parent) {
  auto* reference = reference_side.reference();
  auto* back = parent ? inverse(reference_side) : nullptr;
  if (back == nullptr) {
    reference->assign(child.get(), parent);
    return;
  }
  auto* collection = back->collection();
  if (reference_side.back_populates != nullptr) collection->append(parent.get(), child);
  // A parent whose collection holds the child is referred to weakly: no shared_ptr cycle.
  if (collection->contains(parent.get(), child.get()))
    reference->assign_weak(child.get(), parent, reference_side);
  else
    reference->assign(child.get(), parent);
}

void bind_relationships(const object_ref& object) {
  for (auto& rel : object.table->relationships()) {
    if (auto* collection = rel.any_collection())
      collection->bind(object.object.get(), object.object, rel);
    else if (auto* reference = rel.reference())
      reference->bind(object.object.get(), object.object, rel);
  }
}

}  // namespace orca::detail

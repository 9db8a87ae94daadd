// back_populates and the binding of relationship members, for the identity map, the loader
// and the flush (the members' own hooks are declared in collection.hpp and reference.hpp).
#pragma once

#include <memory>

#include "orca/model/table.hpp"

namespace orca::detail {

/// `parent`'s collection (`collection_side`) holds `child`: with back_populates the child's
/// reference is set to the parent, weakly (the parent holds the child), and the child leaves
/// a previous parent's loaded collection. Without it, a reference of the child to this
/// parent over the same foreign key becomes weak (no shared_ptr cycle).
void link_back(const relationship_info& collection_side, const std::shared_ptr<void>& parent,
               const std::shared_ptr<void>& child);
/// `child`'s reference (`reference_side`) is set to `parent` (null: none). With
/// back_populates and the parent's collection loaded, the child joins it. The reference holds
/// the parent weakly if the parent's collection holds the child, else strongly.
void link_reference(const relationship_info& reference_side, const std::shared_ptr<void>& child,
                    const std::shared_ptr<void>& parent);
/// Binds the collections and references of an object that joins a session to it, so that
/// changing them keeps foreign keys and back_populates in step.
void bind_relationships(const object_ref& object);

}  // namespace orca::detail

// Sorting tables so that every table follows the tables its foreign keys refer to.
// Used by metadata (create_all/drop_all) and the unit of work (insert/delete order).
#pragma once

#include <vector>

#include "orca/model/table.hpp"

namespace orca {

/// The tables in dependency order (referred tables first), stable for ties; self-references
/// are ignored. Throws orca::error(invalid_argument) naming the tables of a cycle.
std::vector<const table_info*> sort_by_dependency(const std::vector<const table_info*>& tables);

}  // namespace orca

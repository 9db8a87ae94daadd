// Declares orca::table_of<T>(), the table of a mapped class (defined in mapping.hpp), so
// that statements and collections can name it without pulling in the mapping machinery.
#pragma once

#include "orca/model/table.hpp"

namespace orca {

/// The table description of mapped class T, built once from `orca_table(table_builder<T>&)`.
template <class T>
const table_info& table_of();

}  // namespace orca

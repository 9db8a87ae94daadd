// The tables the mapping functions build: one per class, function-local static, each built
// without touching the others (defined in orca/model/mapping.hpp). Internal to the mapping.
#pragma once

#include "orca/model/table.hpp"

namespace orca {

namespace detail {

/// The table being built; function-local static, built without touching other tables.
template <class T>
table_info& table_storage();

}  // namespace detail

}  // namespace orca

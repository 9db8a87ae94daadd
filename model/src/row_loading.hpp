// Loading one row's columns into an object (loading.cpp), shared with the identity map,
// which snapshots a deferred stream object's row when its batch settles.
#pragma once

#include <cstddef>

#include "orca/drivers/rowset.hpp"
#include "orca/model/identity_map.hpp"
#include "orca/model/table.hpp"

namespace orca::detail {

/// Sets `object`'s columns from row `row` of `rows` (its columns from `offset`), and the
/// record's snapshot of them unless `record` is null.
void load_columns(const table_info& table, void* object, const drivers::rowset& rows, std::size_t row,
                  std::size_t offset, identity_map& objects, object_record* record);

}  // namespace orca::detail

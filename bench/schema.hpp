// The seed schema as the benchmark maps it: the first seed program's A (table a) with a
// one-to-many collection of B (table b). Used by the orca side; the raw baselines create
// the same tables (and the ix_b_a_id index create_all makes for the foreign key) by hand.
#pragma once

#include "async_orm_models.hpp"
#include "orca/orca.hpp"

namespace orca_bench {

using async_orm::A;
using async_orm::B;

/// The benchmark's tables.
inline orca::metadata schema() { return async_orm::metadata(); }

}  // namespace orca_bench

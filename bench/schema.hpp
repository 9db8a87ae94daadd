// The seed schema as the benchmark maps it: A (table a) with a one-to-many collection of B
// (table b). Used by the orca side; the raw baselines create the same tables by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "orca/orca.hpp"

namespace orca_bench {

/// A child row (table b).
struct B {
  std::int64_t id = 0;
  std::int64_t a_id = 0;
  std::optional<std::string> data;
};

/// A parent row (table a) and its children.
struct A {
  std::int64_t id = 0;
  std::optional<std::string> data;
  orca::timestamp create_date{};
  orca::collection<B> bs;
};

/// Maps A: id, data, create_date (server default now), bs.
inline void orca_table(orca::table_builder<A>& t) {
  t.table("a");
  t.column("id", &A::id).primary_key();
  t.column("data", &A::data);
  t.column("create_date", &A::create_date).server_default(orca::now);
  t.relationship("bs", &A::bs, &B::a_id);
}

/// Maps B: id, a_id (foreign key to a.id, indexed as ix_b_a_id by create_all), data.
inline void orca_table(orca::table_builder<B>& t) {
  t.table("b");
  t.column("id", &B::id).primary_key();
  t.column("a_id", &B::a_id).foreign_key(&A::id);
  t.column("data", &B::data);
}

/// The benchmark's tables.
inline orca::metadata schema() { return orca::metadata::of<A, B>(); }

}  // namespace orca_bench

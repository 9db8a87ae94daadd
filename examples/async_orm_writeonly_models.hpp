// The seed schema of async_orm_writeonly: classes A and B with a write-only collection, mapped
// to tables a and b. Used by the example program, the benchmark and the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"

namespace async_orm_writeonly {

struct B {
  std::int64_t id = 0;
  std::int64_t a_id = 0;
  std::optional<std::string> data;
};

struct A {
  std::int64_t id = 0;
  std::optional<std::string> data;
  orca::timestamp create_date{};
  orca::write_only<B> bs{};  // never loaded: filled, appended to, and read via bs.select()
};

inline void orca_table(orca::table_builder<A>& t) {
  t.table("a");
  t.column("id", &A::id).primary_key();
  t.column("data", &A::data);
  t.column("create_date", &A::create_date).server_default(orca::now);
  t.relationship("bs", &A::bs, &B::a_id);
}

inline void orca_table(orca::table_builder<B>& t) {
  t.table("b");
  t.column("id", &B::id).primary_key();
  t.column("a_id", &B::a_id).foreign_key(&A::id);
  t.column("data", &B::data);
}

/// The application's tables.
inline orca::metadata metadata() { return orca::metadata::of<A, B>(); }

}  // namespace async_orm_writeonly

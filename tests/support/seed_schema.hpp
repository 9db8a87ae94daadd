// The seed programs' schema (classes A and B, tables a and b), mapped twice: with a
// one-to-many collection (async_orm) and with a write-only one (async_orm_writeonly).
// Shared by the model, actor and example tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "orca/model/mapping.hpp"

namespace seed {

/// A child row of table b.
struct B {
  std::int64_t id = 0;
  std::int64_t a_id = 0;
  std::optional<std::string> data;
};

/// A parent row of table a, with its Bs (lazy="raise": loaded only by selectinload).
struct A {
  std::int64_t id = 0;
  std::optional<std::string> data;
  orca::timestamp create_date{};
  orca::collection<B> bs;
};

/// Maps A to table a.
inline void orca_table(orca::table_builder<A>& t) {
  t.table("a");
  t.column("id", &A::id).primary_key();
  t.column("data", &A::data);
  t.column("create_date", &A::create_date).server_default(orca::now);
  t.relationship("bs", &A::bs, &B::a_id);
}

/// Maps B to table b.
inline void orca_table(orca::table_builder<B>& t) {
  t.table("b");
  t.column("id", &B::id).primary_key();
  t.column("a_id", &B::a_id).foreign_key(&A::id);
  t.column("data", &B::data);
}

}  // namespace seed

namespace seed_writeonly {

/// A child row of table b.
struct B {
  std::int64_t id = 0;
  std::int64_t a_id = 0;
  std::optional<std::string> data;
};

/// A parent row of table a whose Bs are a write-only collection (never loaded).
struct A {
  std::int64_t id = 0;
  std::optional<std::string> data;
  orca::timestamp create_date{};
  orca::write_only<B> bs;
};

/// Maps A to table a.
inline void orca_table(orca::table_builder<A>& t) {
  t.table("a");
  t.column("id", &A::id).primary_key();
  t.column("data", &A::data);
  t.column("create_date", &A::create_date).server_default(orca::now);
  t.relationship("bs", &A::bs, &B::a_id);
}

/// Maps B to table b.
inline void orca_table(orca::table_builder<B>& t) {
  t.table("b");
  t.column("id", &B::id).primary_key();
  t.column("a_id", &B::a_id).foreign_key(&A::id);
  t.column("data", &B::data);
}

}  // namespace seed_writeonly

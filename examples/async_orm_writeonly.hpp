// The second seed program (SQLAlchemy's examples/asyncio/async_orm_writeonly.py) in C++:
// A.bs is a write-only collection, read only by executing its select(). Used by its main,
// orca-demo and tests.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "orca/orca.hpp"

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
  orca::write_only<B> bs;  // never loaded: filled, appended to, and read via bs.select()
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

std::ostream& operator<<(std::ostream& out, const A& a);
std::ostream& operator<<(std::ostream& out, const B& b);

/// The seed's async_main(), step for step, printing to `out`.
orca::task<void> async_main(orca::engine engine, std::ostream& out);

}  // namespace async_orm_writeonly

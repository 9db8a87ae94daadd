// The second seed program (SQLAlchemy's examples/asyncio/async_orm_writeonly.py) in C++:
// A.bs is a write-only collection, read only by executing its select(). Used by its main,
// orca-demo and tests.
#pragma once

#include <ostream>

#include "orca/orca.hpp"
#include "async_orm_writeonly_models.hpp"

namespace async_orm_writeonly {

std::ostream& operator<<(std::ostream& out, const A& a);
std::ostream& operator<<(std::ostream& out, const B& b);

/// The seed's async_main(), step for step, printing to `out`.
orca::task<void> async_main(orca::engine engine, std::ostream& out);

}  // namespace async_orm_writeonly

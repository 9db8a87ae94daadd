// The first seed program (SQLAlchemy's examples/asyncio/async_orm.py) in C++: classes A and
// B with a one-to-many collection loaded by selectinload. Used by its main, orca-demo and tests.
#pragma once

#include <ostream>

#include "orca/orca.hpp"
#include "async_orm_models.hpp"

namespace async_orm {

std::ostream& operator<<(std::ostream& out, const A& a);
std::ostream& operator<<(std::ostream& out, const B& b);

/// The seed's async_main(), step for step, printing to `out`.
orca::task<void> async_main(orca::engine engine, std::ostream& out);

}  // namespace async_orm

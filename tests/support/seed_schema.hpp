// The seed programs' schema for the tests: the example programs' own classes A and B, with
// a one-to-many collection (namespace seed) and with a write-only one (seed_writeonly).
// Shared by the model, actor and example tests.
#pragma once

#include "async_orm_models.hpp"
#include "async_orm_writeonly_models.hpp"

namespace seed = async_orm;
namespace seed_writeonly = async_orm_writeonly;

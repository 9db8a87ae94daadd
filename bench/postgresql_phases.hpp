// The raw libpq baseline (postgresql_phases.cpp): the workload written against libpq.
// Made by the harness for --backend postgresql.
#pragma once

#include <memory>
#include <string>

#include "workload.hpp"

namespace orca_bench {

/// The raw PostgreSQL side on `url` (libpq accepts orca's postgresql:// URLs as they are).
std::unique_ptr<raw_side> make_raw_postgresql(const std::string& url);

}  // namespace orca_bench

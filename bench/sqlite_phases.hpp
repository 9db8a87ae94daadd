// The raw sqlite3 baseline (sqlite_phases.cpp): the workload written against the C API.
// Made by the harness for --backend sqlite.
#pragma once

#include <memory>
#include <string>

#include "workload.hpp"

namespace orca_bench {

/// The raw SQLite side on the database file `path`, with orca's busy timeout.
std::unique_ptr<raw_side> make_raw_sqlite(const std::string& path, int busy_timeout_ms);

}  // namespace orca_bench

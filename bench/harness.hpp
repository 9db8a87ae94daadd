// The harness: runs the chosen phases on one database, orca and raw alternating (A B A B),
// verifies that both did the same work, and summarises the runs. Used by main() and the
// memory check.
#pragma once

#include <memory>
#include <vector>

#include "options.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "workload.hpp"

namespace orca_bench {

/// The raw baseline of a target's backend.
std::unique_ptr<raw_side> make_raw(const target& t, int busy_timeout_ms);

/// Makes sure a holds exactly `n` parents and b at least 2n children (P6 adds some);
/// otherwise recreates the tables and loads them with the raw P1 (untimed).
void ensure_data(raw_side& raw, std::int64_t n);

/// Removes a temporary SQLite database and its -wal/-shm files.
void remove_database_files(const target& t);

/// How many timed runs `o` asks for on one target (for the progress bar).
std::size_t count_runs(const options& o);

/// Runs every phase of `o` on `t`; prints each phase's machine line on stdout as it ends.
std::vector<phase_summary> run_target(const options& o, const target& t, progress& bar);

}  // namespace orca_bench

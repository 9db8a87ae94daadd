// The orca side of orca-bench-actors' timed figures (1-3), written as an application writes
// them with orca's public facade. Made by the figure runner once per target.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "options.hpp"
#include "workload.hpp"

namespace orca_bench {

/// What one run of figure 1 did.
struct identity_run {
  double seconds = 0;             ///< the timed gets only (the first load is not timed)
  std::int64_t loaded = 0;        ///< objects the first load returned
  std::int64_t gets = 0;          ///< gets that returned an object
  std::int64_t same_objects = 0;  ///< gets that returned the very object of the first load
  std::int64_t statements = 0;    ///< SQL statements the engine ran during the timed gets
  std::int64_t checksum = 0;      ///< id + data length over the objects got
};

/// Figures 1-3 through orca on one database; each call is one run inside orca::run_or_throw.
class orca_figures {
public:
  /// Two engines on `t`, each with a pool of exactly `pool` connections: one for figures 2
  /// and 3, and one with echo on (to a counting logger, nothing printed) for figure 1.
  orca_figures(const target& t, std::int64_t pool, std::chrono::milliseconds busy_timeout);
  /// Disposes both engines.
  ~orca_figures();
  orca_figures(const orca_figures&) = delete;
  orca_figures& operator=(const orca_figures&) = delete;

  /// Figure 1: a fresh session loads the parents `ids` with one SELECT (untimed), then gets
  /// each again with session.get (timed); compares each object with the first load's.
  identity_run identity_gets(const std::vector<std::int64_t>& ids);
  /// Figure 2: a fresh session runs `select<A>().where(col(&A::id) == id)` for every id, one
  /// query at a time, then closes (timed like P5); rows and checksum as raw's P5.
  run_result one_row_queries(const std::vector<std::int64_t>& ids);
  /// Figure 3: a fresh session streams every parent in batches of stream_batch, with
  /// stream_prefetch on or off, then closes (timed); rows and an id + data length checksum.
  run_result stream_parents(bool prefetch);

private:
  struct engines;
  std::unique_ptr<engines> engines_;
};

}  // namespace orca_bench

// Figure 4 of orca-bench-actors: the resident memory of many live, idle orca sessions.
// Called by the figure runner once per target.
#pragma once

#include <chrono>
#include <cstdint>

#include "options.hpp"

namespace orca_bench {

/// What holding many idle sessions cost the process, and what closing them left.
struct idle_sessions_result {
  std::int64_t sessions = 0;            ///< sessions held at once
  std::int64_t rss_before = 0;          ///< bytes resident before the first was made (after malloc_trim)
  std::int64_t actors_idle = 0;         ///< actors running while the sessions were idle
  std::int64_t rss_constructed = 0;     ///< bytes resident once every async_session was constructed
  std::int64_t rss_idle = 0;            ///< bytes resident once every session had answered one rollback()
  std::int64_t rss_closed = 0;          ///< bytes resident after every close() (after malloc_trim)
  double peak_growth_mb = -1;           ///< VmHWM growth over the whole hold; -1 if the peak could not be reset
  std::int64_t checked_out_idle = 0;    ///< connections checked out while the sessions idled
  std::int64_t checked_out_closed = 0;  ///< connections checked out after every close()
};

/// Makes `count` async_sessions on an engine of its own (pool of `pool`, max_overflow 0) on
/// `t`, has each answer one rollback() (no connection, no SQL: it proves the session actor
/// runs), measures resident memory before and after, then closes them all.
idle_sessions_result measure_idle_sessions(const target& t, std::int64_t pool, std::chrono::milliseconds busy_timeout,
                                           std::int64_t count);

}  // namespace orca_bench

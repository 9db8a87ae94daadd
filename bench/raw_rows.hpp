// The plain structs the raw baselines materialise rows into (what hand-written code would
// keep), and the digests both raw sides compute from them. Used by *_phases.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "workload.hpp"

namespace orca_bench {

/// A row of b.
struct child_row {
  std::int64_t id = 0;
  std::int64_t a_id = 0;
  std::string data;
};

/// A row of a with its children attached.
struct parent_row {
  std::int64_t id = 0;
  std::string data;
  std::int64_t create_date = 0;  ///< microseconds since 1970, UTC
  std::vector<child_row> bs;
};

/// P2's rows and checksum over loaded parents (same formula as the orca side).
inline void digest_parents(const std::vector<parent_row>& parents, run_result& out) {
  for (auto& a : parents) {
    out.rows += 1 + static_cast<std::int64_t>(a.bs.size());
    out.checksum += parent_digest(a.id, a.bs.size(), a.data.size());
    for (auto& b : a.bs) out.checksum += static_cast<std::int64_t>(b.data.size());
  }
}

/// Seconds since `start` on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Milliseconds since `start` on the steady clock.
inline double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace orca_bench

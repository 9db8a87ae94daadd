// The results of a benchmark: per phase (and per K for P6) the runs of both sides, their
// medians, the ratio and the target; printed as machine lines, a table and JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "options.hpp"
#include "workload.hpp"

namespace orca_bench {

/// The runs of one side in one phase.
struct side_runs {
  std::vector<double> seconds;           ///< one per run
  std::vector<double> peak_rss_mb;       ///< one per run
  std::vector<double> latencies_ms;      ///< P6: every transaction of every run
  std::int64_t rows = 0;                 ///< of the last run
  std::optional<std::int64_t> checksum;  ///< of the last run
  std::int64_t retries = 0;              ///< P6: over every run
  std::string error;                     ///< why a run failed (then no more runs)

  /// Median of `seconds` (0 if none).
  double median_seconds() const;
  /// Highest peak RSS over the runs.
  double max_peak_rss_mb() const;
  /// The lowest peak of the runs (0 if none): raw's, since a run's peak also counts what the
  /// other side's earlier runs left resident in the process.
  double min_peak_rss_mb() const;
  /// The q-quantile (0..1) of the latencies, nearest rank.
  double latency_ms(double q) const;
  /// Transactions per second of the median run.
  double throughput(std::int64_t transactions) const;
};

/// What the issue asks of a phase on a backend.
struct target_spec {
  double limit = 0;       ///< ratio at most (or, for P6, throughput share at least)
  bool at_least = false;  ///< P6: orca must reach `limit` times raw's throughput
  std::string text;       ///< "<= 1.5", ">= 0.8x raw at K=P", ...
};

/// One line of results: a phase on a backend (P6: one per K).
struct phase_summary {
  std::string backend;                ///< "sqlite" or "postgresql"
  phase which = phase::p1_insert;     ///< the phase
  std::int64_t n = 0;                 ///< parents
  std::int64_t sessions = 0;          ///< P6: K
  std::int64_t pool = 0;              ///< P6: P
  std::int64_t transactions = 0;      ///< P6
  side_runs orca;                     ///< orca's runs
  side_runs raw;                      ///< the raw baseline's runs
  std::vector<std::string> problems;  ///< verification failures and errors
  bool peak_is_per_run = true;        ///< false if VmHWM could not be reset between runs

  /// orca median / raw median (0 when either is missing).
  double ratio() const;
  /// The target that applies to this line, if any (P6: only K = P and K = 512).
  std::optional<target_spec> target() const;
  /// Whether the target is met (nullopt without a target).
  std::optional<bool> met() const;
};

/// The `phase=P1 backend=sqlite n=... orca_s=... raw_s=... ratio=... rows=... peak_rss_mb=...` line.
std::string machine_line(const phase_summary& s);
/// The human table (phases, then P6 per K).
void print_table(std::ostream& out, const std::vector<phase_summary>& results);
/// Writes every run of every phase as JSON; throws if the file cannot be written.
void write_json(const std::string& path, const options& o, const std::vector<phase_summary>& results);
/// "2026-11-21 12:34 UTC".
std::string now_utc();

}  // namespace orca_bench

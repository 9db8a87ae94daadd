// The benchmark workload shared by every implementation: phases P1-P7, what each run is
// given and returns, the row values, and the side interface orca and the raw drivers fill.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orca_bench {

/// The phases of the workload (see bench/README.md).
enum class phase : std::uint8_t { p1_insert, p2_selectin, p3_stream, p4_update, p5_get, p6_concurrency, p7_aggregate };

/// Every phase, in the order the harness runs them.
inline constexpr std::array<phase, 7> all_phases{phase::p1_insert,   phase::p2_selectin, phase::p3_stream,
                                                 phase::p4_update,   phase::p5_get,      phase::p6_concurrency,
                                                 phase::p7_aggregate};

/// "P1" ... "P7".
std::string_view phase_code(phase p) noexcept;
/// "insert", "selectin load", ...
std::string_view phase_title(phase p) noexcept;
/// The phase named "P3" / "p3"; nullopt for anything else.
std::optional<phase> parse_phase(std::string_view code) noexcept;

/// Point gets per P5 run (fewer if there are fewer parents).
inline constexpr std::int64_t point_gets = 10000;
/// Rows per batch of a stream (orca's stream batch and the raw cursors' FETCH size).
inline constexpr std::int64_t stream_batch = 1000;

/// Everything one run of a phase needs; identical for orca and raw.
struct run_context {
  std::int64_t n = 0;                   ///< parents (each has two children after P1)
  std::int64_t run = 0;                 ///< a number unique to this run (P4/P6 values change every run)
  std::int64_t first_id = 1;            ///< smallest a.id (ids are first_id .. first_id + n - 1)
  std::vector<std::int64_t> point_ids;  ///< P5: the ids to get, in order
  std::int64_t sessions = 1;            ///< P6: concurrent sessions K (orca)
  std::int64_t pool = 8;                ///< P6: connections P (orca's pool, raw's threads)
  std::int64_t transactions = 0;        ///< P6: total transactions of the run
};

/// What one run did.
struct run_result {
  double seconds = 0;                ///< wall time of the work itself
  std::int64_t rows = 0;             ///< rows inserted / loaded / streamed / updated / got; P6: transactions
  std::int64_t checksum = 0;         ///< a digest of what was read, compared between orca and raw
  std::vector<double> latencies_ms;  ///< P6: one per transaction
  std::int64_t retries = 0;          ///< P6: transactions retried after database_busy
};

/// One implementation of the workload (orca, raw sqlite3, raw libpq).
class side {
public:
  virtual ~side() = default;
  /// "orca" or "raw".
  virtual std::string_view name() const noexcept = 0;
  /// Drops and creates tables a and b with the index on b.a_id (untimed set-up of P1).
  virtual void reset_schema() = 0;
  /// Runs one phase against the current database and times it.
  virtual run_result run(phase p, const run_context& context) = 0;
};

/// A raw baseline: a side that also does the harness's database chores (never timed).
class raw_side : public side {
public:
  /// Runs one phase through the backend's hand-written code below.
  run_result run(phase p, const run_context& c) final {
    switch (p) {
      case phase::p1_insert: return insert(c);
      case phase::p2_selectin: return load(c);
      case phase::p3_stream: return stream(c);
      case phase::p4_update: return update(c);
      case phase::p5_get: return get(c);
      case phase::p6_concurrency: return concurrency(c);
      case phase::p7_aggregate: return aggregate(c);
    }
    throw std::logic_error("unknown phase");
  }
  /// Rows in a and b.
  std::pair<std::int64_t, std::int64_t> count_rows() {
    return {scalar("SELECT count(*) FROM a"), scalar("SELECT count(*) FROM b")};
  }
  /// Smallest a.id (0 when empty).
  std::int64_t first_parent_id() { return scalar("SELECT coalesce(min(id), 0) FROM a"); }
  /// Parents whose data equals updated_data(run, id).
  virtual std::int64_t count_updated(std::int64_t run) = 0;
  /// Housekeeping between runs so that runs start alike (WAL checkpoint / VACUUM ANALYZE).
  virtual void settle() = 0;
  /// Frees the memory the driver keeps for reuse (SQLite's page cache), before a run of orca
  /// alone (--side orca): the raw connection only checks that run's work, and what it
  /// caches while checking is not orca's.
  virtual void release_memory() {}

protected:
  /// The single integer a query returns.
  virtual std::int64_t scalar(const char* sql) = 0;
  /// The phases, as the fastest honest code for the backend (see bench/README.md).
  virtual run_result insert(const run_context& c) = 0;
  virtual run_result load(const run_context& c) = 0;
  virtual run_result stream(const run_context& c) = 0;
  virtual run_result update(const run_context& c) = 0;
  virtual run_result get(const run_context& c) = 0;
  virtual run_result concurrency(const run_context& c) = 0;
  virtual run_result aggregate(const run_context& c) = 0;
};

/// "parent-<i>" (i counts from 0).
std::string parent_data(std::int64_t i);
/// "child-<i>-<j>".
std::string child_data(std::int64_t i, std::int64_t j);
/// The value P4 gives parent `id` in run `run`: "updated-<run>-<id>".
std::string updated_data(std::int64_t run, std::int64_t id);
/// The parent P6's transaction number `tx` of run `run` touches (same for orca and raw).
std::int64_t p6_parent(const run_context& context, std::int64_t tx) noexcept;
/// P5's ids: min(n, point_gets) distinct ids in a fixed pseudo-random order.
std::vector<std::int64_t> point_get_ids(std::int64_t first_id, std::int64_t n);

/// Digest of a P2 parent: its id times its number of children plus its text length.
inline std::int64_t parent_digest(std::int64_t id, std::size_t children, std::size_t data_length) noexcept {
  return id * static_cast<std::int64_t>(children) + static_cast<std::int64_t>(data_length);
}

/// P7's statement for the raw baselines (what orca's select(...).outerjoin().group_by() sends).
inline constexpr const char* aggregate_sql =
    "SELECT a.id, a.data, count(b.id) FROM a LEFT OUTER JOIN b ON b.a_id = a.id GROUP BY a.id, a.data";

/// Digest of a P7 row: the parent's id times its number of children plus its text length.
inline std::int64_t aggregate_digest(std::int64_t id, std::int64_t children, std::size_t data_length) noexcept {
  return id * children + static_cast<std::int64_t>(data_length);
}

/// Microseconds since 1970 of "YYYY-MM-DD HH:MM:SS[.ffffff]" (what the raw baselines
/// materialise create_date into); 0 if the text does not have that shape.
std::int64_t parse_timestamp_micros(std::string_view text) noexcept;

}  // namespace orca_bench

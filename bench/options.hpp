// orca-bench's command line: what to run, where, how often, and where to write the results.
// Parsed once by main(); read by the harness, the report and the memory check. The list,
// number and target helpers serve orca-bench-actors' command line too.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "workload.hpp"

namespace orca_bench {

/// A database to run against.
struct target {
  std::string backend;     ///< "sqlite" or "postgresql"
  std::string url;         ///< orca URL (libpq takes the same text)
  bool temporary = false;  ///< a file orca-bench made and removes at exit (SQLite default)
};

/// When to draw the progress bar on stderr.
enum class progress_mode : std::uint8_t { automatic, always, never };

/// Everything the command line sets.
struct options {
  std::vector<target> targets;                                      ///< one per --backend
  std::int64_t n = 100000;                                          ///< --n: parents
  std::vector<phase> phases{all_phases.begin(), all_phases.end()};  ///< --phases
  int repeat = 3;                                                   ///< --repeat: runs per side
  std::string json_path;                                            ///< --json
  std::string plot_path;                                            ///< --plot
  std::vector<std::int64_t> sessions{1, 8, 64, 512};                ///< --k: P6 session counts
  std::int64_t pool = 8;                                            ///< --pool: P6 connections
  std::int64_t transactions = 4000;                                 ///< --tx: P6 transactions per run
  int busy_timeout_ms = 5000;                                       ///< --busy-timeout (SQLite, both sides)
  bool memory_check = false;                                        ///< --memory-check
  bool memory_apart = false;                                        ///< --memory-apart
  std::vector<std::int64_t> memory_sizes{10000, 100000, 1000000};   ///< --memory-n
  progress_mode progress = progress_mode::automatic;                ///< --progress / --no-progress
  bool run_orca = true;                                             ///< --side orca|raw|both (for profiling)
  bool run_raw = true;
};

/// A command line that cannot be run; the message says what to write instead.
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The --help text.
std::string usage_text();

/// The value of the flag being read (the text after '=' or the next argument).
using flag_value = std::function<std::string_view()>;
/// Handles one flag; false if the flag is unknown.
using flag_handler = std::function<bool(std::string_view flag, const flag_value& value)>;
/// Calls `handle` for each flag of argv (`--flag value` and `--flag=value`); throws
/// usage_error for an unknown flag or a missing value.
void read_flags(int argc, char** argv, const flag_handler& handle);

/// Parses argv; throws usage_error. Sets `help` when --help was asked for.
options parse_options(int argc, char** argv, bool& help);

/// The non-empty parts of a comma-separated list ("sqlite,postgresql").
std::vector<std::string_view> split_list(std::string_view text);

/// A whole number >= `least` (100000, 100k and 1m accepted); usage_error naming `flag` otherwise.
std::int64_t parse_count(std::string_view flag, std::string_view text, std::int64_t least);

/// The databases that --backend and --url name: each backend gets the --url of its kind
/// (SQLite without one: a temporary file); no backend means those of the URLs, or SQLite.
/// Throws usage_error for an unknown backend, PostgreSQL without a URL, or a stray URL.
std::vector<target> make_targets(std::vector<std::string> backends, const std::vector<std::string>& urls);

/// A fresh SQLite database file path under $TMPDIR (or /tmp), unique to this process.
std::string temporary_sqlite_path();

}  // namespace orca_bench

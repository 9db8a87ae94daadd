// orca-bench-actors' command line: which figures, on which databases, at which sizes.
// Parsed once by its main(); read by the figure runner (actor_figures.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"

namespace orca_bench {

/// The figures orca-bench-actors measures (see bench/README.md).
enum class figure : std::uint8_t { identity_get, one_row_query, stream_prefetch, idle_session_memory };

/// Every figure, in the order they run.
inline constexpr std::array<figure, 4> all_figures{figure::identity_get, figure::one_row_query, figure::stream_prefetch,
                                                   figure::idle_session_memory};

/// The figure's machine name ("identity_get", ...), used in `figure=` fields.
std::string figure_name(figure f);
/// The figure's human title ("1 identity-map hit get()", ...).
std::string figure_title(figure f);

/// Everything orca-bench-actors' command line sets.
struct figure_options {
  std::vector<target> targets;                                          ///< one per --backend
  std::vector<figure> figures{all_figures.begin(), all_figures.end()};  ///< --figures
  std::int64_t n = 100000;                                              ///< --n: parents (figure 3 streams them all)
  int repeat = 3;                                     ///< --repeat: runs per side of figures 1-3 (medians)
  std::int64_t sessions = 100000;                     ///< --sessions: idle sessions of figure 4
  std::int64_t pool = 8;                              ///< --pool: connections of orca's pool
  int busy_timeout_ms = 5000;                         ///< --busy-timeout (SQLite, both sides)
  progress_mode progress = progress_mode::automatic;  ///< --progress / --no-progress
};

/// The --help text.
std::string figure_usage_text();

/// Parses argv; throws usage_error. Sets `help` when --help was asked for.
figure_options parse_figure_options(int argc, char** argv, bool& help);

}  // namespace orca_bench

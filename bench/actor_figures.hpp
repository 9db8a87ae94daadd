// The figure runner of orca-bench-actors: seeds a target as orca-bench does, runs the chosen
// figures on it (orca and raw alternating where there is a raw side), checks every run and
// summarises each figure. Used by actor_figures_main.cpp.
#pragma once

#include <cstddef>
#include <vector>

#include "actor_figures_options.hpp"
#include "actor_figures_report.hpp"
#include "progress.hpp"

namespace orca_bench {

/// Timed runs `o` asks for on one target (for the progress bar).
std::size_t count_figure_runs(const figure_options& o);

/// Runs every figure of `o` on `t`; prints each figure's machine line on stdout as it ends.
std::vector<figure_result> run_figures(const figure_options& o, const target& t, progress& bar);

}  // namespace orca_bench

// --plot: an SVG chart of a benchmark's results, written by hand (no plotting dependency).
// Used by main() after every target has run.
#pragma once

#include <string>
#include <vector>

#include "report.hpp"

namespace orca_bench {

/// Writes the ratio-per-phase chart (every backend side by side, targets marked) and P6's
/// throughput against K to `path`; `subtitle` says when and at which size. Throws if the
/// file cannot be written.
void write_plot(const std::string& path, const std::vector<phase_summary>& results, const std::string& subtitle);

}  // namespace orca_bench

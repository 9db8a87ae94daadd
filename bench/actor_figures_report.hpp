// The results of orca-bench-actors: one figure on one backend, printed as a machine line
// (stdout, as the figure ends) and as a row of the human table at the end.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "actor_figures_options.hpp"

namespace orca_bench {

/// One figure measured on one backend.
struct figure_result {
  figure which = figure::identity_get;                       ///< the figure
  std::string backend;                                       ///< "sqlite" or "postgresql"
  double value = 0;                                          ///< the headline number (a median where there are runs)
  std::string unit;                                          ///< of `value`: "us/get", "us/query", "s", "bytes/session"
  std::vector<std::pair<std::string, std::string>> context;  ///< further key=value fields, in order
  std::string compared;               ///< table: what `value` is set against ("raw 1.52 us/query")
  std::string ratio;                  ///< table: their ratio, or "-"
  std::string note;                   ///< table: counts, checks, the goal
  std::vector<std::string> problems;  ///< failed runs and failed checks

  /// Appends a key=value context field.
  void add(std::string key, std::string text) { context.emplace_back(std::move(key), std::move(text)); }
};

/// A number with as many decimals as its size deserves (12345, 123.45, 1.234, 0.009512).
std::string number_text(double x);

/// `figure=one_row_query backend=sqlite value=25.120 unit=us/query raw_us=1.53 ... [error=1]`.
std::string figure_line(const figure_result& r);

/// The human table, then every problem on a line of its own.
void print_figure_table(std::ostream& out, const std::vector<figure_result>& results);

}  // namespace orca_bench

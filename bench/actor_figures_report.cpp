// Machine lines and the human table of orca-bench-actors, in orca-bench's report style:
// key=value fields a script can split on spaces, and a fixed-width table for people.
#include "actor_figures_report.hpp"

#include <fmt/format.h>

namespace orca_bench {

std::string number_text(double x) {
  auto size = x < 0 ? -x : x;
  if (size < 1 && size > 0) return fmt::format("{:.4g}", x);  // 0.009512 s keeps its digits
  return fmt::format("{:.{}f}", x, size >= 1000 ? 0 : size >= 10 ? 2 : 3);
}

std::string figure_line(const figure_result& r) {
  auto line = fmt::format("figure={} backend={} value={} unit={}", figure_name(r.which), r.backend,
                          number_text(r.value), r.unit);
  for (auto& [key, text] : r.context) line += fmt::format(" {}={}", key, text);
  if (!r.problems.empty()) line += " error=1";
  return line;
}

void print_figure_table(std::ostream& out, const std::vector<figure_result>& results) {
  out << fmt::format("\n{:<10} {:<26} {:>22} {:>24} {:>7}  {}\n", "backend", "figure", "measured", "compared with",
                     "ratio", "note");
  for (auto& r : results)
    out << fmt::format("{:<10} {:<26} {:>22} {:>24} {:>7}  {}\n", r.backend, figure_title(r.which),
                       fmt::format("{} {}", number_text(r.value), r.unit), r.compared, r.ratio, r.note);
  for (auto& r : results)
    for (auto& p : r.problems) out << fmt::format("{} {}: {}\n", r.backend, figure_name(r.which), p);
}

}  // namespace orca_bench

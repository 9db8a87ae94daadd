// orca-bench: the benchmark harness — orca against raw sqlite3 / libpq, same work, same run.
// See bench/README.md for the phases, the baselines and the latest figures.
#include <iostream>

#include <fmt/format.h>

#include "harness.hpp"
#include "memory.hpp"
#include "options.hpp"
#include "plot.hpp"
#include "progress.hpp"
#include "report.hpp"

int main(int argc, char** argv) {
  using namespace orca_bench;
  options o;
  try {
    bool help = false;
    o = parse_options(argc, argv, help);
    if (help) {
      std::cout << usage_text();
      return 0;
    }
  } catch (const usage_error& e) {
    std::cerr << "orca-bench: " << e.what() << "\n";
    return 2;
  }
  try {
    if (o.memory_check) return run_memory_check(o);
    if (o.memory_apart) return run_memory_apart(o);
    std::vector<phase_summary> results;
    {
      progress bar{o.progress, count_runs(o) * o.targets.size()};
      for (auto& t : o.targets) {
        try {
          auto mine = run_target(o, t, bar);
          results.insert(results.end(), mine.begin(), mine.end());
        } catch (...) {
          if (t.temporary) remove_database_files(t);
          throw;
        }
        if (t.temporary) remove_database_files(t);
      }
    }
    print_table(std::cout, results);
    if (!o.json_path.empty()) write_json(o.json_path, o, results);
    if (!o.plot_path.empty())
      write_plot(o.plot_path, results,
                 fmt::format("{}, n={}, runs per side and phase: {} (medians), P6: P={} connections, {} tx per run",
                             now_utc(), o.n, o.repeat, o.pool, o.transactions));
    for (auto& s : results)
      if (!s.orca.error.empty() || !s.raw.error.empty() || !s.problems.empty()) return 1;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "orca-bench: " << e.what() << "\n";
    return 1;
  }
}

// orca-bench-actors: what orca's actors cost — identity-map hits, one-row queries against the
// raw driver, stream prefetch, idle-session memory. See bench/README.md.
#include <iostream>

#include "actor_figures.hpp"
#include "harness.hpp"

int main(int argc, char** argv) {
  using namespace orca_bench;
  figure_options o;
  try {
    bool help = false;
    o = parse_figure_options(argc, argv, help);
    if (help) {
      std::cout << figure_usage_text();
      return 0;
    }
  } catch (const usage_error& e) {
    std::cerr << "orca-bench-actors: " << e.what() << "\n";
    return 2;
  }
  try {
    std::vector<figure_result> results;
    {
      progress bar{o.progress, count_figure_runs(o) * o.targets.size(), "orca-bench-actors"};
      for (auto& t : o.targets) {
        try {
          auto mine = run_figures(o, t, bar);
          results.insert(results.end(), mine.begin(), mine.end());
        } catch (...) {
          if (t.temporary) remove_database_files(t);
          throw;
        }
        if (t.temporary) remove_database_files(t);
      }
    }
    print_figure_table(std::cout, results);
    for (auto& r : results)
      if (!r.problems.empty()) return 1;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "orca-bench-actors: " << e.what() << "\n";
    return 1;
  }
}

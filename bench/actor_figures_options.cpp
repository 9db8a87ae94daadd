// Parses orca-bench-actors' flags with orca-bench's helpers (lists, counts, targets); every
// mistake is a usage_error that says what was wrong. Used by actor_figures_main.cpp.
#include "actor_figures_options.hpp"

#include <string_view>

namespace orca_bench {

namespace {

figure parse_figure(std::string_view code) {
  for (auto f : all_figures)
    if (code == figure_name(f) || (code.size() == 1 && code[0] - '1' == static_cast<int>(f))) return f;
  throw usage_error("--figures: unknown figure '" + std::string{code} +
                    "'; use 1-4 or identity_get, one_row_query, stream_prefetch, idle_session_memory");
}

}  // namespace

std::string figure_name(figure f) {
  static const char* const names[] = {"identity_get", "one_row_query", "stream_prefetch", "idle_session_memory"};
  return names[static_cast<int>(f)];
}

std::string figure_title(figure f) {
  static const char* const titles[] = {"1 identity-map hit get()", "2 one-row query", "3 stream, prefetch on/off",
                                       "4 idle session memory"};
  return titles[static_cast<int>(f)];
}

std::string figure_usage_text() {
  return R"(usage: orca-bench-actors [flags]
Measures what orca's actors cost, one figure at a time, and prints one line per figure,
then a table:
  1 identity_get         session.get() answered from the identity map (no SQL): us per get
  2 one_row_query        session.scalars(select<A>().where(id == x)), 10,000 distinct ids,
                         against the raw driver's prepared SELECT: us per query and the ratio
  3 stream_prefetch      session.stream(select<A>(), 1000) over every parent, with and
                         without stream_prefetch: seconds each and the ratio
  4 idle_session_memory  resident memory per live, idle async_session (goal <= 1 KiB)

  --backend LIST      sqlite, postgresql, or both (comma-separated); default sqlite
  --url URL           database of a backend (repeat for each); SQLite defaults to a temporary
                      file, PostgreSQL needs one (scripts/pg-throwaway.sh start DIR prints it)
  --n N               parents (each with two children, loaded as orca-bench loads them);
                      default 100000 (10k, 1m accepted)
  --figures LIST      figures to run, e.g. 1,3 or identity_get; default all
  --repeat R          runs per side of figures 1-3 (medians are reported); default 3
  --sessions S        idle sessions of figure 4; default 100000
  --pool P            connections of orca's pool (max_overflow = 0); default 8
  --busy-timeout MS   SQLite busy timeout of both sides; default 5000
  --progress | --no-progress   force the progress bar on stderr on or off (default: on a tty)
  --help
)";
}

figure_options parse_figure_options(int argc, char** argv, bool& help) {
  figure_options o;
  help = false;
  std::vector<std::string> backends;
  std::vector<std::string> urls;
  read_flags(argc, argv, [&](std::string_view flag, const flag_value& arg) {
    if (flag == "--help" || flag == "-h")
      help = true;
    else if (flag == "--backend")
      for (auto b : split_list(arg())) backends.emplace_back(b);
    else if (flag == "--url")
      urls.emplace_back(arg());
    else if (flag == "--n")
      o.n = parse_count(flag, arg(), 1);
    else if (flag == "--repeat")
      o.repeat = static_cast<int>(parse_count(flag, arg(), 1));
    else if (flag == "--sessions")
      o.sessions = parse_count(flag, arg(), 1);
    else if (flag == "--pool")
      o.pool = parse_count(flag, arg(), 1);
    else if (flag == "--busy-timeout")
      o.busy_timeout_ms = static_cast<int>(parse_count(flag, arg(), 0));
    else if (flag == "--progress")
      o.progress = progress_mode::always;
    else if (flag == "--no-progress")
      o.progress = progress_mode::never;
    else if (flag == "--figures") {
      o.figures.clear();
      for (auto code : split_list(arg())) o.figures.push_back(parse_figure(code));
      if (o.figures.empty()) throw usage_error("--figures wants a list such as 1,2 or identity_get");
    } else {
      return false;
    }
    return true;
  });
  if (help) return o;
  o.targets = make_targets(std::move(backends), urls);
  return o;
}

}  // namespace orca_bench

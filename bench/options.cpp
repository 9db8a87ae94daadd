// Parses orca-bench's flags into options; every mistake is a usage_error that says what
// was wrong and what to write. Used by main().
#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include <unistd.h>

#include "orca/drivers/url.hpp"

namespace orca_bench {

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    if (!part.empty()) parts.push_back(part);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return parts;
}

std::int64_t parse_count(std::string_view flag, std::string_view text, std::int64_t least) {
  std::int64_t value = 0;
  // Accept 100000, 100k and 1m: the sizes people type.
  std::int64_t scale = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) scale = 1000;
  if (!text.empty() && (text.back() == 'm' || text.back() == 'M')) scale = 1000000;
  if (scale > 1) text.remove_suffix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value * scale < least)
    throw usage_error(std::string{flag} + " wants a whole number >= " + std::to_string(least) + ", not '" +
                      std::string{text} + "'");
  return value * scale;
}

namespace {

std::vector<std::int64_t> numbers(std::string_view flag, std::string_view text, std::int64_t least) {
  std::vector<std::int64_t> values;
  for (auto part : split_list(text)) values.push_back(parse_count(flag, part, least));
  if (values.empty()) throw usage_error(std::string{flag} + " wants a comma-separated list of numbers");
  return values;
}

std::string backend_of(std::string_view url) {
  try {
    return orca::parse_url(url).backend == orca::backend::sqlite ? "sqlite" : "postgresql";
  } catch (const std::exception& e) {
    throw usage_error(std::string{"--url: "} + e.what());
  }
}

}  // namespace

std::string usage_text() {
  return R"(usage: orca-bench [flags]
Runs the workload (phases P1-P7) with orca and with the raw driver, alternating runs, and
prints one line per phase, then a table.

  --backend LIST      sqlite, postgresql, or both (comma-separated); default sqlite
  --url URL           database of a backend (repeat for each); SQLite defaults to a temporary
                      file, PostgreSQL needs one (scripts/pg-throwaway.sh start DIR prints it)
  --n N               parents (each with two children); default 100000 (10k, 1m accepted)
  --phases LIST       phases to run, e.g. P1,P2,P5; default all
  --repeat R          runs per side and phase (medians are reported); default 3
  --json FILE         write every measurement as JSON
  --plot FILE         write an SVG chart of the ratios and of P6's throughput
  --k LIST            P6: concurrent orca sessions; default 1,8,64,512
  --pool P            P6: connections (orca's pool size, raw threads); default 8
  --tx T              P6: transactions per run; default 4000
  --busy-timeout MS   SQLite busy timeout of both sides; default 5000
  --memory-check      run P3 in a fresh process per size and check that peak memory is flat
  --memory-n LIST     sizes for --memory-check; default 10k,100k,1m
  --memory-apart      peak memory of each side alone: every phase asked runs --repeat times
                      in a fresh process for orca, and again for raw (see bench/README.md)
  --side WHICH        orca, raw or both (default); one side alone gives no ratios, but a
                      clean profile: perf record -g ./orca-bench --side orca --phases P5
  --progress | --no-progress   force the progress bar on stderr on or off (default: on a tty)
  --help
)";
}

std::string temporary_sqlite_path() {
  const char* dir = std::getenv("TMPDIR");
  std::string base = dir != nullptr && *dir != '\0' ? dir : "/tmp";
  return base + "/orca-bench-" + std::to_string(::getpid()) + ".db";
}

std::vector<target> make_targets(std::vector<std::string> backends, const std::vector<std::string>& urls) {
  std::vector<target> targets;
  if (backends.empty()) {
    for (auto& u : urls) backends.push_back(backend_of(u));
    if (backends.empty()) backends.emplace_back("sqlite");
  }
  for (auto& b : backends) {
    if (b != "sqlite" && b != "postgresql") throw usage_error("--backend: '" + b + "' is not sqlite or postgresql");
    target t{b, {}, false};
    for (auto& u : urls)
      if (backend_of(u) == b) t.url = u;
    if (t.url.empty() && b == "sqlite") {
      t.url = "sqlite:///" + temporary_sqlite_path();
      t.temporary = true;
    }
    if (t.url.empty())
      throw usage_error(
          "--backend postgresql needs --url postgresql://...; start a throwaway server with "
          "scripts/pg-throwaway.sh start /tmp/orca-bench-pg (it prints the URL)");
    targets.push_back(std::move(t));
  }
  for (auto& u : urls)
    if (std::find_if(targets.begin(), targets.end(), [&](auto& t) { return t.url == u; }) == targets.end())
      throw usage_error("--url " + u + " is for a backend that --backend does not name");
  return targets;
}

void read_flags(int argc, char** argv, const flag_handler& handle) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    std::string_view value;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    auto arg = [&]() -> std::string_view {
      if (!value.empty()) return value;
      if (i + 1 >= argc) throw usage_error(std::string{flag} + " needs a value (see --help)");
      return argv[++i];
    };
    if (!handle(flag, arg)) throw usage_error("unknown flag '" + std::string{argv[i]} + "' (see --help)");
  }
}

options parse_options(int argc, char** argv, bool& help) {
  options o;
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
    else if (flag == "--json")
      o.json_path = arg();
    else if (flag == "--plot")
      o.plot_path = arg();
    else if (flag == "--k")
      o.sessions = numbers(flag, arg(), 1);
    else if (flag == "--pool")
      o.pool = parse_count(flag, arg(), 1);
    else if (flag == "--tx")
      o.transactions = parse_count(flag, arg(), 1);
    else if (flag == "--busy-timeout")
      o.busy_timeout_ms = static_cast<int>(parse_count(flag, arg(), 0));
    else if (flag == "--memory-check")
      o.memory_check = true;
    else if (flag == "--memory-apart")
      o.memory_apart = true;
    else if (flag == "--memory-n")
      o.memory_sizes = numbers(flag, arg(), 1);
    else if (flag == "--progress")
      o.progress = progress_mode::always;
    else if (flag == "--no-progress")
      o.progress = progress_mode::never;
    else if (flag == "--side") {
      auto which = arg();
      if (which != "orca" && which != "raw" && which != "both")
        throw usage_error("--side wants orca, raw or both, not '" + std::string{which} + "'");
      o.run_orca = which != "raw";
      o.run_raw = which != "orca";
    } else if (flag == "--phases") {
      o.phases.clear();
      for (auto code : split_list(arg())) {
        auto p = parse_phase(code);
        if (!p) throw usage_error("--phases: unknown phase '" + std::string{code} + "'; use P1 ... P6");
        o.phases.push_back(*p);
      }
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

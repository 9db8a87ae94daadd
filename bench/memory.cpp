// Peak memory from /proc/self/status, and --memory-check: P3 in one fresh child process per
// size, because VmHWM is process-wide and never goes down by itself.
#include "memory.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.hpp"

namespace orca_bench {

namespace {

double status_field_mb(const char* field) {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  const std::string prefix = std::string{field} + ":";
  while (std::getline(status, line))
    if (line.starts_with(prefix)) return std::stod(line.substr(prefix.size())) / 1024.0;  // kB
  return 0;
}

// Runs argv, returns its stdout (stderr passes through); throws if it cannot start or fails.
std::string capture(const std::vector<std::string>& args) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("memory check: pipe() failed");
  pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("memory check: fork() failed");
  if (child == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): execv takes char* const[] and does not write
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    std::perror("orca-bench: exec");
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t got = 0; (got = ::read(out[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<std::size_t>(got));
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("memory check: the child run failed:\n" + text);
  return text;
}

// The key=value fields of the first stdout line that starts with `prefix`.
std::map<std::string, std::string> fields_of(const std::string& text, const std::string& prefix) {
  std::istringstream lines{text};
  std::map<std::string, std::string> fields;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix)) continue;
    std::istringstream words{line};
    for (std::string word; words >> word;)
      if (auto eq = word.find('='); eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
    break;
  }
  return fields;
}

}  // namespace

double resident_mb() { return status_field_mb("VmRSS"); }

double peak_resident_mb() { return status_field_mb("VmHWM"); }

std::int64_t resident_bytes() {
  // statm: size, resident, shared, ... in pages; VmRSS is only kB-exact and slower to parse.
  std::ifstream statm{"/proc/self/statm"};
  std::int64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE));
}

bool reset_peak_rss() {
  std::ofstream clear{"/proc/self/clear_refs"};
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

bool prepare_peak_measurement() {
  ::malloc_trim(0);
  return reset_peak_rss();
}

int run_memory_check(const options& o) {
  // Flat means: each extra streamed row costs the process less than this many bytes at its
  // peak. Keeping rows (or objects) alive costs well over 100 bytes each, so a leak of any
  // real size fails, while allocator noise of a few MiB over a million rows passes.
  constexpr double flat_bytes_per_row = 10.0;
  int status = 0;
  std::cout << "P3 memory check: peak RSS of a fresh process streaming every b row, per size\n";
  for (auto& t : o.targets) {
    std::cout << fmt::format("\n{:<10} {:>9} {:>10} {:>14} {:>14} {:>8}\n", "backend", "n", "b rows", "orca peak MiB",
                             "raw peak MiB", "orca s");
    double first_peak = 0, last_peak = 0;
    std::int64_t first_rows = 0, last_rows = 0;
    for (auto n : o.memory_sizes) {
      auto raw = make_raw(t, o.busy_timeout_ms);
      ensure_data(*raw, n);
      raw.reset();
      auto text = capture({"orca-bench", "--backend", t.backend, "--url", t.url, "--n", std::to_string(n), "--phases",
                           "P3", "--repeat", "1", "--no-progress", "--busy-timeout",
                           std::to_string(o.busy_timeout_ms)});
      auto f = fields_of(text, "phase=P3");
      if (f.empty() || f.count("error") > 0) throw std::runtime_error("memory check: P3 failed:\n" + text);
      double peak = std::stod(f["peak_rss_mb"]);
      std::int64_t rows = std::stoll(f["rows"]);
      std::cout << fmt::format("{:<10} {:>9} {:>10} {:>14.1f} {:>14.1f} {:>8}\n", t.backend, n, rows, peak,
                               std::stod(f["raw_peak_rss_mb"]), f["orca_s"]);
      if (first_rows == 0) {
        first_peak = peak;
        first_rows = rows;
      }
      last_peak = peak;
      last_rows = rows;
    }
    if (last_rows > first_rows) {
      double per_row = (last_peak - first_peak) * 1024 * 1024 / static_cast<double>(last_rows - first_rows);
      bool flat = per_row < flat_bytes_per_row;
      std::cout << fmt::format(
          "{}: orca's peak grows {:+.1f} MiB from {} to {} rows ({:.2f} bytes per extra row): {}\n", t.backend,
          last_peak - first_peak, first_rows, last_rows, per_row, flat ? "FLAT" : "NOT FLAT");
      if (!flat) status = 1;
    }
    if (t.temporary) remove_database_files(t);
  }
  return status;
}

int run_memory_apart(const options& o) {
  std::cout << "Peak RSS of each side alone: --repeat runs in a fresh process per side and phase\n";
  std::cout << fmt::format("\n{:<10} {:<6} {:>9} {:>14} {:>14} {:>8}\n", "backend", "phase", "n", "orca peak MiB",
                           "raw peak MiB", "ratio");
  for (auto& t : o.targets) {
    auto raw = make_raw(t, o.busy_timeout_ms);
    ensure_data(*raw, o.n);
    raw.reset();
    for (auto p : o.phases) {
      if (p == phase::p6_concurrency) continue;  // many sessions at once: its peak is not per object
      auto code = std::string{phase_code(p)};
      auto peak_of = [&](const char* side, const char* field) {
        auto text = capture({"orca-bench", "--backend", t.backend, "--url", t.url, "--n", std::to_string(o.n),
                             "--phases", code, "--repeat", std::to_string(o.repeat), "--side", side, "--no-progress",
                             "--busy-timeout", std::to_string(o.busy_timeout_ms)});
        auto f = fields_of(text, "phase=" + code);
        if (f.empty() || f.count("error") > 0)
          throw std::runtime_error(fmt::format("memory apart: {} {} failed:\n{}", code, side, text));
        return std::stod(f[field]);
      };
      auto orca_peak = peak_of("orca", "peak_rss_mb");
      auto raw_peak = peak_of("raw", "raw_peak_rss_mb");
      std::cout << fmt::format("{:<10} {:<6} {:>9} {:>14.1f} {:>14.1f} {:>7.2f}x\n", t.backend, code, o.n, orca_peak,
                               raw_peak, orca_peak / raw_peak);
    }
    if (t.temporary) remove_database_files(t);
  }
  return 0;
}

}  // namespace orca_bench

// Medians, targets and the three outputs of a benchmark: machine lines (stdout), the human
// table (stdout) and JSON (--json). Used by main() and the harness.
#include "report.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace orca_bench {

namespace {

double median(std::vector<double> xs) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  auto mid = xs.size() / 2;
  return xs.size() % 2 == 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    else
      out += c;
  }
  return out + "\"";
}

std::string json_numbers(const std::vector<double>& xs) {
  std::string out = "[";
  for (std::size_t i = 0; i < xs.size(); ++i) out += fmt::format("{}{:.6g}", i > 0 ? ", " : "", xs[i]);
  return out + "]";
}

std::string json_side(const side_runs& s, std::int64_t transactions) {
  std::string out = fmt::format("{{\"seconds\": {}, \"median_s\": {:.6g}, \"peak_rss_mb\": {}, \"rows\": {}",
                                json_numbers(s.seconds), s.median_seconds(), json_numbers(s.peak_rss_mb), s.rows);
  if (s.checksum) out += fmt::format(", \"checksum\": {}", *s.checksum);
  if (transactions > 0)
    out += fmt::format(", \"tx_per_s\": {:.6g}, \"p50_ms\": {:.6g}, \"p99_ms\": {:.6g}, \"retries\": {}",
                       s.throughput(transactions), s.latency_ms(0.50), s.latency_ms(0.99), s.retries);
  if (!s.error.empty()) out += ", \"error\": " + json_string(s.error);
  return out + "}";
}

std::string yes_no(std::optional<bool> x) { return x ? (*x ? "yes" : "NO") : "-"; }

}  // namespace

double side_runs::median_seconds() const { return median(seconds); }

double side_runs::max_peak_rss_mb() const {
  return peak_rss_mb.empty() ? 0 : *std::max_element(peak_rss_mb.begin(), peak_rss_mb.end());
}

double side_runs::min_peak_rss_mb() const {
  return peak_rss_mb.empty() ? 0 : *std::min_element(peak_rss_mb.begin(), peak_rss_mb.end());
}

double side_runs::latency_ms(double q) const {
  if (latencies_ms.empty()) return 0;
  auto sorted = latencies_ms;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size()) - 1;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end());
  return sorted[rank];
}

double side_runs::throughput(std::int64_t transactions) const {
  auto m = median_seconds();
  return m > 0 ? static_cast<double>(transactions) / m : 0;
}

double phase_summary::ratio() const {
  auto o = orca.median_seconds(), r = raw.median_seconds();
  return o > 0 && r > 0 ? o / r : 0;
}

std::optional<target_spec> phase_summary::target() const {
  bool pg = backend == "postgresql";
  switch (which) {
    case phase::p1_insert: return target_spec{pg ? 1.2 : 1.5, false, pg ? "<= 1.2" : "<= 1.5"};
    case phase::p2_selectin:
    case phase::p3_stream: return target_spec{pg ? 1.5 : 2.0, false, pg ? "<= 1.5" : "<= 2.0"};
    case phase::p4_update: return target_spec{pg ? 1.2 : 1.5, false, pg ? "<= 1.2" : "<= 1.5"};
    case phase::p5_get: return target_spec{pg ? 1.2 : 10.0, false, pg ? "<= 1.2" : "<= 10"};
    case phase::p6_concurrency:
      if (sessions == pool) return target_spec{pg ? 0.8 : 0.5, true, pg ? ">= 0.8x raw tx/s" : ">= 0.5x raw tx/s"};
      if (sessions == 512) return target_spec{0, true, "no error, no retry"};
      return std::nullopt;
    case phase::p7_aggregate: return target_spec{1.5, false, "<= 1.5"};
  }
  return std::nullopt;
}

std::optional<bool> phase_summary::met() const {
  auto t = target();
  if (!t) return std::nullopt;
  if (!orca.error.empty() || !raw.error.empty() || !problems.empty()) return false;
  if (t->at_least && t->limit == 0) return !orca.seconds.empty() && orca.retries == 0;  // no error, no retry
  if (ratio() == 0) return std::nullopt;                                                // a side did not run
  if (!t->at_least) return ratio() <= t->limit;
  auto r = ratio();
  return r > 0 && 1.0 / r >= t->limit;
}

std::string machine_line(const phase_summary& s) {
  auto line = fmt::format("phase={} backend={} n={} orca_s={:.4f} raw_s={:.4f} ratio={:.3f} rows={} peak_rss_mb={:.1f}",
                          phase_code(s.which), s.backend, s.n, s.orca.median_seconds(), s.raw.median_seconds(),
                          s.ratio(), s.orca.rows, s.orca.max_peak_rss_mb());
  // orca's highest peak against raw's lowest: orca's runs leave memory resident that raw's
  // later runs would count (bench/README.md, "Fair play"), and that must not flatter orca.
  line += fmt::format(" raw_peak_rss_mb={:.1f}", s.raw.min_peak_rss_mb());
  if (s.which == phase::p6_concurrency)
    line += fmt::format(
        " k={} pool={} tx={} orca_tps={:.0f} raw_tps={:.0f} orca_p50_ms={:.3f} orca_p99_ms={:.3f} "
        "raw_p50_ms={:.3f} raw_p99_ms={:.3f} orca_retries={} raw_retries={}",
        s.sessions, s.pool, s.transactions, s.orca.throughput(s.transactions), s.raw.throughput(s.transactions),
        s.orca.latency_ms(0.5), s.orca.latency_ms(0.99), s.raw.latency_ms(0.5), s.raw.latency_ms(0.99), s.orca.retries,
        s.raw.retries);
  if (auto t = s.target()) line += fmt::format(" met={}", yes_no(s.met()));
  if (!s.orca.error.empty() || !s.raw.error.empty() || !s.problems.empty()) line += " error=1";
  return line;
}

void print_table(std::ostream& out, const std::vector<phase_summary>& results) {
  out << fmt::format("\n{:<10} {:<17} {:>8} {:>9} {:>9} {:>7} {:>9} {:>4} {:>9} {:>9}\n", "backend", "phase", "n",
                     "orca s", "raw s", "ratio", "target", "met", "orca MiB", "raw MiB");
  for (auto& s : results) {
    if (s.which == phase::p6_concurrency) continue;
    auto t = s.target();
    out << fmt::format("{:<10} {:<17} {:>8} {:>9.3f} {:>9.3f} {:>7.2f} {:>9} {:>4} {:>9.1f} {:>9.1f}\n", s.backend,
                       fmt::format("{} {}", phase_code(s.which), phase_title(s.which)), s.n, s.orca.median_seconds(),
                       s.raw.median_seconds(), s.ratio(), t ? t->text : "-", yes_no(s.met()), s.orca.max_peak_rss_mb(),
                       s.raw.min_peak_rss_mb());
  }
  bool header = false;
  for (auto& s : results) {
    if (s.which != phase::p6_concurrency) continue;
    if (!header)
      out << fmt::format(
          "\nP6 concurrency (P = pool connections / raw threads)\n{:<10} {:>5} {:>4} {:>6} {:>10} "
          "{:>10} {:>8} {:>9} {:>9} {:>9} {:>9} {:>13} {:>4}\n",
          "backend", "K", "P", "tx", "orca tx/s", "raw tx/s", "orca/raw", "orca p50", "orca p99", "raw p50", "raw p99",
          "retries o/r", "met");
    header = true;
    auto ratio = s.ratio();
    out << fmt::format(
        "{:<10} {:>5} {:>4} {:>6} {:>10.0f} {:>10.0f} {:>8.2f} {:>7.2f}ms {:>7.2f}ms {:>7.2f}ms "
        "{:>7.2f}ms {:>13} {:>4}\n",
        s.backend, s.sessions, s.pool, s.transactions, s.orca.throughput(s.transactions),
        s.raw.throughput(s.transactions), ratio > 0 ? 1.0 / ratio : 0.0, s.orca.latency_ms(0.5),
        s.orca.latency_ms(0.99), s.raw.latency_ms(0.5), s.raw.latency_ms(0.99),
        fmt::format("{}/{}", s.orca.retries, s.raw.retries), yes_no(s.met()));
  }
  for (auto& s : results) {
    for (auto* side : {&s.orca, &s.raw})
      if (!side->error.empty())
        out << fmt::format("{} {} {}: {}\n", s.backend, phase_code(s.which), side == &s.orca ? "orca" : "raw",
                           side->error);
    for (auto& p : s.problems) out << fmt::format("{} {}: {}\n", s.backend, phase_code(s.which), p);
  }
}

std::string now_utc() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto day = std::chrono::floor<std::chrono::days>(now);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{now - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count());
}

void write_json(const std::string& path, const options& o, const std::vector<phase_summary>& results) {
  std::ofstream file{path};
  if (!file) throw std::runtime_error("--json: cannot write " + path);
  file << "{\n  \"tool\": \"orca-bench\",\n  \"date\": " << json_string(now_utc()) << ",\n";
  file << fmt::format("  \"n\": {},\n  \"repeat\": {},\n  \"pool\": {},\n  \"tx\": {},\n", o.n, o.repeat, o.pool,
                      o.transactions);
  file << "  \"results\": [";
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto& s = results[i];
    auto t = s.target();
    file << (i > 0 ? ",\n" : "\n");
    file << fmt::format("    {{\"phase\": \"{}\", \"title\": \"{}\", \"backend\": \"{}\", \"n\": {}, \"ratio\": {:.6g}",
                        phase_code(s.which), phase_title(s.which), s.backend, s.n, s.ratio());
    if (s.which == phase::p6_concurrency)
      file << fmt::format(", \"k\": {}, \"pool\": {}, \"tx\": {}", s.sessions, s.pool, s.transactions);
    if (t) {
      auto met = s.met();
      file << ", \"target\": " << json_string(t->text) << ", \"met\": " << (met ? (*met ? "true" : "false") : "null");
    }
    file << ", \"peak_is_per_run\": " << (s.peak_is_per_run ? "true" : "false");
    auto tx = s.which == phase::p6_concurrency ? s.transactions : 0;
    file << ",\n     \"orca\": " << json_side(s.orca, tx) << ",\n     \"raw\": " << json_side(s.raw, tx);
    file << ",\n     \"problems\": [";
    for (std::size_t j = 0; j < s.problems.size(); ++j) file << (j > 0 ? ", " : "") << json_string(s.problems[j]);
    file << "]}";
  }
  file << "\n  ]\n}\n";
  if (!file) throw std::runtime_error("--json: writing " + path + " failed");
}

}  // namespace orca_bench

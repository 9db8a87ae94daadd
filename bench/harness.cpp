// The run loop: for each phase, `repeat` rounds of one orca run then one raw run on the same
// data, each checked against the database or against the other side's digest. Set-up and
// checks happen outside the timed part of a run.
#include "harness.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "memory.hpp"
#include "orca/drivers/url.hpp"
#include "orca_phases.hpp"
#include "postgresql_phases.hpp"
#include "sqlite_phases.hpp"

namespace orca_bench {

namespace {

bool writes(phase p) { return p == phase::p1_insert || p == phase::p4_update || p == phase::p6_concurrency; }

// Checks one run's result; returns what is wrong ("" if nothing).
std::string verify(phase p, const run_context& c, const run_result& r, raw_side& raw, std::int64_t b_before,
                   std::optional<std::int64_t>& expected_checksum, std::int64_t expected_rows) {
  switch (p) {
    case phase::p1_insert: {
      auto [a, b] = raw.count_rows();
      if (a != c.n || b != 2 * c.n)
        return fmt::format("a/b hold {}/{} rows after P1, expected {}/{}", a, b, c.n, 2 * c.n);
      return {};
    }
    case phase::p4_update: {
      auto changed = raw.count_updated(c.run);
      if (changed != c.n || r.rows != c.n)
        return fmt::format("P4 updated {} rows (reported {}), expected {}", changed, r.rows, c.n);
      return {};
    }
    case phase::p6_concurrency: {
      auto b = raw.count_rows().second;
      if (r.rows != c.transactions || b - b_before != c.transactions)
        return fmt::format("P6 committed {} transactions and added {} children, expected {}", r.rows, b - b_before,
                           c.transactions);
      return {};
    }
    default:
      if (r.rows != expected_rows) return fmt::format("read {} rows, expected {}", r.rows, expected_rows);
      if (!expected_checksum) expected_checksum = r.checksum;
      if (r.checksum != *expected_checksum)
        return fmt::format("checksum {} differs from the other runs' {}", r.checksum, *expected_checksum);
      return {};
  }
}

}  // namespace

std::unique_ptr<raw_side> make_raw(const target& t, int busy_timeout_ms) {
  if (t.backend == "postgresql") return make_raw_postgresql(t.url);
  return make_raw_sqlite(orca::parse_url(t.url).database, busy_timeout_ms);
}

void ensure_data(raw_side& raw, std::int64_t n) {
  try {
    auto [a, b] = raw.count_rows();
    if (a == n && b >= 2 * n) return;
  } catch (const std::exception&) {  // no tables yet: create them below
  }
  raw.reset_schema();
  run_context c;
  c.n = n;
  raw.run(phase::p1_insert, c);
  raw.settle();
}

void remove_database_files(const target& t) {
  auto path = orca::parse_url(t.url).database;
  for (auto* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
}

std::size_t count_runs(const options& o) {
  std::size_t runs = 0;
  for (auto p : o.phases)
    runs += 2 * static_cast<std::size_t>(o.repeat) * (p == phase::p6_concurrency ? o.sessions.size() : 1);
  return runs;
}

std::vector<phase_summary> run_target(const options& o, const target& t, progress& bar) {
  auto raw = make_raw(t, o.busy_timeout_ms);
  auto orca = make_orca_side(t.url, o.pool, std::chrono::milliseconds(o.busy_timeout_ms));
  std::vector<phase_summary> results;
  std::int64_t run_number = 0;
  for (auto p : o.phases) {
    auto phase_start = std::chrono::steady_clock::now();
    if (p != phase::p1_insert) ensure_data(*raw, o.n);
    run_context base;
    base.n = o.n;
    base.pool = o.pool;
    base.transactions = o.transactions;
    if (p != phase::p1_insert) base.first_id = raw->first_parent_id();
    if (p == phase::p5_get) base.point_ids = point_get_ids(base.first_id, o.n);
    std::int64_t expected_rows = 0;
    if (p == phase::p2_selectin) {
      auto [a, b] = raw->count_rows();
      expected_rows = a + b;
    } else if (p == phase::p3_stream) {
      expected_rows = raw->count_rows().second;
    } else if (p == phase::p5_get) {
      expected_rows = static_cast<std::int64_t>(base.point_ids.size());
    } else if (p == phase::p7_aggregate) {
      expected_rows = raw->count_rows().first;
    }
    std::vector<std::int64_t> ks{0};
    if (p == phase::p6_concurrency) ks = o.sessions;
    for (auto k : ks) {
      phase_summary s;
      s.backend = t.backend;
      s.which = p;
      s.n = o.n;
      if (p == phase::p6_concurrency) {
        s.sessions = k;
        s.pool = o.pool;
        s.transactions = o.transactions;
      }
      std::optional<std::int64_t> checksum;
      for (int round = 0; round < o.repeat; ++round) {
        for (side* who : {static_cast<side*>(orca.get()), static_cast<side*>(raw.get())}) {
          auto& runs = who == orca.get() ? s.orca : s.raw;
          auto label = fmt::format("{} {}{} {} {}/{}", t.backend, phase_code(p), k > 0 ? fmt::format(" K={}", k) : "",
                                   who->name(), round + 1, o.repeat);
          bar.start_run(label);
          bool wanted = who == orca.get() ? o.run_orca : o.run_raw;
          if (!wanted || !runs.error.empty()) {  // a side that failed once is not run again in this phase
            bar.finish_run();
            continue;
          }
          run_context c = base;
          c.run = ++run_number;
          c.sessions = k;
          std::int64_t b_before = 0;
          run_result r;
          try {
            if (p == phase::p1_insert) {
              who->reset_schema();
              raw->settle();
            }
            if (p == phase::p6_concurrency) b_before = raw->count_rows().second;
            if (!o.run_raw) raw->release_memory();
            s.peak_is_per_run = prepare_peak_measurement() && s.peak_is_per_run;
            r = who->run(p, c);
          } catch (const std::exception& e) {
            runs.error = e.what();
            bar.message(fmt::format("orca-bench: {} failed: {}", label, e.what()));
            bar.finish_run();
            continue;
          }
          runs.peak_rss_mb.push_back(peak_resident_mb());
          bar.finish_run();
          runs.seconds.push_back(r.seconds);
          runs.rows = r.rows;
          runs.checksum = r.checksum;
          runs.retries += r.retries;
          runs.latencies_ms.insert(runs.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
          if (auto problem = verify(p, c, r, *raw, b_before, checksum, expected_rows); !problem.empty()) {
            s.problems.push_back(fmt::format("{} run {}: {}", who->name(), round + 1, problem));
            bar.message(fmt::format("orca-bench: {}: {}", label, problem));
          }
          if (writes(p)) raw->settle();
        }
      }
      bar.print(machine_line(s));
      results.push_back(std::move(s));
    }
    bar.phase_done(fmt::format("{} {} {}", t.backend, phase_code(p), phase_title(p)),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start).count());
  }
  return results;
}

}  // namespace orca_bench

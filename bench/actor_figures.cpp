// The figure runner: per target, the data orca-bench loads (ensure_data: raw P1, untimed),
// then each figure's runs — orca and raw (or prefetch on and off) alternating, A B A B — each
// checked outside its timed part, and a summary with medians. Fair play as in orca-bench:
// same database, same rows, same ids on both sides; a failed check marks the figure error=1.
#include "actor_figures.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "actor_figures_memory.hpp"
#include "actor_figures_orca.hpp"
#include "harness.hpp"
#include "report.hpp"

namespace orca_bench {

namespace {

// The goal the project set for an idle session's memory.
constexpr std::int64_t idle_session_goal_bytes = 1024;

// One labelled run on the progress bar; a run that throws is recorded in `runs.error` (and
// the figure's problems), and that side runs no more in this figure.
template <class Run>
bool run_once(progress& bar, figure_result& r, side_runs& runs, const std::string& label, Run&& run) {
  bar.start_run(label);
  if (!runs.error.empty()) {
    bar.finish_run();
    return false;
  }
  try {
    run();
  } catch (const std::exception& e) {
    runs.error = e.what();
    r.problems.push_back(fmt::format("{} failed: {}", label, e.what()));
    bar.message(fmt::format("orca-bench-actors: {} failed: {}", label, e.what()));
    bar.finish_run();
    return false;
  }
  bar.finish_run();
  return true;
}

// Checks rows and checksum of a read against what it must have read; "" if they match.
std::string check_read(std::int64_t rows, std::int64_t expected_rows, std::int64_t checksum,
                       std::optional<std::int64_t>& expected_checksum) {
  if (rows != expected_rows) return fmt::format("read {} rows, expected {}", rows, expected_rows);
  if (!expected_checksum) expected_checksum = checksum;
  if (checksum != *expected_checksum)
    return fmt::format("checksum {} differs from the other runs' {}", checksum, *expected_checksum);
  return {};
}

double micros_each(const side_runs& runs, std::size_t count) {
  return count == 0 ? 0 : runs.median_seconds() * 1e6 / static_cast<double>(count);
}

figure_result result_of(figure f, const target& t) {
  figure_result r;
  r.which = f;
  r.backend = t.backend;
  return r;
}

std::string label_of(const target& t, figure f, std::string_view who, int round, int repeat) {
  return fmt::format("{} {} {} {}/{}", t.backend, figure_name(f), who, round + 1, repeat);
}

// Figure 1: identity-map hits. Every get must return the first load's object, and the
// engine must have run no statement while the gets ran.
figure_result identity_figure(const figure_options& o, const target& t, orca_figures& orca,
                              const std::vector<std::int64_t>& ids, progress& bar) {
  auto r = result_of(figure::identity_get, t);
  side_runs runs;
  std::optional<std::int64_t> checksum;
  auto count = static_cast<std::int64_t>(ids.size());
  std::int64_t fewest_same = count, most_statements = 0;
  for (int round = 0; round < o.repeat; ++round) {
    identity_run run;
    auto label = label_of(t, r.which, "orca", round, o.repeat);
    if (!run_once(bar, r, runs, label, [&] { run = orca.identity_gets(ids); })) continue;
    runs.seconds.push_back(run.seconds);
    fewest_same = std::min(fewest_same, run.same_objects);
    most_statements = std::max(most_statements, run.statements);
    if (run.loaded != count)
      r.problems.push_back(fmt::format("{}: the first load returned {} of {} parents", label, run.loaded, count));
    if (auto problem = check_read(run.gets, count, run.checksum, checksum); !problem.empty())
      r.problems.push_back(fmt::format("{}: {}", label, problem));
    if (run.same_objects != run.gets)
      r.problems.push_back(fmt::format("{}: {} of {} gets returned another object than the first load's", label,
                                       run.gets - run.same_objects, run.gets));
    if (run.statements != 0)
      r.problems.push_back(
          fmt::format("{}: {} SQL statements ran during the gets, expected none", label, run.statements));
  }
  r.value = micros_each(runs, ids.size());
  r.unit = "us/get";
  r.add("gets", std::to_string(count));
  r.add("same_objects", std::to_string(fewest_same));
  r.add("sql_statements", std::to_string(most_statements));
  r.add("runs", std::to_string(runs.seconds.size()));
  r.compared = "-";
  r.ratio = "-";
  r.note = fmt::format("{} gets, {} same objects, {} SQL statements", count, fewest_same, most_statements);
  return r;
}

// Figure 2: one-row queries, orca's session.scalars against raw P5 (the same prepared
// SELECT per id), alternating.
figure_result query_figure(const figure_options& o, const target& t, orca_figures& orca, raw_side& raw,
                           const run_context& base, progress& bar) {
  auto r = result_of(figure::one_row_query, t);
  side_runs orca_runs, raw_runs;
  std::optional<std::int64_t> checksum;
  auto count = static_cast<std::int64_t>(base.point_ids.size());
  for (int round = 0; round < o.repeat; ++round) {
    for (bool is_orca : {true, false}) {
      auto& runs = is_orca ? orca_runs : raw_runs;
      auto label = label_of(t, r.which, is_orca ? "orca" : "raw", round, o.repeat);
      run_result run;
      if (!run_once(bar, r, runs, label,
                    [&] { run = is_orca ? orca.one_row_queries(base.point_ids) : raw.run(phase::p5_get, base); }))
        continue;
      runs.seconds.push_back(run.seconds);
      if (auto problem = check_read(run.rows, count, run.checksum, checksum); !problem.empty())
        r.problems.push_back(fmt::format("{}: {}", label, problem));
    }
  }
  auto orca_us = micros_each(orca_runs, base.point_ids.size());
  auto raw_us = micros_each(raw_runs, base.point_ids.size());
  auto ratio = raw_us > 0 ? orca_us / raw_us : 0;
  r.value = orca_us;
  r.unit = "us/query";
  r.add("raw_us", number_text(raw_us));
  r.add("ratio", number_text(ratio));
  r.add("queries", std::to_string(count));
  r.add("runs", std::to_string(orca_runs.seconds.size()));
  r.compared = fmt::format("raw {} us/query", number_text(raw_us));
  r.ratio = number_text(ratio);
  r.note = fmt::format("{} distinct ids, one session", count);
  return r;
}

// Figure 3: every parent streamed, prefetch on and off alternating.
figure_result stream_figure(const figure_options& o, const target& t, orca_figures& orca, std::int64_t parents,
                            progress& bar) {
  auto r = result_of(figure::stream_prefetch, t);
  side_runs on_runs, off_runs;
  std::optional<std::int64_t> checksum;
  for (int round = 0; round < o.repeat; ++round) {
    for (bool prefetch : {true, false}) {
      auto& runs = prefetch ? on_runs : off_runs;
      auto label = label_of(t, r.which, prefetch ? "prefetch" : "no-prefetch", round, o.repeat);
      run_result run;
      if (!run_once(bar, r, runs, label, [&] { run = orca.stream_parents(prefetch); })) continue;
      runs.seconds.push_back(run.seconds);
      if (auto problem = check_read(run.rows, parents, run.checksum, checksum); !problem.empty())
        r.problems.push_back(fmt::format("{}: {}", label, problem));
    }
  }
  auto on = on_runs.median_seconds(), off = off_runs.median_seconds();
  auto ratio = off > 0 ? on / off : 0;
  r.value = on;
  r.unit = "s";
  r.add("no_prefetch_s", number_text(off));
  r.add("ratio", number_text(ratio));
  r.add("rows", std::to_string(parents));
  r.add("batch", std::to_string(stream_batch));
  r.add("runs", std::to_string(on_runs.seconds.size()));
  r.compared = fmt::format("{} s without", number_text(off));
  r.ratio = number_text(ratio);
  r.note = fmt::format("{} parents, batches of {}; value: with prefetch", parents, stream_batch);
  return r;
}

// Figure 4: idle sessions' memory, once (a run holds --sessions actors).
figure_result memory_figure(const figure_options& o, const target& t, progress& bar) {
  auto r = result_of(figure::idle_session_memory, t);
  side_runs runs;
  idle_sessions_result m;
  auto label = label_of(t, r.which, "orca", 0, 1);
  bool ran = run_once(bar, r, runs, label, [&] {
    m = measure_idle_sessions(t, o.pool, std::chrono::milliseconds(o.busy_timeout_ms), o.sessions);
  });
  auto per_session = [&](std::int64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(o.sessions); };
  auto mib = [](std::int64_t bytes) { return number_text(static_cast<double>(bytes) / (1024.0 * 1024.0)); };
  r.value = per_session(m.rss_idle - m.rss_before);
  r.unit = "bytes/session";
  bool met = ran && r.value <= static_cast<double>(idle_session_goal_bytes);
  r.add("sessions", std::to_string(o.sessions));
  r.add("pool", std::to_string(o.pool));
  r.add("constructed_bytes_per_session", number_text(per_session(m.rss_constructed - m.rss_before)));
  r.add("rss_before_mb", mib(m.rss_before));
  r.add("rss_idle_mb", mib(m.rss_idle));
  r.add("rss_closed_mb", mib(m.rss_closed));
  r.add("peak_growth_mb", m.peak_growth_mb < 0 ? "n/a" : number_text(m.peak_growth_mb));
  r.add("checked_out_idle", std::to_string(m.checked_out_idle));
  r.add("actors_idle", std::to_string(m.actors_idle));
  r.add("checked_out_closed", std::to_string(m.checked_out_closed));
  r.add("goal_bytes", std::to_string(idle_session_goal_bytes));
  r.add("met", met ? "yes" : "NO");
  if (ran && m.checked_out_idle != 0)
    r.problems.push_back(fmt::format("{} connections checked out while every session was idle", m.checked_out_idle));
  if (ran && m.checked_out_closed != 0)
    r.problems.push_back(
        fmt::format("{} connections still checked out after every session closed", m.checked_out_closed));
  r.compared = fmt::format("goal {} bytes/session", idle_session_goal_bytes);
  r.ratio = number_text(r.value / static_cast<double>(idle_session_goal_bytes));
  r.note = fmt::format("{}; {} sessions, pool {}, {} checked out after close", met ? "met" : "missed", o.sessions,
                       o.pool, m.checked_out_closed);
  return r;
}

bool needs_data(figure f) { return f != figure::idle_session_memory; }

}  // namespace

std::size_t count_figure_runs(const figure_options& o) {
  std::size_t runs = 0;
  auto repeat = static_cast<std::size_t>(o.repeat);
  for (auto f : o.figures) {
    switch (f) {
      case figure::identity_get: runs += repeat; break;
      case figure::one_row_query:
      case figure::stream_prefetch: runs += 2 * repeat; break;
      case figure::idle_session_memory: runs += 1; break;
    }
  }
  return runs;
}

std::vector<figure_result> run_figures(const figure_options& o, const target& t, progress& bar) {
  auto raw = make_raw(t, o.busy_timeout_ms);
  run_context base;
  std::int64_t parents = 0;
  if (std::any_of(o.figures.begin(), o.figures.end(), needs_data)) {
    ensure_data(*raw, o.n);
    base.n = o.n;
    base.first_id = raw->first_parent_id();
    base.point_ids = point_get_ids(base.first_id, o.n);
    parents = raw->count_rows().first;
  }
  orca_figures orca{t, o.pool, std::chrono::milliseconds(o.busy_timeout_ms)};
  std::vector<figure_result> results;
  for (auto f : o.figures) {
    auto start = std::chrono::steady_clock::now();
    figure_result r;
    switch (f) {
      case figure::identity_get: r = identity_figure(o, t, orca, base.point_ids, bar); break;
      case figure::one_row_query: r = query_figure(o, t, orca, *raw, base, bar); break;
      case figure::stream_prefetch: r = stream_figure(o, t, orca, parents, bar); break;
      case figure::idle_session_memory: r = memory_figure(o, t, bar); break;
    }
    bar.print(figure_line(r));
    bar.phase_done(fmt::format("{} {}", t.backend, figure_title(f)),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace orca_bench

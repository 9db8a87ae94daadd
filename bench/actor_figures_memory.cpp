// Figure 4: many idle async_sessions held at once (each used once), resident memory read from
// /proc/self/statm before and after (bench's memory helpers), then every session closed and
// the pool checked: idle sessions must hold no connection, closed ones neither.
#include "actor_figures_memory.hpp"

#include <vector>

#include <malloc.h>

#include "memory.hpp"
#include "schema.hpp"

namespace orca_bench {

namespace {

orca::task<void> hold_idle_sessions(orca::engine engine, std::int64_t count, idle_sessions_result& out) {
  orca::async_sessionmaker factory{engine, {.expire_on_commit = false}};
  out.sessions = count;
  co_await engine.begin().run_sync([](orca::connection& c) {
    schema().drop_all(c);
    schema().create_all(c);
  });
  // The pool's connections, the runtime's threads and one session's first use exist
  // before the baseline.
  {
    auto first = factory();
    co_await first.get<A>(-1);
    co_await first.rollback();
  }
  std::vector<orca::async_session> sessions;
  sessions.reserve(static_cast<std::size_t>(count));  // its pages count once written: 16 bytes a session
  bool peak_reset = prepare_peak_measurement();
  double peak_before = peak_resident_mb();
  out.rss_before = resident_bytes();
  for (std::int64_t i = 0; i < count; ++i) sessions.push_back(factory());
  out.rss_constructed = resident_bytes();
  // Each session is used once (a query that finds nothing, in a transaction on a pooled
  // connection), then rolled back: idle, as between two requests of a service.
  for (auto& s : sessions) {
    co_await s.get<A>(-1);
    co_await s.rollback();
  }
  out.rss_idle = resident_bytes();
  if (peak_reset) out.peak_growth_mb = peak_resident_mb() - peak_before;
  auto status = co_await engine.status();
  out.checked_out_idle = static_cast<std::int64_t>(status.checked_out);
  out.actors_idle = static_cast<std::int64_t>(status.actors);
  for (auto& s : sessions) co_await s.close();
  sessions.clear();
  out.checked_out_closed = static_cast<std::int64_t>((co_await engine.status()).checked_out);
  ::malloc_trim(0);
  out.rss_closed = resident_bytes();
}

}  // namespace

idle_sessions_result measure_idle_sessions(const target& t, std::int64_t pool, std::chrono::milliseconds busy_timeout,
                                           std::int64_t count) {
  auto engine = orca::create_engine(
      t.url, {.pool_size = static_cast<std::size_t>(pool), .max_overflow = 0, .busy_timeout = busy_timeout});
  idle_sessions_result out;
  try {
    orca::run_or_throw(hold_idle_sessions(engine, count, out));
  } catch (...) {
    orca::run_or_throw(engine.dispose());
    throw;
  }
  orca::run_or_throw(engine.dispose());
  return out;
}

}  // namespace orca_bench

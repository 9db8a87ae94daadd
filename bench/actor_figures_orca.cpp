// Figures 1-3 through orca's facade, each run inside orca::run_or_throw as an application
// would write it. Figure 1's engine echoes to a counting logger, so a run can prove that its
// identity-map hits sent no SQL, not merely that they were fast.
#include "actor_figures_orca.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "raw_rows.hpp"
#include "schema.hpp"

namespace orca_bench {

namespace {

using clock = std::chrono::steady_clock;

std::size_t length(const std::optional<std::string>& s) noexcept { return s ? s->size() : 0; }

// Counts the statements the echo logger is given instead of printing them. Connection
// actors log from their own threads, hence the atomic.
class statement_counter final : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::int64_t count() const noexcept { return count_.load(); }

protected:
  void sink_it_(const spdlog::details::log_msg&) override { ++count_; }
  void flush_() override {}

private:
  std::atomic<std::int64_t> count_{0};
};

// The counter behind the `orca.sql` logger, registered once before any engine echoes (the
// driver takes a logger registered under that name as it is).
statement_counter& sql_statements() {
  static auto counter = [] {
    auto sink = std::make_shared<statement_counter>();
    spdlog::drop("orca.sql");
    auto logger = std::make_shared<spdlog::logger>("orca.sql", sink);
    logger->set_level(spdlog::level::info);
    spdlog::register_logger(logger);
    return sink;
  }();
  return *counter;
}

orca::engine make_engine(const target& t, std::int64_t pool, std::chrono::milliseconds busy_timeout, bool echo) {
  return orca::create_engine(
      t.url,
      {.echo = echo, .pool_size = static_cast<std::size_t>(pool), .max_overflow = 0, .busy_timeout = busy_timeout});
}

orca::task<void> identity_task(orca::async_sessionmaker sessions, const std::vector<std::int64_t>& ids,
                               identity_run& out) {
  auto session = sessions();
  {
    auto loaded = co_await session.scalars(orca::select<A>().where(orca::col(&A::id).in(ids)));
    out.loaded = static_cast<std::int64_t>(loaded.size());
    // The object each get must return; `loaded` keeps them alive (the identity map holds
    // only objects the application holds).
    std::unordered_map<std::int64_t, const A*> by_id;
    for (auto& a : loaded) by_id.emplace(a->id, a.get());
    std::vector<const A*> expected;
    expected.reserve(ids.size());
    for (auto id : ids) expected.push_back(by_id.count(id) > 0 ? by_id[id] : nullptr);
    auto statements_before = sql_statements().count();
    auto start = clock::now();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto a = co_await session.get<A>(ids[i]);
      if (!a) continue;
      ++out.gets;
      if (a.get() == expected[i]) ++out.same_objects;
      out.checksum += a->id + static_cast<std::int64_t>(length(a->data));
    }
    out.seconds = seconds_since(start);
    out.statements = sql_statements().count() - statements_before;
  }
  co_await session.close();
}

orca::task<void> query_task(orca::async_sessionmaker sessions, const std::vector<std::int64_t>& ids, run_result& out) {
  auto start = clock::now();
  auto session = sessions();
  for (auto id : ids) {
    auto result = co_await session.scalars(orca::select<A>().where(orca::col(&A::id) == id));
    if (auto a = result.first()) {
      ++out.rows;
      out.checksum += a->id + static_cast<std::int64_t>(length(a->data));
    }
  }
  co_await session.close();
  out.seconds = seconds_since(start);
}

orca::task<void> stream_task(orca::async_sessionmaker sessions, run_result& out) {
  auto start = clock::now();
  auto session = sessions();
  {
    auto result = co_await session.stream(orca::select<A>(), stream_batch);
    while (auto a = co_await result.next()) {
      ++out.rows;
      out.checksum += a->id + static_cast<std::int64_t>(length(a->data));
    }
  }
  co_await session.close();
  out.seconds = seconds_since(start);
}

}  // namespace

struct orca_figures::engines {
  orca::engine plain;
  orca::engine echoing;
  // The seed's factory (objects keep their values after commit), as orca-bench uses.
  orca::async_sessionmaker sessions{plain, {.expire_on_commit = false}};
  orca::async_sessionmaker echoing_sessions{echoing, {.expire_on_commit = false}};
  orca::async_sessionmaker prefetching{plain, {.expire_on_commit = false, .stream_prefetch = true}};
  orca::async_sessionmaker not_prefetching{plain, {.expire_on_commit = false, .stream_prefetch = false}};
};

orca_figures::orca_figures(const target& t, std::int64_t pool, std::chrono::milliseconds busy_timeout) {
  sql_statements();
  engines_ = std::make_unique<engines>(
      engines{make_engine(t, pool, busy_timeout, false), make_engine(t, pool, busy_timeout, true)});
}

orca_figures::~orca_figures() {
  try {
    orca::run_or_throw(engines_->plain.dispose());
    orca::run_or_throw(engines_->echoing.dispose());
  } catch (...) {  // the target is done with; nothing to tell
  }
}

identity_run orca_figures::identity_gets(const std::vector<std::int64_t>& ids) {
  identity_run out;
  orca::run_or_throw(identity_task(engines_->echoing_sessions, ids, out));
  return out;
}

run_result orca_figures::one_row_queries(const std::vector<std::int64_t>& ids) {
  run_result out;
  orca::run_or_throw(query_task(engines_->sessions, ids, out));
  return out;
}

run_result orca_figures::stream_parents(bool prefetch) {
  run_result out;
  orca::run_or_throw(stream_task(prefetch ? engines_->prefetching : engines_->not_prefetching, out));
  return out;
}

}  // namespace orca_bench

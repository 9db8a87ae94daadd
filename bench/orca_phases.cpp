// The orca side of the benchmark: each phase written as an application would write it with
// orca's public facade, inside orca::run. Used by the harness next to a raw baseline.
#include "orca_phases.hpp"

#include <stdexcept>

#include "raw_rows.hpp"
#include "schema.hpp"

namespace orca_bench {

namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void wrong(std::string_view what) { throw std::runtime_error("orca side: " + std::string{what}); }

std::size_t length(const std::optional<std::string>& s) noexcept { return s ? s->size() : 0; }

class orca_side final : public side {
public:
  orca_side(const std::string& url, std::int64_t pool, std::chrono::milliseconds busy_timeout)
      : engine_(orca::create_engine(
            url, {.pool_size = static_cast<std::size_t>(pool), .max_overflow = 0, .busy_timeout = busy_timeout})),
        // The seed's factory: objects keep their values after commit.
        sessions_(engine_, {.expire_on_commit = false}) {}

  ~orca_side() override {
    try {
      orca::run_or_throw(engine_.dispose());
    } catch (...) {  // the process is ending anyway; nothing to tell
    }
  }

  std::string_view name() const noexcept override { return "orca"; }

  void reset_schema() override { orca::run_or_throw(recreate()); }

  run_result run(phase p, const run_context& c) override {
    run_result out;
    orca::run_or_throw(dispatch(p, c, out));
    return out;
  }

private:
  orca::task<void> recreate() {
    co_await engine_.begin().run_sync([](orca::connection& c) { schema().drop_all(c); });
    co_await engine_.begin().run_sync([](orca::connection& c) { schema().create_all(c); });
  }

  orca::task<void> dispatch(phase p, const run_context& c, run_result& out) {
    switch (p) {
      case phase::p1_insert: co_await insert(c, out); break;
      case phase::p2_selectin: co_await load(c, out); break;
      case phase::p3_stream: co_await stream(c, out); break;
      case phase::p4_update: co_await update(c, out); break;
      case phase::p5_get: co_await get(c, out); break;
      case phase::p6_concurrency: co_await concurrency(c, out); break;
      case phase::p7_aggregate: co_await aggregate(c, out); break;
    }
  }

  // P1: N parents with two children each, added as objects, saved by one commit.
  orca::task<void> insert(const run_context& c, run_result& out) {
    auto start = clock::now();
    auto session = sessions_();
    {
      auto tx = co_await session.begin();
      for (std::int64_t i = 0; i < c.n; ++i)
        session.add(A{.data = parent_data(i), .bs = {B{.data = child_data(i, 0)}, B{.data = child_data(i, 1)}}});
      co_await tx.commit();
    }
    co_await session.close();
    out.seconds = seconds_since(start);
    out.rows = 3 * c.n;
  }

  // P2: every parent with selectinload(bs), children attached.
  orca::task<void> load(const run_context&, run_result& out) {
    auto start = clock::now();
    auto session = sessions_();
    {
      auto parents = co_await session.scalars(orca::select<A>().options(orca::selectinload(&A::bs)));
      for (auto& a : parents) {
        out.rows += 1 + static_cast<std::int64_t>(a->bs.size());
        out.checksum += parent_digest(a->id, a->bs.size(), length(a->data));
        for (auto& b : a->bs) {
          if (b->a_id != a->id) wrong("a child attached to the wrong parent");
          out.checksum += static_cast<std::int64_t>(length(b->data));
        }
      }
    }
    co_await session.close();
    out.seconds = seconds_since(start);
  }

  // P3: every child through session.stream, one object at a time (the seed's `async for`).
  orca::task<void> stream(const run_context&, run_result& out) {
    auto start = clock::now();
    auto session = sessions_();
    {
      auto result = co_await session.stream(orca::select<B>(), stream_batch);
      while (auto b = co_await result.next()) {
        ++out.rows;
        out.checksum += static_cast<std::int64_t>(length(b->data)) + b->a_id;
      }
    }
    co_await session.close();
    out.seconds = seconds_since(start);
  }

  // P4: load every parent, change its data, commit (the unit of work finds the changes).
  orca::task<void> update(const run_context& c, run_result& out) {
    auto start = clock::now();
    auto session = sessions_();
    {
      auto parents = co_await session.scalars(orca::select<A>());
      for (auto& a : parents) a->data = updated_data(c.run, a->id);
      out.rows = static_cast<std::int64_t>(parents.size());
      co_await session.commit();
    }
    co_await session.close();
    out.seconds = seconds_since(start);
  }

  // P5: session.get by primary key, ids distinct so that the identity map never answers.
  orca::task<void> get(const run_context& c, run_result& out) {
    auto start = clock::now();
    auto session = sessions_();
    for (auto id : c.point_ids) {
      auto a = co_await session.get<A>(id);
      if (!a) continue;
      ++out.rows;
      out.checksum += a->id + static_cast<std::int64_t>(length(a->data));
    }
    co_await session.close();
    out.seconds = seconds_since(start);
  }

  // P7: children per parent, one join + group_by query returning typed rows.
  orca::task<void> aggregate(const run_context&, run_result& out) {
    auto start = clock::now();
    auto session = sessions_();
    {
      auto rows = co_await session.execute(orca::select(orca::col(&A::id), orca::col(&A::data), orca::count(&B::id))
                                               .outerjoin(&A::bs)
                                               .group_by(orca::col(&A::id), orca::col(&A::data)));
      for (auto& [id, data, children] : rows) {
        ++out.rows;
        out.checksum += aggregate_digest(id, children, length(data));
      }
    }
    co_await session.close();
    out.seconds = seconds_since(start);
  }

  // P6: K sessions (coroutines interleaved by when_all) share the pool of P connections;
  // each transaction reads a parent, updates it, inserts a child and commits.
  orca::task<void> concurrency(const run_context& c, run_result& out) {
    co_await open_pool(c);
    // SQLAlchemy's default factory: each transaction re-reads its parent.
    orca::async_sessionmaker factory{engine_};
    std::int64_t next = 0;
    std::vector<orca::task<void>> workers;
    for (std::int64_t k = 0; k < c.sessions; ++k) workers.push_back(transactions(factory, c, next, out));
    auto start = clock::now();
    co_await orca::when_all(std::move(workers));
    out.seconds = seconds_since(start);
    out.rows = static_cast<std::int64_t>(out.latencies_ms.size());
  }

  static orca::task<void> transactions(orca::async_sessionmaker factory, const run_context& c, std::int64_t& next,
                                       run_result& out) {
    auto session = factory();
    while (next < c.transactions) {
      auto tx = next++;
      auto id = p6_parent(c, tx);
      auto begin = clock::now();
      for (;;) {
        bool busy = false;
        try {
          auto a = co_await session.get<A>(id);
          if (!a) wrong("P6: parent " + std::to_string(id) + " is missing");
          a->data = "p6-" + std::to_string(c.run) + "-" + std::to_string(tx);
          session.add(B{.a_id = id, .data = "p6-child-" + std::to_string(tx)});
          co_await session.commit();
        } catch (const orca::error& e) {
          // SQLite: a deferred transaction that read first cannot always upgrade to a write
          // lock (SQLITE_BUSY_SNAPSHOT); an application retries the transaction.
          if (e.code() != orca::errc::database_busy) throw;
          busy = true;
        }
        if (!busy) break;
        co_await session.rollback();
        ++out.retries;
      }
      out.latencies_ms.push_back(milliseconds_since(begin));
    }
    co_await session.close();
  }

  // Opens the pool's P connections before the clock starts (the raw threads open theirs
  // untimed too): P sessions check one out each at the same time. Each closes its own
  // transaction (on SQLite they queue for the write lock one after another).
  orca::task<void> open_pool(const run_context& c) {
    std::vector<orca::task<void>> holders;
    for (std::int64_t k = 0; k < c.pool; ++k) holders.push_back(hold_one(sessions_(), c.first_id));
    co_await orca::when_all(std::move(holders));
  }

  static orca::task<void> hold_one(orca::async_session session, std::int64_t id) {
    co_await session.get<A>(id);
    co_await session.close();
  }

  orca::engine engine_;
  orca::async_sessionmaker sessions_;
};

}  // namespace

std::unique_ptr<side> make_orca_side(const std::string& url, std::int64_t pool,
                                     std::chrono::milliseconds busy_timeout) {
  return std::make_unique<orca_side>(url, pool, busy_timeout);
}

}  // namespace orca_bench

// Sessions under faults: a statement stuck behind another connection's lock past the
// request timeout, a server process killed mid-transaction, and SQLite under many writers.
// Effects checked through independent driver connections.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using namespace std::chrono_literals;
using seed::A;
using seed::B;

namespace {

std::int64_t count_rows(orca::drivers::connection& c, const std::string& sql, const orca::params& parameters = {}) {
  return c.execute(sql, parameters).at(0, 0).as_integer();
}

// Creates the seed tables afresh and inserts one A row; returns its id.
std::int64_t seed_one_a(orca::drivers::connection& c, const std::string& data) {
  auto meta = orca::metadata::of<A, B>();
  meta.drop_all(c);
  meta.create_all(c);
  c.begin();
  c.execute("INSERT INTO a (data) VALUES ('" + data + "')");
  c.commit();
  return count_rows(c, "SELECT max(id) FROM a");
}

}  // namespace

TEST_CASE("a commit stuck behind another connection's row lock fails with request_timeout and never commits later",
          "[actors][session][timeout][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(
          target,
          "PostgreSQL only: SQLite has no row locks (a writer waits on the busy timeout, not a cancellable lock)"))
    return;
  auto id = seed_one_a(*target.connect(), "original");
  // Connection X holds the row's lock in an open transaction.
  auto locker = target.connect();
  locker->begin();
  locker->execute("SELECT id FROM a WHERE id = $1 FOR UPDATE", {id});

  actor_test::run([](orca::engine engine, orca::drivers::connection* locker, const orca::test::backend_target* target,
                     std::int64_t id) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    auto a = co_await session.get<A>(id);
    REQUIRE(a != nullptr);
    a->data = "from the session";
    auto started = std::chrono::steady_clock::now();
    try {
      co_await session.commit();  // its UPDATE waits for X's lock past the 500 ms timeout
      FAIL("a commit blocked by a row lock did not time out");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::request_timeout);
    }
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= 500ms);
    CHECK(waited < 5s);  // cancelled, not waited out

    locker->rollback();  // X lets the row go
    // Proving a negative: give a statement that was not really cancelled, or a COMMIT sent
    // after all, time to go through now that the lock is free.
    std::this_thread::sleep_for(1s);
    {
      auto observer = target->connect();
      CHECK(observer->execute("SELECT data FROM a WHERE id = $1", {id}).at(0, 0).as_text() == "original");
      // No server process is still running or waiting on a statement against a.
      CHECK(count_rows(*observer,
                       "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid IN "
                       "(SELECT pid FROM pg_locks WHERE relation = 'a'::regclass) AND pid <> pg_backend_pid()") == 0);
    }

    try {
      co_await session.scalars(orca::select<A>());
      FAIL("the session was usable before rollback()");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::pending_rollback);
    }
    co_await session.rollback();
    auto again = co_await session.get<A>(id);
    REQUIRE(again != nullptr);
    CHECK(again->data == "original");
    again->data = "after rollback";
    co_await session.commit();
    co_await session.close();
    auto status = co_await engine.status();
    CHECK(status.checked_out == 0);
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.request_timeout = 500ms}), locker.get(), &target, id));

  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a WHERE id = $1", {id}).at(0, 0).as_text() == "after rollback");
}

TEST_CASE(
    "after its server process is killed mid-transaction a session fails, rolls back, and commits on a new connection",
    "[actors][session][errors][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(target,
                                         "PostgreSQL only: an embedded SQLite database has no server process to kill"))
    return;
  actor_test::run([](orca::engine engine, const orca::test::backend_target* target) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    session.add(A{.data = "before the kill"});
    co_await session.flush();  // the transaction stays open: the server process is idle in it

    {
      auto killer = target->connect();
      // The session's server process is the only other one holding a lock on a (the
      // schema is this test's own; other tests may share the database).
      auto pids = killer->execute(
          "SELECT DISTINCT pid FROM pg_locks WHERE relation = 'a'::regclass AND pid <> pg_backend_pid()");
      REQUIRE(pids.size() == 1);
      auto pid = pids.at(0, 0).as_integer();
      CHECK(count_rows(*killer,
                       "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND state = 'idle in transaction'",
                       {pid}) == 1);
      // The timeout makes pg_terminate_backend wait until the process has exited.
      REQUIRE(killer->execute("SELECT pg_terminate_backend($1::int, 10000)", {pid}).at(0, 0).as_boolean());
    }

    try {
      co_await session.scalars(orca::select<A>());
      FAIL("a query on a killed connection succeeded");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK((e.code() == orca::errc::connection_lost || e.code() == orca::errc::pending_rollback));
    }
    try {
      co_await session.scalars(orca::select<A>());
      FAIL("the session was usable before rollback()");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::pending_rollback);
    }
    co_await session.rollback();

    session.add(A{.data = "after the kill"});
    co_await session.commit();
    auto seen = co_await session.scalars(orca::select<A>());
    REQUIRE(seen.size() == 1);
    CHECK(seen.first()->data == "after the kill");
    co_await session.commit();
    auto status = co_await engine.status();
    CHECK(status.checked_out == 0);
    CHECK(status.opened == 2);  // the killed connection was replaced
    CHECK(status.replaced == 1);
    co_await engine.dispose();
  }(orca::create_engine(target.url), &target));

  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'after the kill'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'before the kill'") == 0);
}

TEST_CASE(
    "64 concurrent sessions doing read-modify-write transactions on SQLite with the engine defaults all commit without "
    "retries",
    "[actors][session][concurrency][sqlite]") {
  auto target = orca::test::backends().front();  // a fresh database file of this run, under the temp dir
  REQUIRE(target.name == "sqlite");
  constexpr int sessions = 64;
  constexpr int rounds = 5;
  auto counter_id = seed_one_a(*target.connect(), "0");

  struct failures {
    std::atomic<int> count{0};
    std::mutex mutex;
    std::vector<std::string> messages;
  } failed;

  actor_test::run([](orca::engine engine, std::int64_t counter_id, failures* failed) -> orca::task<void> {
    auto make = orca::async_sessionmaker(engine);
    std::vector<orca::task<void>> workers;
    for (int worker = 0; worker < sessions; ++worker)
      workers.push_back(
          [](orca::async_sessionmaker make, std::int64_t counter_id, int worker, failures* failed) -> orca::task<void> {
            for (int round = 0; round < rounds; ++round) {
              try {  // no retry: every failure counts
                auto session = make();
                auto counter = co_await session.get<A>(counter_id);                     // read ...
                counter->data = std::to_string(std::stoll(counter->data.value()) + 1);  // ... modify ...
                session.add(B{.a_id = counter_id, .data = "worker " + std::to_string(worker)});
                co_await session.commit();  // ... write
              } catch (const std::exception& e) {
                ++failed->count;
                std::lock_guard lock{failed->mutex};
                failed->messages.push_back(e.what());
              }
            }
          }(make, counter_id, worker, failed));
    co_await orca::when_all(std::move(workers));
    co_await engine.dispose();
  }(orca::create_engine(target.url), counter_id, &failed));

  INFO("first failure: " << (failed.messages.empty() ? std::string{"none"} : failed.messages.front()));
  CHECK(failed.count == 0);
  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a WHERE id = ?", {counter_id}).at(0, 0).as_text() ==
        std::to_string(sessions * rounds));
  CHECK(count_rows(*check, "SELECT count(*) FROM b") == sessions * rounds);
  CHECK(count_rows(*check, "SELECT count(DISTINCT data) FROM b") == sessions);
  CHECK(count_rows(*check, "SELECT max(c) FROM (SELECT count(*) AS c FROM b GROUP BY data) t") == rounds);
}

TEST_CASE("on SQLite two sessions that read a row and then write it never lose an update",
          "[actors][session][concurrency][sqlite]") {
  auto target = orca::test::backends().front();  // SQLite is serializable; PostgreSQL's READ COMMITTED is not
  REQUIRE(target.name == "sqlite");
  auto id = seed_one_a(*target.connect(), "0");
  int committed = 0;
  std::vector<std::string> refused;

  actor_test::run(
      [](orca::engine engine, std::int64_t id, int* committed, std::vector<std::string>* refused) -> orca::task<void> {
        auto make = orca::async_sessionmaker(engine);
        auto first = make();
        auto second = make();
        // Both read the counter before either writes. Any step may be refused (a conflict the
        // database detected); an increment that is lost while its commit succeeds may not.
        std::shared_ptr<A> mine, theirs;
        try {
          mine = co_await first.get<A>(id);
        } catch (const orca::error& e) {
          refused->push_back(e.what());
        }
        try {
          theirs = co_await second.get<A>(id);
        } catch (const orca::error& e) {
          refused->push_back(e.what());
        }
        if (mine) {
          mine->data = std::to_string(std::stoll(mine->data.value()) + 1);
          try {
            co_await first.commit();
            ++*committed;
          } catch (const orca::error& e) {
            refused->push_back(e.what());
          }
        }
        if (theirs) {
          theirs->data = std::to_string(std::stoll(theirs->data.value()) + 1);
          try {
            co_await second.commit();
            ++*committed;
          } catch (const orca::error& e) {
            refused->push_back(e.what());
          }
        }
        co_await engine.dispose();
      }(orca::create_engine(target.url), id, &committed, &refused));

  for (auto& r : refused) UNSCOPED_INFO("refused: " << r);
  auto check = target.connect();
  CHECK(committed >= 1);
  CHECK(check->execute("SELECT data FROM a WHERE id = ?", {id}).at(0, 0).as_text() == std::to_string(committed));
}

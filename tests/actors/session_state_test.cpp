// The session's object and transaction state through the facade: get_one, merge, expunge,
// in_transaction, invalidate and async_sessionmaker::begin — on every backend, effects
// checked through a second connection.
#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/row_count.hpp"

using orca::test::count_rows;
using seed::A;
using seed::B;

namespace {

// Inserts one A through a connection of its own; returns its key.
std::int64_t insert_a(const orca::test::backend_target& target, const std::string& data) {
  auto c = target.connect();
  c->execute("INSERT INTO a (data) VALUES ('" + data + "')");
  return c->execute("SELECT max(id) FROM a").at(0, 0).as_integer();
}

}  // namespace

TEST_CASE("get_one returns the row's object and raises no_result without a row", "[actors][session][state]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::int64_t key = 0;
  actor_test::run([](orca::engine engine, orca::test::backend_target target, std::int64_t& key) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    key = insert_a(target, "present");
    auto session = orca::async_sessionmaker(engine)();
    auto found = co_await session.get_one<A>(key);
    CHECK(found->data == std::optional<std::string>{"present"});
    auto code = orca::errc::none;
    try {
      co_await session.get_one<A>(key + 1000);
    } catch (const orca::error& e) {
      code = e.code();
    }
    CHECK(code == orca::errc::no_result);
    co_await engine.dispose();
  }(orca::create_engine(target.url), target, key));
}

TEST_CASE("merge copies a detached object onto the session's one, or adds a copy when no row has its key",
          "[actors][session][state]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::int64_t key = 0;
  actor_test::run([](orca::engine engine, orca::test::backend_target target, std::int64_t& key) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    key = insert_a(target, "stored");
    auto session = orca::async_sessionmaker(engine)();
    A detached{.id = key, .data = "merged"};
    auto merged = co_await session.merge(detached);
    auto same = co_await session.get<A>(key);
    CHECK(merged == same);  // the session's object, not a second one
    CHECK(merged->data == std::optional<std::string>{"merged"});
    detached.data = "changed after merge";  // the caller's object never joined the session
    A unsaved{.data = "new"};
    auto fresh = co_await session.merge(unsaved);
    co_await session.commit();
    CHECK(fresh->id > 0);
    co_await engine.dispose();
  }(orca::create_engine(target.url), target, key));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE id = " + std::to_string(key) + " AND data = 'merged'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'new'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 2);
}

TEST_CASE("an expunged object is neither flushed nor returned by later loads", "[actors][session][state]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::int64_t key = 0;
  actor_test::run([](orca::engine engine, orca::test::backend_target target, std::int64_t& key) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    key = insert_a(target, "stored");
    auto session = orca::async_sessionmaker(engine)();
    auto loaded = co_await session.get<A>(key);
    co_await session.expunge(loaded);
    loaded->data = "changed after expunge";
    auto queued = session.add(A{.data = "expunged before any flush"});
    co_await session.expunge(queued);
    co_await session.commit();
    auto again = co_await session.get<A>(key);
    CHECK(again != loaded);
    CHECK(again->data == std::optional<std::string>{"stored"});
    auto code = orca::errc::none;
    try {
      co_await session.expunge(std::make_shared<A>());
    } catch (const orca::error& e) {
      code = e.code();
    }
    CHECK(code == orca::errc::invalid_state);
    co_await engine.dispose();
  }(orca::create_engine(target.url), target, key));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'stored'") == 1);
}

TEST_CASE("in_transaction is true from begin() or the first database call until commit or rollback",
          "[actors][session][state]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    // Awaited outside CHECK: its macro would await the expression twice.
    bool fresh = co_await session.in_transaction();
    bool in_begin = false;
    {
      auto tx = co_await session.begin();
      in_begin = co_await session.in_transaction();
      co_await tx.commit();
    }
    bool after_commit = co_await session.in_transaction();
    co_await session.scalars(orca::select<A>());  // the session begins one for the query
    bool after_query = co_await session.in_transaction();
    co_await session.rollback();
    bool after_rollback = co_await session.in_transaction();
    CHECK_FALSE(fresh);
    CHECK(in_begin);
    CHECK_FALSE(after_commit);
    CHECK(after_query);
    CHECK_FALSE(after_rollback);
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
}

TEST_CASE("invalidate closes the session and its connection, and what was not committed is gone",
          "[actors][session][state]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto session = make();
    session.add(A{.data = "committed"});
    co_await session.commit();
    session.add(A{.data = "flushed, never committed"});
    co_await session.flush();
    co_await session.invalidate();
    auto code = orca::errc::none;
    try {
      co_await session.scalars(orca::select<A>());
    } catch (const orca::error& e) {
      code = e.code();
    }
    CHECK(code == orca::errc::closed);
    auto next = make();  // the pool gives the next session a working connection
    next.add(A{.data = "after invalidate"});
    co_await next.commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 1, .max_overflow = 0})));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 2);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data LIKE 'flushed%'") == 0);
}

TEST_CASE("async_sessionmaker::begin commits when the block returns and rolls back when it throws",
          "[actors][session][state]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto key = co_await make.begin([](orca::async_session& s) -> orca::task<std::int64_t> {
      auto a = s.add(A{.data = "committed at block end", .bs = {B{.data = "child"}}});
      co_await s.flush();
      co_return a->id;
    });
    CHECK(key > 0);
    bool rethrown = false;
    try {
      co_await make.begin([](orca::async_session& s) -> orca::task<void> {
        s.add(A{.data = "rolled back"});
        co_await s.flush();
        throw std::runtime_error("user error");
      });
    } catch (const std::runtime_error&) {
      rethrown = true;
    }
    CHECK(rethrown);
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'committed at block end'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM b") == 1);
}

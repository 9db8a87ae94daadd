// The pool actor: checkout timeouts, connections returned rolled back by sessions that die,
// dispose with work in flight — on every backend.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using seed::A;
using namespace std::chrono_literals;

TEST_CASE("a checkout that waits past the pool timeout fails naming the pool and its limits", "[actors][pool][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto holder = make();
    holder.add(A{.data = "holding the only connection"});
    co_await holder.flush();  // a transaction is open: the connection stays checked out
    auto waiting = make();
    try {
      co_await waiting.scalars(orca::select<A>());
      FAIL("the checkout did not time out");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::pool_timeout);
      CHECK_THAT(e.what(), Catch::Contains("size 1") && Catch::Contains("overflow 0"));
    }
    co_await holder.commit();  // gives the connection back: the other session can go on
    auto rows = co_await waiting.scalars(orca::select<A>());
    CHECK(rows.size() == 1);
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 1, .max_overflow = 0, .pool_timeout = 1000ms})));
}

TEST_CASE("a session dropped mid-transaction gives its connection back rolled back", "[actors][pool][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto dropped = make();
      dropped.add(A{.data = "uncommitted"});
      co_await dropped.flush();
      auto busy = co_await engine.status();
      CHECK(busy.checked_out == 1);
    }  // the session ends here, its transaction open
    auto next = make();
    auto rows = co_await next.scalars(orca::select<A>());  // waits for the single connection
    CHECK(rows.empty());
    co_await next.commit();
    auto status = co_await engine.status();
    CHECK(status.checked_out == 0);
    CHECK(status.opened == 1);
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 1, .max_overflow = 0, .pool_timeout = 5000ms})));
  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a").at(0, 0).as_integer() == 0);
}

TEST_CASE(
    "dispose with a checkout waiting, a transaction and a stream open fails each with its error and commits nothing",
    "[actors][pool][dispose][fault]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  struct seen {
    orca::errc waiting = orca::errc::none, stream = orca::errc::none, commit = orca::errc::none,
               after = orca::errc::none;
    std::string commit_message;
  } codes;
  actor_test::run([](orca::engine engine, seen* codes) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto holder = make();
    for (int i = 0; i < 50; ++i) holder.add(A{.data = "row " + std::to_string(i)});
    co_await holder.commit();
    // The holder keeps the pool's only connection: a transaction with an INSERT, and a stream.
    holder.add(A{.data = "never committed"});
    co_await holder.flush();
    auto stream = co_await holder.stream(orca::select<A>(), 10);
    auto first = co_await stream.next();
    CHECK(first != nullptr);
    // A second session's query waits for a checkout while the engine is disposed.
    auto waiting = [](orca::async_session session, orca::errc* code) -> orca::task<void> {
      try {
        co_await session.scalars(orca::select<A>());
      } catch (const orca::error& e) {
        *code = e.code();
      }
    }(make(), &codes->waiting);
    auto disposing = [](orca::engine engine) -> orca::task<void> {
      for (bool queued = false; !queued;) queued = (co_await engine.status()).waiting == 1;  // the checkout waits
      co_await engine.dispose();
    }(engine);
    std::vector<orca::task<void>> both;
    both.push_back(std::move(waiting));
    both.push_back(std::move(disposing));
    co_await orca::when_all(std::move(both));
    try {
      for (int i = 0; i < 100; ++i) (void)co_await stream.next();
    } catch (const orca::error& e) {
      codes->stream = e.code();
    }
    try {
      co_await holder.commit();
    } catch (const orca::error& e) {
      codes->commit = e.code();
      codes->commit_message = e.what();
    }
    try {
      co_await make().scalars(orca::select<A>());
    } catch (const orca::error& e) {
      codes->after = e.code();
    }
  }(orca::create_engine(target.url, {.pool_size = 1, .max_overflow = 0}), &codes));
  CHECK(codes.waiting == orca::errc::disposed);  // the checkout was failed, not left waiting
  // The stream's connection is gone: a prefetch in flight fails with connection_lost, a
  // fetch sent to the closed connection with disposed.
  CHECK((codes.stream == orca::errc::connection_lost || codes.stream == orca::errc::disposed));
  INFO(codes.commit_message);
  CHECK(codes.commit == orca::errc::connection_lost);  // the COMMIT was never sent: nothing committed
  CHECK(codes.after == orca::errc::disposed);
  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a").at(0, 0).as_integer() == 50);
  CHECK(check->execute("SELECT count(*) FROM a WHERE data = 'never committed'").at(0, 0).as_integer() == 0);
}

TEST_CASE("with max_overflow 1 a pool of 1 lends a second connection under load and closes it after",
          "[actors][pool]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  // On PostgreSQL the pool's connections carry a name of their own, so that the server's
  // count of them shows the overflow connection opened and closed.
  auto name = "orca_overflow_" + std::to_string(::getpid());
  auto url = target.name == "postgresql" ? target.url + "&application_name=" + name : target.url;
  std::vector<std::int64_t> server_side;  // PostgreSQL backends of the pool: under load, after
  actor_test::run([](orca::engine engine, const orca::test::backend_target* target, std::string name,
                     std::vector<std::int64_t>* server_side) -> orca::task<void> {
    auto backends = [&] {
      if (target->name != "postgresql") return std::int64_t{0};
      return target->connect()
          ->execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {name})
          .at(0, 0)
          .as_integer();
    };
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto first = make();
    auto second = make();
    first.add(A{.data = "first"});
    co_await first.flush();                                  // holds the pool's one connection in a transaction
    auto seen = co_await second.scalars(orca::select<A>());  // gets the overflow connection instead of waiting
    CHECK(seen.empty());
    auto busy = co_await engine.status();
    CHECK(busy.checked_out == 2);
    CHECK(busy.opened == 2);
    server_side->push_back(backends());
    co_await first.commit();
    co_await second.commit();
    auto after = co_await engine.status();
    CHECK(after.checked_out == 0);
    CHECK(after.idle == 1);  // the overflow connection was closed on return
    // The server ends the closed connection's backend a moment later.
    auto left = backends();
    for (int i = 0; i < 200 && left > 1; ++i) {
      std::this_thread::sleep_for(10ms);
      left = backends();
    }
    server_side->push_back(left);
    co_await engine.dispose();
  }(orca::create_engine(url, {.pool_size = 1,
                              .max_overflow = 1,
                              .pool_timeout = 300ms,
                              .sqlite_begin_immediate = false}),  // a reader beside a writer
                                                             &target, name, &server_side));
  if (target.name == "postgresql") CHECK(server_side == std::vector<std::int64_t>{2, 1});
  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a").at(0, 0).as_integer() == 1);
}

TEST_CASE("run_sync rolls back and returns its connection when its function throws", "[actors][pool][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    bool thrown = false;
    try {
      co_await engine.begin().run_sync([](orca::connection& c) {
        c.execute("INSERT INTO a (data) VALUES ('rolled back')");
        throw std::runtime_error("the function failed after writing");
      });
    } catch (const std::exception& e) {
      thrown = true;
      CHECK_THAT(e.what(), Catch::Contains("the function failed after writing"));
    }
    CHECK(thrown);
    auto status = co_await engine.status();
    CHECK(status.checked_out == 0);
    // The pool's only connection commits again: a transaction left open by run_sync would
    // commit its INSERT now.
    auto session = orca::async_sessionmaker(engine)();
    session.add(A{.data = "committed after"});
    co_await session.commit();
    auto after = co_await engine.status();
    CHECK(after.opened == 1);  // the same connection, not a replacement
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 1, .max_overflow = 0})));
  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a WHERE data = 'rolled back'").at(0, 0).as_integer() == 0);
  CHECK(check->execute("SELECT count(*) FROM a WHERE data = 'committed after'").at(0, 0).as_integer() == 1);
}

TEST_CASE("pool_recycle in milliseconds closes a connection given back older than it, and only then",
          "[actors][pool]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto first = make();
    (void)co_await first.scalars(orca::select<A>());
    co_await first.close();
    auto young = co_await engine.status();
    CHECK(young.opened == 1);            // younger than pool_recycle: reused
    std::this_thread::sleep_for(600ms);  // it ages past pool_recycle, idle in the pool
    auto session = make();
    session.add(A{.data = "on a fresh connection"});
    co_await session.commit();
    auto after = co_await engine.status();
    CHECK(after.opened == 2);  // closed when lent or given back old, never reused
    CHECK(after.idle <= 1);
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 1, .max_overflow = 0, .pool_recycle = 500ms})));
}

// Recovery from a PostgreSQL restart costs no user transaction: idle pooled connections the
// server closed are replaced, and a transaction whose connection is found closed before its
// first statement went out moves to a new connection (BEGIN rides with that statement, so
// nothing was sent). Once a statement of the transaction may have reached the server, a
// lost connection is never retried: the caller gets connection_lost and nothing is written
// twice. Effects are checked through an independent connection.
#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/connection_actor.hpp"
#include "orca/actors/runtime.hpp"
#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/own_server.hpp"
#include "support/tcp_proxy.hpp"

using namespace std::chrono_literals;
using seed::A;

namespace {

constexpr int pool_size = 4;

std::int64_t rows_like(orca::drivers::connection& c, const std::string& pattern) {
  return c.execute("SELECT count(*) FROM a WHERE data LIKE $1", {pattern}).at(0, 0).as_integer();
}

// One transaction: an INSERT and its COMMIT. Counts a failure instead of throwing.
orca::task<void> insert_one(orca::async_sessionmaker make, std::string data, std::vector<std::string>* failures) {
  auto session = make();
  try {
    session.add(A{.data = data});
    co_await session.commit();
  } catch (const orca::error& e) {
    failures->push_back(data + ": " + e.what());
  }
  co_await session.close();
}

// The engine after the restart: pool_size transactions at once, then the pool's counters.
orca::task<void> insert_concurrently(orca::engine engine, std::vector<std::string>* failures,
                                     orca::pool_snapshot* status) {
  auto make = orca::async_sessionmaker(engine);
  std::vector<orca::task<void>> transactions;
  for (int i = 0; i < pool_size; ++i) transactions.push_back(insert_one(make, "after " + std::to_string(i), failures));
  co_await orca::when_all(std::move(transactions));
  *status = co_await engine.status();
}

orca::task<void> dispose(orca::engine engine) { co_await engine.dispose(); }

// A blocking request to a connection actor: its reply, or the error's orca message.
template <class Reply, class... Ts>
std::variant<Reply, std::string> ask(caf::scoped_actor& self, const orca::actors::connection_actor& c, Ts&&... xs) {
  std::variant<Reply, std::string> out{std::string{"no answer"}};
  self->request(c, 30s, std::forward<Ts>(xs)...)
      .receive([&](Reply& reply) { out = std::move(reply); },
               [&](caf::error& e) { out = orca::actors::from_caf_error(e, "the test's request").message(); });
  return out;
}

}  // namespace

TEST_CASE(
    "after a server restart, as many transactions as the pool held idle connections all succeed, without pre-ping",
    "[actors][pool][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (target.name != "postgresql") {
    SUCCEED("PostgreSQL only: an embedded SQLite database has no server to restart");
    return;
  }
  orca::test::own_server server{"idle-restart"};
  REQUIRE_THAT(server.url(), Catch::StartsWith("postgresql://"));
  auto engine = orca::create_engine(server.url(), {.pool_size = pool_size, .max_overflow = 0, .pool_pre_ping = false});
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    co_await actor_test::fill_pool(engine, pool_size);
  }(engine));
  server.halt();  // fast shutdown: each idle connection is told, then closed
  server.resume();
  std::vector<std::string> failures;
  orca::pool_snapshot status;
  actor_test::run(insert_concurrently(engine, &failures, &status));
  actor_test::run(dispose(engine));
  for (auto& failure : failures) UNSCOPED_INFO(failure);
  CHECK(failures.empty());
  CHECK(status.replaced == pool_size);  // every stale connection was dropped, none failed a transaction
  auto check = orca::drivers::connect(orca::parse_url(server.url()));
  CHECK(rows_like(*check, "after %") == pool_size);
  CHECK(rows_like(*check, "%") == 2 * pool_size);  // the warm-up's rows and these, each once
}

TEST_CASE(
    "a transaction whose connection the server closed before its first statement was sent moves to a new connection",
    "[actors][connection][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (target.name != "postgresql") {
    SUCCEED("PostgreSQL only: SQLite's BEGIN runs at once, on a connection no server can close");
    return;
  }
  orca::test::own_server server{"begin-restart"};
  REQUIRE_THAT(server.url(), Catch::StartsWith("postgresql://"));
  {
    auto setup = orca::drivers::connect(orca::parse_url(server.url()));
    setup->execute_script("CREATE TABLE a (id bigserial PRIMARY KEY, data text)");
  }
  using namespace orca::actors;
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  auto connection = spawn_connection(rt->system(), orca::parse_url(server.url()), {}).actor;
  auto opened = ask<bool>(self, connection, ping_atom::value);
  REQUIRE(std::holds_alternative<bool>(opened));
  // BEGIN is asked for; it will ride with the first statement, so nothing is sent yet.
  REQUIRE(std::holds_alternative<ok_atom>(ask<ok_atom>(self, connection, begin_atom::value)));
  server.halt();
  server.resume();
  auto inserted = ask<orca::drivers::rowset>(self, connection, execute_atom::value,
                                             std::string{"INSERT INTO a (data) VALUES ($1)"}, orca::params{"moved"});
  if (auto* message = std::get_if<std::string>(&inserted)) FAIL_CHECK("the INSERT failed: " << *message);
  auto committed = ask<ok_atom>(self, connection, commit_atom::value);
  if (auto* message = std::get_if<std::string>(&committed)) FAIL_CHECK("the COMMIT failed: " << *message);
  auto status = ask<connection_status>(self, connection, status_atom::value);
  REQUIRE(std::holds_alternative<connection_status>(status));
  CHECK(std::get<connection_status>(status).open);
  CHECK(std::get<connection_status>(status).last_commit == commit_result::committed);
  self->send_exit(connection, caf::exit_reason::user_shutdown);
  auto check = orca::drivers::connect(orca::parse_url(server.url()));
  CHECK(rows_like(*check, "moved") == 1);
}

TEST_CASE(
    "a connection lost after the transaction's BEGIN reached the server is not retried and nothing is written twice",
    "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (target.name != "postgresql") {
    SUCCEED("PostgreSQL only: an embedded SQLite database has no connection to lose");
    return;
  }
  auto parsed = orca::parse_url(target.url);
  orca::test::tcp_proxy proxy{parsed.host, parsed.port};
  int accepted_before = 0, accepted_after = 0;
  orca::errc code = orca::errc::none;
  std::string message;
  std::int64_t rows_after_failure = -1;
  auto observer = target.connect();
  actor_test::run([](orca::engine engine, orca::test::tcp_proxy* proxy, orca::drivers::connection* observer,
                     int* accepted_before, int* accepted_after, orca::errc* code, std::string* message,
                     std::int64_t* rows_after_failure) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);  // the pool's one connection is open
    // COMMIT in a round trip of its own: the transaction's id is learned before it is sent,
    // so that a COMMIT lost with the connection can be looked up (the default sends the
    // whole of this transaction in one round trip: see the test after this one).
    auto session = orca::async_sessionmaker(engine, {.commit_with_last_statements = false})();
    *accepted_before = proxy->accepted();
    proxy->arm(orca::test::tcp_proxy::cut::after_begin);
    bool failed = false;
    try {
      session.add(A{.data = "once"});
      co_await session.commit();
    } catch (const orca::error& e) {
      *code = e.code();
      *message = e.what();
      failed = true;
    }
    *accepted_after = proxy->accepted();
    *rows_after_failure = rows_like(*observer, "once");
    if (failed) co_await session.rollback();
    session.add(A{.data = "once"});  // the caller's own retry
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(proxy.route(target.url), {.pool_size = 1, .max_overflow = 0, .request_timeout = 5s}), &proxy,
                                                       observer.get(), &accepted_before, &accepted_after, &code,
                                                       &message, &rows_after_failure));
  INFO(message);
  CHECK(proxy.wait_for_cut(0ms));
  CHECK(code == orca::errc::connection_lost);
  CHECK(accepted_after == accepted_before);  // no new connection was opened to run it again
  CHECK(rows_after_failure == 0);            // the server rolled back what it ran
  CHECK(rows_like(*observer, "once") == 1);  // the caller's retry, once
}

TEST_CASE("a transaction sent whole in one round trip and lost with its connection reports commit_outcome_unknown",
          "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (target.name != "postgresql") {
    SUCCEED("PostgreSQL only: an embedded SQLite database has no connection to lose");
    return;
  }
  auto parsed = orca::parse_url(target.url);
  orca::test::tcp_proxy proxy{parsed.host, parsed.port};
  int accepted_before = 0, accepted_after = 0;
  orca::errc code = orca::errc::none;
  std::string message;
  auto observer = target.connect();
  actor_test::run([](orca::engine engine, orca::test::tcp_proxy* proxy, int* accepted_before, int* accepted_after,
                     orca::errc* code, std::string* message) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    *accepted_before = proxy->accepted();
    // BEGIN, the INSERT, the transaction's id and COMMIT go out in one pipeline: the server
    // runs them all, and its answer is lost with the connection.
    proxy->arm(orca::test::tcp_proxy::cut::after_begin);
    try {
      session.add(A{.data = "whole"});
      co_await session.commit();
    } catch (const orca::error& e) {
      *code = e.code();
      *message = e.what();
    }
    *accepted_after = proxy->accepted();
    co_await session.rollback();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(proxy.route(target.url), {.pool_size = 1, .max_overflow = 0, .request_timeout = 5s}), &proxy,
                                                             &accepted_before, &accepted_after, &code, &message));
  INFO(message);
  CHECK(proxy.wait_for_cut(0ms));
  // The transaction's id never came back, so the server cannot be asked: the outcome is
  // reported unknown, never as a rollback (the server did commit) and never retried.
  CHECK(code == orca::errc::commit_outcome_unknown);
  CHECK(accepted_after == accepted_before);
  CHECK(rows_like(*observer, "whole") == 1);
}

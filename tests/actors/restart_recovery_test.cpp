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

namespace {

/// What one transaction cut off by the proxy after its BEGIN reached the server reported.
struct cut_after_begin {
  orca::errc code = orca::errc::none;
  std::string message;
  bool reconnected = false;            ///< a new connection was opened to run it again
  std::int64_t rows_after_cut = -1;    ///< its row, read from outside right after the failure
  std::int64_t rows_after_retry = -1;  ///< ...and after the caller's own retry (when it retried)
};

// Adds A{data} and commits through a proxy armed to cut the connection once BEGIN reached
// the server (it forwards what follows and drops the answer); with `retry`, the caller then
// rolls back and commits the same object again.
cut_after_begin commit_cut_after_begin(const orca::test::backend_target& target, orca::session_options options,
                                       std::string data, bool retry) {
  auto parsed = orca::parse_url(target.url);
  orca::test::tcp_proxy proxy{parsed.host, parsed.port};
  auto observer = target.connect();
  cut_after_begin out;
  actor_test::run([](orca::engine engine, orca::session_options options, orca::test::tcp_proxy* proxy,
                     orca::drivers::connection* observer, std::string data, bool retry,
                     cut_after_begin* out) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);  // the pool's one connection is open
    auto session = orca::async_sessionmaker(engine, options)();
    auto accepted_before = proxy->accepted();
    proxy->arm(orca::test::tcp_proxy::cut::after_begin);
    try {
      session.add(A{.data = data});
      co_await session.commit();
    } catch (const orca::error& e) {
      out->code = e.code();
      out->message = e.what();
    }
    out->reconnected = proxy->accepted() != accepted_before;
    out->rows_after_cut = rows_like(*observer, data);
    co_await session.rollback();
    if (retry) {
      session.add(A{.data = data});
      co_await session.commit();
    }
    out->rows_after_retry = rows_like(*observer, data);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(proxy.route(target.url), {.pool_size = 1, .max_overflow = 0, .request_timeout = 5s}), options,
                                           &proxy, observer.get(), data, retry, &out));
  CHECK(proxy.wait_for_cut(0ms));
  return out;
}

}  // namespace

TEST_CASE(
    "a connection lost after the transaction's BEGIN reached the server is not retried and nothing is written twice",
    "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (target.name != "postgresql") {
    SUCCEED("PostgreSQL only: an embedded SQLite database has no connection to lose");
    return;
  }
  SECTION("COMMIT in a round trip of its own: the transaction's id is known before it is sent") {
    auto out = commit_cut_after_begin(target, {.commit_with_last_statements = false}, "once", true);
    INFO(out.message);
    CHECK(out.code == orca::errc::connection_lost);
    CHECK_FALSE(out.reconnected);      // no new connection was opened to run it again
    CHECK(out.rows_after_cut == 0);    // the server rolled back what it ran
    CHECK(out.rows_after_retry == 1);  // the caller's retry, once
  }
  SECTION("the default: BEGIN, the INSERT and COMMIT in one pipeline") {
    auto out = commit_cut_after_begin(target, {}, "whole", false);
    INFO(out.message);
    // The server ran it all; the transaction's id was never learned, so the server cannot
    // be asked: the outcome is reported unknown, never as a rollback, and never retried.
    CHECK(out.code == orca::errc::commit_outcome_unknown);
    CHECK_FALSE(out.reconnected);
    CHECK(out.rows_after_cut == 1);
  }
}

// In-doubt commits on PostgreSQL: the connection is lost while COMMIT is in flight, before
// the server saw it (its server process killed, or a proxy that never forwards it) or after
// the server committed (a proxy that drops the answer). The session reports what the
// server did, learned from txid_status over a new connection, and commit_outcome_unknown
// only when the server cannot be asked. Every outcome is checked against the table from
// outside, through an independent connection.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/tcp_proxy.hpp"

using namespace std::chrono_literals;
using seed::A;

namespace {

std::int64_t rows_with(orca::drivers::connection& c, const std::string& data) {
  return c.execute("SELECT count(*) FROM a WHERE data = $1", {data}).at(0, 0).as_integer();
}

// The backend's own server process for the one other connection that holds a lock on a.
std::int64_t session_backend_pid(orca::drivers::connection& observer) {
  auto pids = observer.execute(
      "SELECT DISTINCT pid FROM pg_locks WHERE relation = 'a'::regclass AND pid <> pg_backend_pid()");
  REQUIRE(pids.size() == 1);
  return pids.at(0, 0).as_integer();
}

std::unique_ptr<orca::test::tcp_proxy> proxy_for(const orca::test::backend_target& target) {
  auto parsed = orca::parse_url(target.url);
  return std::make_unique<orca::test::tcp_proxy>(parsed.host, parsed.port);
}

// What a commit reported: "committed", or the error's code and message.
struct reported {
  bool committed = false;
  orca::errc code = orca::errc::none;
  std::string message;
};

// Opens a transaction that inserts `data` (the INSERT runs: the transaction has an id),
// runs `before_commit`, commits, and reports; then rolls back if needed and proves that the
// session commits again.
template <class BeforeCommit>
orca::task<void> insert_then_commit(orca::engine engine, std::string data, BeforeCommit before_commit, reported* out) {
  co_await actor_test::reset_seed_schema(engine);
  auto session = orca::async_sessionmaker(engine)();
  session.add(A{.data = data});
  co_await session.flush();
  before_commit();
  try {
    co_await session.commit();
    out->committed = true;
  } catch (const orca::error& e) {
    out->code = e.code();
    out->message = e.what();
  }
  if (!out->committed) co_await session.rollback();
  session.add(A{.data = "afterwards"});
  co_await session.commit();
  co_await session.close();
  auto status = co_await engine.status();
  CHECK(status.checked_out == 0);
  co_await engine.dispose();
}

// insert_then_commit through a proxy that cuts the connection at the COMMIT, `where`.
reported commit_through_proxy(const orca::test::backend_target& target, orca::test::tcp_proxy::cut where,
                              const std::string& data) {
  auto proxy = proxy_for(target);
  reported out;
  auto arm = [&] { proxy->arm(where); };
  actor_test::run(insert_then_commit(
      orca::create_engine(proxy->route(target.url), {.pool_size = 1, .request_timeout = 2s}), data, arm, &out));
  CHECK(proxy->wait_for_cut(0ms));
  return out;
}

}  // namespace

TEST_CASE("a COMMIT whose server process was killed before it arrived reports the rollback as connection_lost",
          "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(
          target, "PostgreSQL only: an embedded SQLite database has no connection to lose during COMMIT"))
    return;
  auto observer = target.connect();
  reported out;
  auto kill_session_backend = [&] {
    auto pid = session_backend_pid(*observer);
    // The timeout makes pg_terminate_backend wait until the process has exited.
    REQUIRE(observer->execute("SELECT pg_terminate_backend($1::int, 10000)", {pid}).at(0, 0).as_boolean());
  };
  actor_test::run(insert_then_commit(orca::create_engine(target.url, {.pool_size = 1, .request_timeout = 2s}),
                                     "killed before COMMIT", kill_session_backend, &out));
  INFO(out.message);
  CHECK_FALSE(out.committed);
  CHECK(out.code == orca::errc::connection_lost);
  CHECK_THAT(out.message, Catch::Contains("rolled back (txid_status)"));
  CHECK(rows_with(*observer, "killed before COMMIT") == 0);
  CHECK(rows_with(*observer, "afterwards") == 1);
}

TEST_CASE("a COMMIT that never reached the server reports the rollback as connection_lost",
          "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(
          target, "PostgreSQL only: an embedded SQLite database has no connection to lose during COMMIT"))
    return;
  auto started = std::chrono::steady_clock::now();
  auto out = commit_through_proxy(target, orca::test::tcp_proxy::cut::before_commit, "COMMIT dropped");
  INFO(out.message);
  CHECK_FALSE(out.committed);
  CHECK(out.code == orca::errc::connection_lost);
  CHECK_THAT(out.message, Catch::Contains("rolled back (txid_status)"));
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  auto observer = target.connect();
  CHECK(rows_with(*observer, "COMMIT dropped") == 0);
  CHECK(rows_with(*observer, "afterwards") == 1);
}

TEST_CASE("a COMMIT whose answer was lost after the server committed succeeds",
          "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(
          target, "PostgreSQL only: an embedded SQLite database has no connection to lose during COMMIT"))
    return;
  auto out = commit_through_proxy(target, orca::test::tcp_proxy::cut::after_commit, "answer dropped");
  INFO(out.message);
  CHECK(out.committed);
  auto observer = target.connect();
  CHECK(rows_with(*observer, "answer dropped") == 1);
  CHECK(rows_with(*observer, "afterwards") == 1);
}

TEST_CASE("a COMMIT lost after the server committed, with the server unreachable, reports commit_outcome_unknown",
          "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(
          target, "PostgreSQL only: an embedded SQLite database has no connection to lose during COMMIT"))
    return;
  auto proxy = proxy_for(target);
  auto observer = target.connect();
  actor_test::run(
      [](orca::engine engine, orca::test::tcp_proxy* proxy, orca::drivers::connection* observer) -> orca::task<void> {
        co_await actor_test::reset_seed_schema(engine);
        auto session = orca::async_sessionmaker(engine)();
        session.add(A{.data = "in doubt"});
        co_await session.flush();
        // The answer is dropped and, from then on, the proxy refuses connections: the server
        // cannot be asked what became of the transaction.
        proxy->arm(orca::test::tcp_proxy::cut::after_commit, true);
        auto started = std::chrono::steady_clock::now();
        try {
          co_await session.commit();
          FAIL("a COMMIT whose outcome could not be learned succeeded");
        } catch (const orca::error& e) {
          INFO(e.what());
          CHECK(e.code() == orca::errc::commit_outcome_unknown);
          CHECK_THAT(e.what(), Catch::Contains("asking the server failed"));
        }
        auto waited = std::chrono::steady_clock::now() - started;
        CHECK(waited >= 900ms);  // it kept asking for the request timeout
        CHECK(waited < 5s);
        // The server did commit: the outcome was truly in doubt.
        CHECK(rows_with(*observer, "in doubt") == 1);
        co_await session.rollback();
        co_await session.close();
        co_await engine.dispose();
      }(orca::create_engine(proxy->route(target.url), {.pool_size = 1, .request_timeout = 1s}), proxy.get(),
                                                                                                 observer.get()));
  CHECK(proxy->wait_for_cut(0ms));
}

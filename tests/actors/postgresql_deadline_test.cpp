// A PostgreSQL server process that stops answering (SIGSTOP) while a COMMIT is in flight:
// the connection actor's deadline cancels, the cancel goes unanswered too, and the session
// learns that the outcome cannot be known; it then goes on on a new connection. Checked
// from outside through an independent connection.
#include <chrono>
#include <csignal>
#include <string>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using namespace std::chrono_literals;
using seed::A;

namespace {

// The server process of the only other connection that holds a lock on table a.
int session_backend_pid(orca::drivers::connection& observer) {
  auto pids = observer.execute(
      "SELECT DISTINCT pid FROM pg_locks WHERE relation = 'a'::regclass AND pid <> pg_backend_pid()");
  REQUIRE(pids.size() == 1);
  return static_cast<int>(pids.at(0, 0).as_integer());
}

}  // namespace

TEST_CASE("a COMMIT whose server process stops answering reports commit_outcome_unknown and the session goes on",
          "[actors][session][timeout][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(target,
                                         "PostgreSQL only: an embedded SQLite database has no server process to stop"))
    return;
  actor_test::run([](orca::engine engine, const orca::test::backend_target* target) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    session.add(A{.data = "in doubt"});
    co_await session.flush();  // the INSERT ran; the transaction stays open

    auto observer = target->connect();
    int pid = session_backend_pid(*observer);
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    auto started = std::chrono::steady_clock::now();
    try {
      co_await session.commit();
      FAIL("a COMMIT to a stopped server process succeeded");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::commit_outcome_unknown);
    }
    auto waited = std::chrono::steady_clock::now() - started;
    ::kill(pid, SIGCONT);
    CHECK(waited >= 500ms + 5s);  // the deadline, then the cancel's grace
    CHECK(waited < 15s);
    // The connection was given up: its server process ends once it reads the closed socket.
    REQUIRE(observer->execute("SELECT pg_terminate_backend($1::int, 10000)", {pid}).size() == 1);

    // The session goes on: rollback() forgets the transaction, the next one commits.
    co_await session.rollback();
    session.add(A{.data = "after the stop"});
    co_await session.commit();
    co_await session.close();
    auto checked_out = (co_await engine.status()).checked_out;
    CHECK(checked_out == 0);
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.request_timeout = 500ms}), &target));

  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a WHERE data = 'after the stop'").at(0, 0).as_integer() == 1);
}

// A PostgreSQL server restarted (fast shutdown, then start) while several sessions commit:
// no acknowledged commit is lost, no commit reported as failed is in the table (unless its
// outcome was reported unknown), every failure is a typed orca error, and every session
// commits again afterwards. The test runs a throwaway server of its own
// (scripts/pg-throwaway.sh), so that the restart disturbs no other test; every reported
// outcome is checked against the table through an independent connection.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/own_server.hpp"

using namespace std::chrono_literals;
using orca::test::own_server;
using seed::A;

namespace {

constexpr int writers = 8;
constexpr int commits_after_restart = 3;  ///< each writer's proof that its session works again

// What each commit reported: the row's data, and the error code (none: committed).
struct outcomes {
  std::atomic<bool> resumed{false};
  std::mutex mutex;
  std::vector<std::pair<std::string, orca::errc>> reported;
  std::vector<std::string> messages;  ///< one per failure code, the first seen
  int finished = 0;                   ///< writers that committed again after the restart

  void note(std::string data, orca::errc code, const std::string& message = {}) {
    std::lock_guard lock{mutex};
    if (code != orca::errc::none &&
        std::none_of(reported.begin(), reported.end(), [&](const auto& r) { return r.second == code; }))
      messages.push_back(std::string{orca::to_string(code)} + ": " + message);
    reported.emplace_back(std::move(data), code);
  }
};

orca::task<void> writer(orca::async_sessionmaker make, int id, outcomes* out) {
  auto session = make();
  int committed_after = 0;
  for (int i = 0; committed_after < commits_after_restart && i < 100000; ++i) {
    bool after_restart = out->resumed;
    auto data = "w" + std::to_string(id) + "-" + std::to_string(i);
    bool failed = false;
    try {
      session.add(A{.data = data});
      co_await session.commit();
      out->note(data, orca::errc::none);
      if (after_restart) ++committed_after;
    } catch (const orca::error& e) {
      out->note(data, e.code(), e.what());
      failed = true;
    }
    if (failed) co_await session.rollback();  // always succeeds, and the session goes on
  }
  co_await session.close();
  std::lock_guard lock{out->mutex};
  out->finished += committed_after == commits_after_restart ? 1 : 0;
}

}  // namespace

TEST_CASE("a PostgreSQL server restarted under writers loses no acknowledged commit and every failure is typed",
          "[actors][session][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(target,
                                         "PostgreSQL only: an embedded SQLite database has no server to restart"))
    return;
  own_server server;
  REQUIRE_THAT(server.url(), Catch::StartsWith("postgresql://"));
  outcomes out;
  std::thread restarter;
  actor_test::run(
      [](orca::engine engine, own_server* server, outcomes* out, std::thread* restarter) -> orca::task<void> {
        co_await actor_test::reset_seed_schema(engine);
        auto make = orca::async_sessionmaker(engine);
        *restarter = std::thread([server, out] {
          std::this_thread::sleep_for(300ms);  // the writers are busy
          server->halt();
          std::this_thread::sleep_for(1s);  // the server is down: connecting fails
          server->resume();
          out->resumed = true;
        });
        std::vector<orca::task<void>> workers;
        for (int id = 0; id < writers; ++id) workers.push_back(writer(make, id, out));
        co_await orca::when_all(std::move(workers));
        co_await engine.dispose();
      }(orca::create_engine(server.url(), {.pool_size = writers, .request_timeout = 3s}), &server, &out, &restarter));
  restarter.join();

  // Every outcome against the table.
  auto check = orca::drivers::connect(orca::parse_url(server.url()));
  std::map<std::string, std::int64_t> stored;
  auto rows = check->execute("SELECT data, count(*) FROM a GROUP BY data");
  for (std::size_t r = 0; r < rows.size(); ++r) stored[rows.at(r, 0).as_text()] = rows.at(r, 1).as_integer();
  std::map<orca::errc, int> by_code;
  int committed = 0, lost = 0, wrongly_committed = 0, in_doubt_committed = 0;
  for (auto& [data, code] : out.reported) {
    ++by_code[code];
    auto found = stored.count(data) != 0 ? stored[data] : 0;
    CHECK(found <= 1);
    if (code == orca::errc::none) {
      ++committed;
      if (found != 1) ++lost;
    } else if (code == orca::errc::commit_outcome_unknown) {
      in_doubt_committed += static_cast<int>(found);
    } else if (found != 0) {
      ++wrongly_committed;
    }
  }
  for (auto& [code, count] : by_code) UNSCOPED_INFO(orca::to_string(code) << ": " << count);
  for (auto& message : out.messages) UNSCOPED_INFO(message);
  CHECK(lost == 0);               // no acknowledged commit lost
  CHECK(wrongly_committed == 0);  // no commit reported as failed is in the table
  std::int64_t total = 0;
  for (auto& [data, count] : stored) total += count;
  CHECK(total == committed + in_doubt_committed);  // nothing else was written
  // The restart hit the writers, and each failure was one of the typed outage errors.
  CHECK(out.reported.size() > static_cast<std::size_t>(committed));
  for (auto& [code, count] : by_code)
    CHECK((code == orca::errc::none || code == orca::errc::connection_lost || code == orca::errc::connection_failed ||
           code == orca::errc::commit_outcome_unknown));
  CHECK(out.finished == writers);  // every session committed again after the restart
}

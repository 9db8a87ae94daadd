// The connection actor on its own, without a pool or a session: statements, transactions,
// batches and cursors through its typed messages, failures as typed error replies, and a
// PostgreSQL connection found broken answering first and then quitting. Effects checked
// through an independent connection.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/connection_actor.hpp"
#include "orca/actors/runtime.hpp"
#include "support/backends.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;

namespace {

// One request from a test thread: the reply, or the orca error it failed with.
template <class T>
struct reply {
  std::optional<T> value;
  orca::errc code = orca::errc::none;
  std::string message;
};

template <class T, class... Ts>
reply<T> ask(caf::scoped_actor& self, const connection_actor& c, Ts&&... xs) {
  reply<T> result;
  self->request(c, 10s, std::forward<Ts>(xs)...)
      .receive([&](T& value) { result.value = std::move(value); },
               [&](caf::error& e) {
                 auto failure = from_caf_error(e, "the connection test");
                 result.code = failure.code();
                 result.message = failure.what();
               });
  return result;
}

std::int64_t count_rows(orca::drivers::connection& c) {
  return c.execute("SELECT count(*) FROM t").at(0, 0).as_integer();
}

}  // namespace

TEST_CASE("a connection actor on its own runs statements, transactions, batches and cursors from typed messages",
          "[actors][connection]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto check = target.connect();
  check->execute_script("DROP TABLE IF EXISTS t");  // each SECTION starts afresh
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  auto c = spawn_connection(rt->system(), orca::parse_url(target.url), {}).actor;

  auto unopened = ask<connection_status>(self, c, status_atom::value);
  REQUIRE(unopened.value);
  CHECK_FALSE(unopened.value->open);  // nothing asked of it yet: not connected
  REQUIRE(ask<orca::drivers::rowset>(self, c, execute_atom::value,
                                     std::string{"CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"},
                                     orca::params{})
              .value);
  auto opened = ask<connection_status>(self, c, status_atom::value);
  REQUIRE(opened.value);
  CHECK(opened.value->open);
  CHECK_FALSE(opened.value->in_transaction);

  SECTION("a committed transaction is seen from outside only after COMMIT") {
    REQUIRE(ask<ok_atom>(self, c, begin_atom::value).value);
    auto inserted = ask<orca::drivers::rowset>(self, c, execute_atom::value,
                                               std::string{"INSERT INTO t (id, v) VALUES ($1, $2)"},
                                               orca::params{std::int64_t{1}, "one"});
    REQUIRE(inserted.value);
    CHECK(inserted.value->affected_rows == 1);
    auto many = ask<std::int64_t>(self, c, many_atom::value, std::string{"INSERT INTO t (id, v) VALUES ($1, $2)"},
                                  parameter_sets{{std::int64_t{2}, "two"}, {std::int64_t{3}, "three"}});
    REQUIRE(many.value);
    CHECK(*many.value == 2);
    auto during = ask<connection_status>(self, c, status_atom::value);
    REQUIRE(during.value);
    CHECK(during.value->in_transaction);
    CHECK(count_rows(*check) == 0);
    REQUIRE(ask<ok_atom>(self, c, commit_atom::value).value);
    auto after = ask<connection_status>(self, c, status_atom::value);
    REQUIRE(after.value);
    CHECK_FALSE(after.value->in_transaction);
    CHECK(after.value->last_commit == commit_result::committed);
    CHECK(count_rows(*check) == 3);

    // A batch answers one rowset per statement, in order.
    auto batch = ask<rowset_list>(
        self, c, batch_atom::value,
        statement_list{{"SELECT count(*) FROM t", {}}, {"SELECT v FROM t WHERE id = $1", {std::int64_t{2}}}});
    REQUIRE(batch.value);
    REQUIRE(batch.value->size() == 2);
    CHECK(batch.value->at(0).at(0, 0).as_integer() == 3);
    CHECK(batch.value->at(1).at(0, 0).as_text() == "two");

    // A cursor hands its rows out n at a time and closes itself once exhausted.
    REQUIRE(ask<ok_atom>(self, c, begin_atom::value).value);
    auto cursor = ask<std::uint64_t>(self, c, cursor_atom::value, std::string{"SELECT id FROM t ORDER BY id"},
                                     orca::params{});
    REQUIRE(cursor.value);
    std::vector<std::int64_t> ids;
    std::vector<std::size_t> batches;
    bool more = true;
    for (int i = 0; i < 5 && more; ++i)
      self->request(c, 10s, fetch_atom::value, *cursor.value, std::uint64_t{2})
          .receive(
              [&](orca::drivers::rowset& rows, bool has_more) {
                for (std::size_t r = 0; r < rows.size(); ++r) ids.push_back(rows.at(r, 0).as_integer());
                batches.push_back(rows.size());
                more = has_more;
              },
              [&](caf::error& e) {
                FAIL_CHECK(from_caf_error(e, "fetch").what());
                more = false;
              });
    CHECK(ids == std::vector<std::int64_t>{1, 2, 3});
    CHECK(batches.size() <= 3);  // 2, 1 and maybe an empty batch that finds the end
    CHECK((batches.at(0) == 2 && batches.at(1) == 1));
    // Exhausted, the cursor closed itself: a fetch now is refused.
    auto refused = orca::errc::none;
    self->request(c, 10s, fetch_atom::value, *cursor.value, std::uint64_t{2})
        .receive([&](orca::drivers::rowset&, bool) {},
                 [&](caf::error& e) { refused = from_caf_error(e, "fetch").code(); });
    CHECK(refused != orca::errc::none);
    CHECK(ask<ok_atom>(self, c, close_atom::value, *cursor.value).value);  // closing again does nothing
    REQUIRE(ask<ok_atom>(self, c, commit_atom::value).value);
  }

  SECTION(
      "a transaction's last statements and COMMIT in one message; a checked statement that misses commits nothing") {
    const std::string insert = "INSERT INTO t (id, v) VALUES ($1, $2)";
    const std::string update = "UPDATE t SET v = $1 WHERE id = $2";
    REQUIRE(ask<ok_atom>(self, c, begin_atom::value).value);
    auto done = ask<rowset_list>(self, c, batch_atom::value, commit_atom::value,
                                 statement_list{{insert, {std::int64_t{1}, "one"}}, {update, {"uno", std::int64_t{1}}}},
                                 expected_counts{-1, 1});
    REQUIRE(done.value);
    REQUIRE(done.value->size() == 2);
    CHECK(done.value->at(1).affected_rows == 1);
    auto after = ask<connection_status>(self, c, status_atom::value);
    REQUIRE(after.value);
    CHECK_FALSE(after.value->in_transaction);
    CHECK(after.value->last_commit == commit_result::committed);
    CHECK(check->execute("SELECT v FROM t WHERE id = 1").at(0, 0).as_text() == "uno");

    REQUIRE(ask<ok_atom>(self, c, begin_atom::value).value);
    auto stale = ask<rowset_list>(
        self, c, batch_atom::value, commit_atom::value,
        statement_list{{insert, {std::int64_t{2}, "two"}}, {update, {"gone", std::int64_t{9}}}},
        expected_counts{-1, 1});
    CHECK_FALSE(stale.value);
    CHECK(stale.code == orca::errc::stale_data);
    CHECK_THAT(stale.message, Catch::Contains(update));
    REQUIRE(ask<ok_atom>(self, c, rollback_atom::value).value);
    CHECK(count_rows(*check) == 1);  // the INSERT before the stale UPDATE was not committed
  }

  SECTION("a rolled-back transaction leaves nothing, from outside or inside") {
    REQUIRE(ask<ok_atom>(self, c, begin_atom::value).value);
    REQUIRE(ask<orca::drivers::rowset>(self, c, execute_atom::value,
                                       std::string{"INSERT INTO t (id, v) VALUES (1, 'never')"}, orca::params{})
                .value);
    REQUIRE(ask<ok_atom>(self, c, rollback_atom::value).value);
    auto inside = ask<orca::drivers::rowset>(self, c, execute_atom::value, std::string{"SELECT count(*) FROM t"},
                                             orca::params{});
    REQUIRE(inside.value);
    CHECK(inside.value->at(0, 0).as_integer() == 0);
    CHECK(count_rows(*check) == 0);
  }

  SECTION("a failed statement is a typed error reply and the actor goes on") {
    auto bad = ask<orca::drivers::rowset>(self, c, execute_atom::value, std::string{"SELEC 1"}, orca::params{});
    CHECK_FALSE(bad.value);
    CHECK(bad.code == orca::errc::statement_error);
    CHECK_THAT(bad.message, Catch::Contains("SELEC 1"));
    REQUIRE(ask<orca::drivers::rowset>(self, c, execute_atom::value,
                                       std::string{"INSERT INTO t (id, v) VALUES (1, 'first')"}, orca::params{})
                .value);
    auto duplicate = ask<orca::drivers::rowset>(
        self, c, execute_atom::value, std::string{"INSERT INTO t (id, v) VALUES (1, 'again')"}, orca::params{});
    CHECK_FALSE(duplicate.value);
    CHECK(duplicate.code == orca::errc::constraint_violation);
    auto alive = ask<bool>(self, c, ping_atom::value);
    REQUIRE(alive.value);
    CHECK(*alive.value);
    CHECK(check->execute("SELECT v FROM t").at(0, 0).as_text() == "first");
  }

  caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
}

TEST_CASE("a PostgreSQL connection actor whose backend is killed answers connection_lost, then quits",
          "[actors][connection][fault][postgresql]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  if (orca::test::skip_unless_postgresql(target,
                                         "PostgreSQL only: a SQLite connection has no server that could end it"))
    return;
  auto rt = runtime::get();
  caf::scoped_actor self{rt->system()};
  auto c = spawn_connection(rt->system(), orca::parse_url(target.url), {}).actor;
  auto pid = ask<orca::drivers::rowset>(self, c, execute_atom::value, std::string{"SELECT pg_backend_pid()"},
                                        orca::params{});
  REQUIRE(pid.value);
  self->monitor(c);
  auto admin = target.connect();
  REQUIRE(admin->execute("SELECT pg_terminate_backend($1::int, 10000)", {pid.value->at(0, 0)}).at(0, 0) ==
          orca::value{true});
  auto lost = ask<orca::drivers::rowset>(self, c, execute_atom::value, std::string{"SELECT 1"}, orca::params{});
  CHECK_FALSE(lost.value);
  CHECK(lost.code == orca::errc::connection_lost);
  bool down = false;
  self->receive([&](caf::down_msg& d) { down = d.source == c.address(); }, caf::after(10s) >> [] {});
  CHECK(down);
}

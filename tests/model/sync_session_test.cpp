// Tests of orca::sync_session's transaction protocol on every backend: the seed's add_all /
// commit flow, the UPDATE of a changed attribute, expire_on_commit, failed flushes and
// rollback. Database effects are read back through a second connection.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"
#include "model/session_test_support.hpp"

using seed::A;
using seed::B;
using session_test::new_a;
using session_test::object_of;
using session_test::recording_connection;
using session_test::reset_schema;
using session_test::scalar;

namespace sync_session_test {

/// A class with a UNIQUE column, to make a flush fail on demand.
struct U {
  std::int64_t id = 0;
  std::string name;
};
void orca_table(orca::table_builder<U>& t) {
  t.table("u");
  t.column("id", &U::id).primary_key();
  t.column("name", &U::name).unique();
}

/// A mapped class whose table the tests never create.
struct Missing {
  std::int64_t id = 0;
};
void orca_table(orca::table_builder<Missing>& t) {
  t.table("missing");
  t.column("id", &Missing::id).primary_key();
}

/// A new A with `data` (its collection left empty).

/// The seed's three As with 2, 1 and 2 Bs.
std::vector<std::shared_ptr<A>> seed_objects() {
  return {std::make_shared<A>(A{.data = "a1", .bs = {B{}, B{}}}), std::make_shared<A>(A{.data = "a2", .bs = {B{}}}),
          std::make_shared<A>(A{.data = "a3", .bs = {B{}, B{}}})};
}

}  // namespace sync_session_test

using namespace sync_session_test;

TEST_CASE("committing the seed's As saves their Bs and writes keys, server defaults and foreign keys back",
          "[session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());

  orca::sync_session s{{.expire_on_commit = false}};
  auto as = seed_objects();
  for (auto& a : as) s.add(object_of(a));
  auto before = std::chrono::system_clock::now();
  s.commit(*conn);

  CHECK(s.last_flush().inserted == 8);
  CHECK(s.transaction() == orca::sync_session::transaction_state::none);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 3);
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 5);
  std::vector<std::int64_t> keys;
  for (auto& a : as) {
    REQUIRE(a->id != 0);
    keys.push_back(a->id);
    CHECK(s.state_of(a.get()) == orca::object_state::persistent);
    // now() in UTC, written back from RETURNING.
    CHECK(a->create_date > before - std::chrono::minutes{5});
    CHECK(a->create_date < before + std::chrono::minutes{5});
    auto id = std::to_string(a->id);
    CHECK(check->execute("SELECT data FROM a WHERE id = " + id).at(0, 0).as_text() == *a->data);
    CHECK(check->execute("SELECT create_date FROM a WHERE id = " + id).at(0, 0).as_timestamp() == a->create_date);
    for (auto& b : a->bs) {
      CHECK(b->id != 0);
      CHECK(b->a_id == a->id);
      CHECK(scalar(*check, "SELECT a_id FROM b WHERE id = " + std::to_string(b->id)) == a->id);
    }
  }
  CHECK(keys[0] < keys[1]);  // inserted in add() order
  CHECK(keys[1] < keys[2]);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + std::to_string(as[0]->id)) == 2);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + std::to_string(as[1]->id)) == 1);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + std::to_string(as[2]->id)) == 2);
}

TEST_CASE("changing one attribute emits exactly one UPDATE of only that column", "[session][unit_of_work]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  reset_schema(conn, orca::metadata::of<A, B>());
  {
    orca::sync_session setup;
    for (auto& a : seed_objects()) setup.add(object_of(a));
    setup.commit(conn);
  }

  orca::sync_session s{{.expire_on_commit = false}};
  auto first = s.execute(conn, orca::select<A>().order_by(&A::id).limit(1).spec());
  REQUIRE(first.size() == 1);
  auto a1 = std::static_pointer_cast<A>(first.front().object);
  auto created = a1->create_date;
  a1->data = "new data";
  conn.clear();
  s.commit(conn);

  CHECK(s.last_flush().updated == 1);
  CHECK(s.last_flush().inserted == 0);
  CHECK(s.last_flush().statements == 1);
  REQUIRE(conn.count_starting_with("UPDATE") == 1);
  for (auto& sql : conn.statements()) {
    if (sql.rfind("UPDATE", 0) != 0) continue;
    INFO(sql);
    CHECK(sql.find("data") != std::string::npos);
    CHECK(sql.find("create_date") == std::string::npos);
  }
  CHECK(conn.count_starting_with("INSERT") == 0);
  CHECK(conn.count_starting_with("DELETE") == 0);

  auto check = target.connect();
  auto rows = check->execute("SELECT id, data, create_date FROM a ORDER BY id");
  REQUIRE(rows.size() == 3);
  CHECK(rows.at(0, 0).as_integer() == a1->id);
  CHECK(rows.at(0, 1).as_text() == "new data");
  CHECK(rows.at(0, 2).as_timestamp() == created);
  CHECK(rows.at(1, 1).as_text() == "a2");
  CHECK(rows.at(2, 1).as_text() == "a3");

  // Nothing changed since: the next commit writes nothing.
  conn.clear();
  s.commit(conn);
  CHECK(s.last_flush().statements == 0);
  CHECK(conn.count_starting_with("UPDATE") == 0);

  // A nullable column set back to NULL.
  a1->data.reset();
  s.commit(conn);
  CHECK(s.last_flush().updated == 1);
  CHECK(check->execute("SELECT data FROM a WHERE id = " + std::to_string(a1->id)).at(0, 0).is_null());
}

TEST_CASE("a change that is never committed leaves the database as it was", "[session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  {
    orca::sync_session setup;
    setup.add(object_of(new_a("a1")));
    setup.commit(*conn);
  }
  {
    orca::sync_session s;
    auto objects = s.execute(*conn, orca::select<A>().spec());
    REQUIRE(objects.size() == 1);
    std::static_pointer_cast<A>(objects.front().object)->data = "changed";
    s.flush(*conn);  // the UPDATE reaches the database, inside the open transaction
    CHECK(s.last_flush().updated == 1);
    CHECK(conn->execute("SELECT data FROM a").at(0, 0).as_text() == "changed");
    s.close(conn.get());
  }
  // The same connection would still see its own UPDATE had close() left the transaction open.
  CHECK_FALSE(conn->in_transaction());
  CHECK(conn->execute("SELECT data FROM a").at(0, 0).as_text() == "a1");
  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a").at(0, 0).as_text() == "a1");
}

TEST_CASE("with expire_on_commit a query after commit sees values another connection changed", "[session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  auto other = target.connect();

  SECTION("expire_on_commit = true refreshes the loaded object") {
    orca::sync_session s{{.expire_on_commit = true}};
    auto a = new_a("mine");
    s.add(object_of(a));
    s.commit(*conn);
    other->execute("UPDATE a SET data = 'theirs' WHERE id = " + std::to_string(a->id));
    auto again = s.execute(*conn, orca::select<A>().spec());
    REQUIRE(again.size() == 1);
    CHECK(again.front().object == a);
    CHECK(a->data == "theirs");
    s.commit(*conn);
    CHECK(s.last_flush().statements == 0);  // the refreshed snapshot is not a change
  }
  SECTION("expire_on_commit = false keeps the values the object had") {
    orca::sync_session s{{.expire_on_commit = false}};
    auto a = new_a("mine");
    s.add(object_of(a));
    s.commit(*conn);
    other->execute("UPDATE a SET data = 'theirs' WHERE id = " + std::to_string(a->id));
    auto again = s.execute(*conn, orca::select<A>().spec());
    REQUIRE(again.size() == 1);
    CHECK(again.front().object == a);
    CHECK(a->data == "mine");
  }
}

TEST_CASE("a constraint violation in a flush names the constraint, restores the objects and needs rollback()",
          "[session][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<U>());
  auto table = &orca::table_of<U>();
  {
    orca::sync_session setup;
    setup.add({table, std::make_shared<U>(U{.name = "taken"})});
    setup.commit(*conn);
  }

  orca::sync_session s;
  std::vector<std::shared_ptr<U>> batch;
  // Several INSERT batches succeed before the duplicate's batch fails.
  for (int i = 0; i < 2500; ++i) batch.push_back(std::make_shared<U>(U{.name = "u" + std::to_string(i)}));
  batch[2400]->name = "taken";
  for (auto& u : batch) s.add({table, u});

  try {
    s.flush(*conn);
    FAIL("the flush should have failed");
  } catch (const orca::error& e) {
    INFO(e.what());
    CHECK(e.code() == orca::errc::constraint_violation);
    CHECK(e.details().constraint.find("name") != std::string::npos);
    CHECK(std::string{e.what()}.find("name") != std::string::npos);
  }
  for (auto& u : batch) CHECK(u->id == 0);
  CHECK(batch[0]->name == "u0");
  CHECK(s.transaction() == orca::sync_session::transaction_state::failed);
  CHECK(s.state_of(batch[0].get()) == orca::object_state::pending);

  // Until rollback(), the session refuses work and says why.
  try {
    s.execute(*conn, orca::select<U>().spec());
    FAIL("the session should refuse work before rollback()");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::pending_rollback);
    CHECK(std::string{e.what()}.find("rollback()") != std::string::npos);
  }
  CHECK_THROWS_AS(s.commit(*conn), orca::error);
  CHECK_THROWS_AS(s.add({table, std::make_shared<U>(U{.name = "x"})}), orca::error);

  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM u") == 1);

  s.rollback(*conn);
  CHECK(s.transaction() == orca::sync_session::transaction_state::none);
  CHECK(s.state_of(batch[0].get()) == orca::object_state::transient);

  batch[2400]->name = "u2400";
  for (auto& u : batch) s.add({table, u});
  s.commit(*conn);
  CHECK(scalar(*check, "SELECT count(*) FROM u") == 2501);
  for (auto i : {0, 999, 1000, 2400, 2499}) {
    auto& u = batch[static_cast<std::size_t>(i)];
    CHECK(u->id != 0);
    CHECK(check->execute("SELECT name FROM u WHERE id = " + std::to_string(u->id)).at(0, 0).as_text() == u->name);
  }
}

TEST_CASE("a child whose foreign key points nowhere fails the flush and nothing of it is written",
          "[session][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());

  orca::sync_session s;
  auto a = std::make_shared<A>(A{.data = "parent", .bs = {B{.data = "child"}}});
  auto orphan = std::make_shared<B>(B{.a_id = 424242, .data = "orphan"});
  s.add(object_of(a));
  s.add({&orca::table_of<B>(), orphan});
  try {
    s.commit(*conn);
    FAIL("the commit should have failed");
  } catch (const orca::error& e) {
    INFO(e.what());
    CHECK(e.code() == orca::errc::constraint_violation);
  }
  CHECK(a->id == 0);
  CHECK(a->bs[0]->id == 0);
  CHECK(a->bs[0]->a_id == 0);  // set from the parent during the flush, then restored
  CHECK(orphan->id == 0);
  CHECK(orphan->a_id == 424242);
  CHECK(s.transaction() == orca::sync_session::transaction_state::failed);

  s.rollback(*conn);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 0);

  // Usable again: the parent and its child go in, the orphan stays out.
  auto child = a->bs[0];
  s.add(object_of(a));
  s.commit(*conn);
  CHECK(a->id != 0);
  CHECK(child->a_id == a->id);
  CHECK_FALSE(a->bs.is_loaded());  // expire_on_commit: the collection raises until reloaded
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 1);
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 1);
  CHECK(s.state_of(orphan.get()) == orca::object_state::transient);
}

TEST_CASE("a query the database rejects never lets commit() drop flushed rows silently", "[session][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto a = new_a("flushed before the failure");
  s.add(object_of(a));
  s.flush(*conn);
  try {
    s.execute(*conn, orca::select<Missing>().spec());
    FAIL("selecting from a missing table should fail");
  } catch (const orca::error& e) {
    INFO(e.what());
    CHECK(e.code() == orca::errc::statement_error);
    CHECK(std::string{e.what()}.find("missing") != std::string::npos);
  }
  // SQLite goes on; PostgreSQL has aborted the transaction, and COMMIT must say so.
  auto check = target.connect();
  bool committed = false;
  try {
    s.commit(*conn);
    committed = true;
  } catch (const orca::error& e) {
    INFO(e.what());
    CHECK(e.code() == orca::errc::pending_rollback);
    s.rollback(*conn);
  }
  CHECK(scalar(*check, "SELECT count(*) FROM a") == (committed ? 1 : 0));
  if (target.name == "sqlite") CHECK(committed);
  s.add(object_of(new_a("after")));
  s.commit(*conn);
  CHECK(scalar(*check, "SELECT count(*) FROM a WHERE data = 'after'") == 1);
}

TEST_CASE("a closed session refuses further work", "[session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s;
  auto a = new_a("a1");
  s.add(object_of(a));
  s.flush(*conn);
  s.close(conn.get());
  CHECK(s.transaction() == orca::sync_session::transaction_state::closed);
  CHECK_FALSE(conn->in_transaction());
  CHECK(s.objects().size() == 0);
  try {
    s.execute(*conn, orca::select<A>().spec());
    FAIL("a closed session should refuse queries");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::closed);
  }
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);  // close() rolled back
}

// Tests of the flush (orca::unit_of_work through orca::sync_session) on every backend:
// batched multi-row INSERT matching, UPDATE of stale rows, DELETE, refresh and rollback.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "model/session_test_support.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

using seed::A;
using seed::B;
using session_test::new_a;
using session_test::object_of;
using session_test::recording_connection;
using session_test::reset_schema;
using session_test::scalar;

namespace unit_of_work_test {

/// A new A with `data` (its collection left empty).

/// Every row of a as id -> data, read through `connection`.
std::map<std::int64_t, std::string> rows_of_a(orca::drivers::connection& connection) {
  std::map<std::int64_t, std::string> out;
  auto rows = connection.execute("SELECT id, data FROM a");
  for (std::size_t r = 0; r < rows.size(); ++r) out[rows.at(r, 0).as_integer()] = rows.at(r, 1).as_text();
  return out;
}

/// Commits `s`, whose one changed A lost its row to another connection: the commit fails
/// with stale_data naming the UPDATE, and the transaction is failed.
void commit_fails_stale(orca::sync_session& s, orca::drivers::connection& conn) {
  try {
    s.commit(conn);
    FAIL("the UPDATE should have matched no row");
  } catch (const orca::error& e) {
    INFO(e.what());
    CHECK(e.code() == orca::errc::stale_data);
    CHECK_THAT(e.message(), Catch::StartsWith("UPDATE of A matched 0 of 1 rows"));
  }
  CHECK(s.transaction() == orca::sync_session::transaction_state::failed);
}

}  // namespace unit_of_work_test

using namespace unit_of_work_test;

TEST_CASE("2,500 objects inserted in one flush each get the key of the row holding their data", "[unit_of_work]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  // Existing rows, so that keys do not start at 1.
  {
    orca::sync_session setup;
    for (int i = 0; i < 3; ++i) setup.add(object_of(new_a("old")));
    setup.commit(*conn);
  }

  orca::sync_session s{{.expire_on_commit = false}};
  std::vector<std::shared_ptr<A>> as;
  auto fixed = orca::timestamp{std::chrono::seconds{1'700'000'000}};
  for (int i = 0; i < 2500; ++i) {
    auto a = new_a("row " + std::to_string(i));
    if (i % 3 == 0) a->create_date = fixed;  // a second statement shape, interleaved
    as.push_back(a);
    s.add(object_of(a));
  }
  s.flush(*conn);
  CHECK(s.last_flush().inserted == 2500);
  CHECK(s.last_flush().statements == 3);  // 1666 rows in 1000 + 666, 834 in one
  s.commit(*conn);

  auto check = target.connect();
  auto rows = rows_of_a(*check);
  CHECK(rows.size() == 2503);
  std::size_t matched = 0;
  for (std::size_t i = 0; i < as.size(); ++i) {
    auto it = rows.find(as[i]->id);
    if (it != rows.end() && it->second == *as[i]->data)
      ++matched;
    else
      FAIL_CHECK("object " << i << " (key " << as[i]->id << ") does not match its row");
  }
  CHECK(matched == as.size());
  CHECK(scalar(*check, "SELECT count(*) FROM a WHERE create_date = (SELECT create_date FROM a WHERE data = 'row 0')") ==
        834);
  CHECK(as[1]->create_date != fixed);
  CHECK(as[1]->create_date != orca::timestamp{});
}

TEST_CASE("parents and children inserted in batches get matching foreign keys", "[unit_of_work]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false, .insert_batch_size = 7}};
  std::vector<std::shared_ptr<A>> as;
  for (int i = 0; i < 100; ++i) {
    auto name = std::to_string(i);
    as.push_back(std::make_shared<A>(A{.data = name, .bs = {B{.data = name}, B{.data = name}}}));
    s.add(object_of(as.back()));
  }
  s.commit(*conn);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 200);
  CHECK(scalar(*check, "SELECT count(*) FROM b JOIN a ON a.id = b.a_id WHERE a.data = b.data") == 200);
  for (auto& a : as)
    for (auto& b : a->bs) CHECK(b->a_id == a->id);
}

TEST_CASE("an INSERT refused among many statements fails the flush and leaves every object unsaved",
          "[unit_of_work][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  std::int64_t parent = 0;
  {
    orca::sync_session setup;
    auto a = new_a("parent");
    setup.add(object_of(a));
    setup.commit(*conn);
    parent = scalar(*conn, "SELECT id FROM a");
  }
  // 40 statements of 7 rows; PostgreSQL sends them 16 to a round trip, and the 30th refuses
  // its row 4 (no such parent): two round trips of statements went through before.
  orca::sync_session s{{.expire_on_commit = false, .insert_batch_size = 7}};
  std::vector<std::shared_ptr<B>> bs;
  for (int i = 0; i < 280; ++i) {
    bs.push_back(std::make_shared<B>(B{.a_id = i == 7 * 29 + 3 ? parent + 1000 : parent, .data = std::to_string(i)}));
    s.add(object_of(bs.back()));
  }
  try {
    s.flush(*conn);
    FAIL("the flush should fail");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::constraint_violation);
    // The server names the refused row's foreign key (SQLite names no column).
    if (target.name == "postgresql")
      CHECK_THAT(e.message(), Catch::Contains("(a_id)=(" + std::to_string(parent + 1000)));
  }
  CHECK(s.transaction() == orca::sync_session::transaction_state::failed);
  for (auto& b : bs) CHECK(b->id == 0);  // the keys the earlier statements returned are taken back
  s.rollback(*conn);
  CHECK(scalar(*target.connect(), "SELECT count(*) FROM b") == 0);
}

TEST_CASE("remove() deletes rows at the next flush, children before parents", "[unit_of_work][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  reset_schema(conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto a1 = std::make_shared<A>(A{.data = "a1", .bs = {B{}, B{}}});
  auto a2 = new_a("a2");
  s.add(object_of(a1));
  s.add(object_of(a2));
  s.commit(conn);

  // Parent first in the calls: the flush still deletes the children first (foreign keys).
  s.remove(object_of(a1));
  for (auto& b : a1->bs) s.remove(object_of(b));
  CHECK(s.state_of(a1.get()) == orca::object_state::deleted);
  conn.clear();
  s.commit(conn);
  CHECK(s.last_flush().deleted == 3);
  CHECK(conn.count_starting_with("DELETE") == 3);
  CHECK(s.state_of(a1.get()) != orca::object_state::persistent);
  auto check = target.connect();
  CHECK(rows_of_a(*check) == std::map<std::int64_t, std::string>{{a2->id, "a2"}});
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 0);

  // Removing a pending object just forgets it.
  auto a3 = new_a("a3");
  s.add(object_of(a3));
  s.remove(object_of(a3));
  s.commit(conn);
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 1);
  CHECK_THROWS_AS(s.remove(object_of(std::make_shared<A>())), orca::error);
}

TEST_CASE("rollback() expunges pending objects and brings deleted ones back", "[unit_of_work][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto kept = new_a("kept");
  auto unflushed_delete = new_a("deleted, not flushed");
  auto flushed_delete = new_a("deleted, flushed");
  for (auto& a : {kept, unflushed_delete, flushed_delete}) s.add(object_of(a));
  s.commit(*conn);
  auto flushed_delete_key = flushed_delete->id;

  auto inserted = new_a("inserted, flushed");
  auto pending = new_a("pending");
  s.add(object_of(inserted));
  s.remove(object_of(flushed_delete));
  kept->data = "changed";
  s.flush(*conn);
  CHECK(inserted->id != 0);
  CHECK(s.get(*conn, orca::table_of<A>(), flushed_delete_key).object == nullptr);
  s.add(object_of(pending));
  s.remove(object_of(unflushed_delete));
  s.rollback(*conn);

  CHECK(s.state_of(inserted.get()) == orca::object_state::transient);
  CHECK(inserted->id == 0);  // its row is gone, so is its key
  CHECK(inserted->create_date == orca::timestamp{});
  CHECK(s.state_of(pending.get()) == orca::object_state::transient);
  CHECK(s.state_of(unflushed_delete.get()) == orca::object_state::persistent);
  CHECK(s.state_of(flushed_delete.get()) == orca::object_state::persistent);
  CHECK(flushed_delete->id == flushed_delete_key);

  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 3);
  CHECK(check->execute("SELECT data FROM a WHERE id = " + std::to_string(kept->id)).at(0, 0).as_text() == "kept");

  // Rolled-back objects were expired: the next load puts the database's values back.
  s.execute(*conn, orca::select<A>().spec());
  CHECK(kept->data == "kept");
  auto again = s.get(*conn, orca::table_of<A>(), flushed_delete_key);
  CHECK(again.object == flushed_delete);
  s.commit(*conn);
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 3);
}

TEST_CASE("rollback() after inserting and deleting one object in a transaction leaves it transient",
          "[unit_of_work][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto a = new_a("short-lived");
  s.add(object_of(a));
  s.flush(*conn);
  auto key = a->id;
  CHECK(key != 0);
  s.remove(object_of(a));
  s.flush(*conn);
  s.rollback(*conn);
  CHECK(s.state_of(a.get()) == orca::object_state::transient);
  CHECK(a->id == 0);
  CHECK(s.get(*conn, orca::table_of<A>(), key).object == nullptr);
  s.commit(*conn);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);
}

TEST_CASE("refresh() reloads an object's columns and reports a row that is gone", "[unit_of_work][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto a = new_a("mine");
  s.add(object_of(a));
  s.commit(*conn);

  auto other = target.connect();
  other->execute("UPDATE a SET data = 'theirs' WHERE id = " + std::to_string(a->id));
  a->data = "unsaved";
  s.refresh(*conn, object_of(a));
  CHECK(a->data == "theirs");
  s.commit(*conn);
  CHECK(s.last_flush().statements == 0);  // the refreshed values are the snapshot

  other->execute("DELETE FROM a WHERE id = " + std::to_string(a->id));
  try {
    s.refresh(*conn, object_of(a));
    FAIL("refreshing a deleted row should fail");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::no_result);
  }
  CHECK_THROWS_AS(s.refresh(*conn, object_of(std::make_shared<A>())), orca::error);
}

TEST_CASE("an UPDATE of a row deleted by another connection fails with stale_data", "[unit_of_work][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto a = new_a("mine");
  s.add(object_of(a));
  s.commit(*conn);
  auto other = target.connect();
  other->execute("DELETE FROM a WHERE id = " + std::to_string(a->id));

  a->data = "changed";
  commit_fails_stale(s, *conn);
  s.rollback(*conn);
  CHECK(s.transaction() == orca::sync_session::transaction_state::none);
}

TEST_CASE(
    "a commit's last statements carry COMMIT where the backend pipelines, and a stale UPDATE there commits nothing",
    "[unit_of_work][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  bool pipelines = conn->sql_dialect().commits_with_statements();
  orca::sync_session s{{.expire_on_commit = false}};
  auto a = new_a("kept"), gone = new_a("gone");
  s.add(object_of(a));
  s.add(object_of(gone));
  s.commit(*conn);
  CHECK(s.last_flush().committed == pipelines);  // no child waits for their keys: COMMIT rides along
  CHECK(a->id != 0);
  auto check = target.connect();

  // An UPDATE and an INSERT whose parent is persistent: one round trip with COMMIT.
  a->data = "changed";
  auto child = std::make_shared<B>();
  child->a_id = a->id;
  child->data = "child";
  s.add(object_of(child));
  s.commit(*conn);
  CHECK(s.last_flush().committed == pipelines);
  CHECK(s.last_flush().updated == 1);
  CHECK(s.last_flush().inserted == 1);
  CHECK(s.transaction() == orca::sync_session::transaction_state::none);
  CHECK(child->id != 0);  // RETURNING's key, written back after COMMIT
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE id = " + std::to_string(child->id) + " AND data = 'child'") == 1);
  CHECK(rows_of_a(*check)[a->id] == "changed");

  // The same shape, but the UPDATE's row was deleted meanwhile: the INSERT after it in the
  // pipeline must not commit.
  check->execute("DELETE FROM a WHERE id = " + std::to_string(gone->id));
  gone->data = "changed too";
  auto orphan = std::make_shared<B>();
  orphan->a_id = a->id;
  orphan->data = "never committed";
  s.add(object_of(orphan));
  commit_fails_stale(s, *conn);
  CHECK(orphan->id == 0);  // put back as it was before the flush
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE data = 'never committed'") == 0);
  s.rollback(*conn);
  // The session goes on without the parent that is gone: the child commits now.
  s.expunge(object_of(gone));
  s.add(object_of(orphan));
  s.commit(*conn);
  CHECK(orphan->id != 0);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE data = 'never committed'") == 1);
}

TEST_CASE("autoflush: a query sees objects added but not yet flushed", "[unit_of_work][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s;
  auto a = new_a("pending");
  s.add(object_of(a));
  auto found = s.execute(*conn, orca::select<A>().where(orca::col(&A::data) == "pending").spec());
  REQUIRE(found.size() == 1);
  CHECK(found[0].object == a);
  CHECK(a->id != 0);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);  // flushed, not committed
  s.rollback(*conn);

  orca::sync_session manual{{.autoflush = false}};
  manual.add(object_of(new_a("pending")));
  CHECK(manual.execute(*conn, orca::select<A>().spec()).empty());
  manual.rollback(*conn);
}

TEST_CASE("a changed primary key of a persistent object is refused at the flush, and a savepoint gives it back",
          "[unit_of_work][session][snapshot]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto a = new_a("kept");
  s.add(object_of(a));
  s.commit(*conn);
  auto id = a->id;

  // The snapshot holds no key: the key member is compared with the record's key.
  a->id = id + 1000;
  a->data = "changed with the key";
  try {
    s.commit(*conn);
    FAIL("a flush wrote a changed primary key");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::invalid_state);
    CHECK_THAT(e.message(), Catch::Contains("primary key"));
  }
  auto check = target.connect();
  CHECK(rows_of_a(*check) == std::map<std::int64_t, std::string>{{id, "kept"}});
  s.rollback(*conn);

  // Inside a savepoint, the key member and the other columns come back as they were.
  a->id = id;
  a->data = "kept";
  orca::drive(s.begin_nested(conn->sql_dialect()), *conn);
  a->id = id + 2000;
  a->data = "inside";
  orca::drive(s.rollback_nested(), *conn);
  CHECK(a->id == id);
  CHECK(a->data == "kept");
  a->data = "after the savepoint";
  s.commit(*conn);
  CHECK(rows_of_a(*check) == std::map<std::int64_t, std::string>{{id, "after the savepoint"}});
}

// Tests of the insert journal through orca::sync_session on every backend: rollbacks after
// flushes large enough to span many of its blocks, savepoints that drop only their own
// entries, a failed flush that drops only its own, and old values kept aside (text).
// Database effects are read back through a second connection.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/sync_session.hpp"
#include "model/session_test_support.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

using seed::A;
using seed::B;
using session_test::reset_schema;
using session_test::scalar;

namespace insert_journal_test {

/// A class whose text column the database fills in: its old value is text.
struct ticket {
  std::int64_t id = 0;
  std::string status;  // "" is unset: the INSERT leaves it out and RETURNING fills it in
  std::int64_t priority = 0;
};

void orca_table(orca::table_builder<ticket>& t) {
  t.table("ticket");
  t.column("id", &ticket::id).primary_key();
  t.column("status", &ticket::status).server_default(orca::value{"open"});
  t.column("priority", &ticket::priority).server_default(orca::value{std::int64_t{3}});
}

/// A connection to `target` whose tables a and b are new and empty.
std::unique_ptr<orca::drivers::connection> empty_seed_tables(const orca::test::backend_target& target) {
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  return conn;
}

/// `n` new parents with two children each, added to `s`.
std::vector<std::shared_ptr<A>> add_families(orca::sync_session& s, int n, const std::string& tag) {
  std::vector<std::shared_ptr<A>> parents;
  for (int i = 0; i < n; ++i) {
    auto name = tag + std::to_string(i);
    parents.push_back(std::make_shared<A>(A{.data = name, .bs = {B{.data = name}, B{.data = name}}}));
    s.add({&orca::table_of<A>(), parents.back()});
  }
  return parents;
}

/// True when every parent and child is as it was before its INSERT was flushed.
bool as_before_insert(orca::sync_session& s, const std::vector<std::shared_ptr<A>>& parents) {
  for (auto& a : parents) {
    if (a->id != 0 || a->create_date != orca::timestamp{} || s.state_of(a.get()) != orca::object_state::transient)
      return false;
    for (auto& b : a->bs)
      if (b->id != 0 || b->a_id != 0 || s.state_of(b.get()) != orca::object_state::transient) return false;
  }
  return true;
}

/// True when every parent and child has a key, and each child its parent's.
bool flushed(const std::vector<std::shared_ptr<A>>& parents) {
  for (auto& a : parents) {
    if (a->id == 0 || a->create_date == orca::timestamp{}) return false;
    for (auto& b : a->bs)
      if (b->id == 0 || b->a_id != a->id) return false;
  }
  return true;
}

}  // namespace insert_journal_test

using namespace insert_journal_test;

TEST_CASE("a rollback after flushing 9,000 objects gives each its values from before its INSERT",
          "[insert_journal][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = empty_seed_tables(target);
  orca::sync_session s{{.expire_on_commit = false}};
  // Keys, create_date and foreign keys: 18,000 journal entries, several blocks of them.
  auto parents = add_families(s, 3000, "p");
  s.flush(*conn);
  REQUIRE(flushed(parents));
  s.rollback(*conn);
  CHECK(as_before_insert(s, parents));
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 0);

  // Nothing was lost: the same objects go in again.
  for (auto& a : parents) s.add({&orca::table_of<A>(), a});
  s.commit(*conn);
  CHECK(flushed(parents));
  CHECK(scalar(*check, "SELECT count(*) FROM b JOIN a ON a.id = b.a_id WHERE a.data = b.data") == 6000);
}

TEST_CASE("rolling back a savepoint resets the objects inserted inside it and keeps the journal of the others",
          "[insert_journal][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = empty_seed_tables(target);
  orca::sync_session s{{.expire_on_commit = false}};
  auto outer = add_families(s, 1000, "outer");
  s.flush(*conn);
  orca::drive(s.begin_nested(conn->sql_dialect()), *conn);
  auto inner = add_families(s, 2000, "inner");
  s.flush(*conn);
  REQUIRE(flushed(inner));
  orca::drive(s.rollback_nested(), *conn);
  CHECK(as_before_insert(s, inner));
  CHECK(flushed(outer));
  auto check = target.connect();

  SECTION("the transaction commits what was inserted outside the savepoint") {
    s.commit(*conn);
    CHECK(scalar(*check, "SELECT count(*) FROM a") == 1000);
    CHECK(scalar(*check, "SELECT count(*) FROM b JOIN a ON a.id = b.a_id WHERE a.data = b.data") == 2000);
  }
  SECTION("a rollback then resets the objects inserted before the savepoint too") {
    // New entries after the savepoint's rollback reuse the journal's dropped tail.
    auto late = add_families(s, 500, "late");
    s.flush(*conn);
    REQUIRE(flushed(late));
    s.rollback(*conn);
    CHECK(as_before_insert(s, outer));
    CHECK(as_before_insert(s, late));
    CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);
  }
}

TEST_CASE("a failed flush resets its own objects and leaves the journal of an earlier flush for rollback",
          "[insert_journal][session][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = empty_seed_tables(target);
  orca::sync_session s{{.expire_on_commit = false}};
  auto first = add_families(s, 300, "first");
  s.flush(*conn);
  REQUIRE(flushed(first));
  // The second flush inserts its parents and sets its children's foreign keys, then fails
  // on a child whose key is taken.
  auto second = add_families(s, 300, "second");
  std::int64_t taken = 0;
  for (auto& b : first.front()->bs) taken = b->id;
  auto clash = std::make_shared<B>(B{.id = taken, .a_id = first.front()->id, .data = "same key"});
  s.add({&orca::table_of<B>(), clash});
  CHECK_THROWS_AS(s.flush(*conn), orca::error);
  CHECK(s.transaction() == orca::sync_session::transaction_state::failed);
  for (auto& a : second) {
    CHECK(a->id == 0);
    CHECK(a->create_date == orca::timestamp{});
    for (auto& b : a->bs) CHECK(b->a_id == 0);
  }
  CHECK(clash->id == taken);  // given by the application, not written by the flush
  CHECK(flushed(first));
  s.rollback(*conn);
  CHECK(as_before_insert(s, first));
  CHECK(as_before_insert(s, second));
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);
}

TEST_CASE("a rollback gives back text values the database filled in", "[insert_journal][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<ticket>());
  orca::sync_session s{{.expire_on_commit = false}};
  std::vector<std::shared_ptr<ticket>> tickets;
  for (int i = 0; i < 5000; ++i) {
    // Every third one gives its status, every fifth its priority: rows of four column sets.
    tickets.push_back(std::make_shared<ticket>(
        ticket{.status = i % 3 == 0 ? "given" : "", .priority = i % 5 == 0 ? std::int64_t{9} : 0}));
    s.add({&orca::table_of<ticket>(), tickets.back()});
  }
  s.flush(*conn);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    CHECK(tickets[i]->id != 0);
    CHECK(tickets[i]->status == (i % 3 == 0 ? "given" : "open"));
    CHECK(tickets[i]->priority == (i % 5 == 0 ? 9 : 3));
  }
  s.rollback(*conn);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    CHECK(tickets[i]->id == 0);
    CHECK(tickets[i]->status == (i % 3 == 0 ? "given" : ""));
    CHECK(tickets[i]->priority == (i % 5 == 0 ? 9 : 0));
  }
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM ticket") == 0);
}

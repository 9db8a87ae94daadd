// Tests of write-only collections (orca::write_only<T>) through orca::sync_session on every
// backend: queued additions saved with their owner, select() once the owner has a key,
// removal (NULL foreign key, or a clear error when the column is NOT NULL).
#include <catch2/catch.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <set>
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

using seed_writeonly::A;
using seed_writeonly::B;
using session_test::reset_schema;
using session_test::scalar;

namespace write_only_test {

struct Child;
/// A parent whose children may be unlinked (their foreign key is nullable).
struct Parent {
  std::int64_t id = 0;
  std::string name;
  orca::write_only<Child> children;
};
/// A child that can exist without a parent.
struct Child {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;
  std::string name;
};
void orca_table(orca::table_builder<Parent>& t) {
  t.table("parent");
  t.column("id", &Parent::id).primary_key();
  t.column("name", &Parent::name);
  t.relationship("children", &Parent::children, &Child::parent_id);
}
void orca_table(orca::table_builder<Child>& t) {
  t.table("child");
  t.column("id", &Child::id).primary_key();
  t.column("parent_id", &Child::parent_id).foreign_key(&Parent::id);
  t.column("name", &Child::name);
}

orca::object_ref object_of(const std::shared_ptr<A>& a) { return {&orca::table_of<A>(), a}; }

std::set<std::string> data_of(const std::vector<orca::object_ref>& bs) {
  std::set<std::string> out;
  for (auto& b : bs) out.insert(std::static_pointer_cast<B>(b.object)->data.value_or("NULL"));
  return out;
}

}  // namespace write_only_test

using namespace write_only_test;

TEST_CASE("write-only additions from construction, add() and add_all() are saved with their owner", "[write_only]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());

  orca::sync_session s{{.expire_on_commit = false}};
  auto a1 = std::make_shared<A>(A{.data = "a1", .bs = {B{.data = "b1"}, B{.data = "b2"}}});
  std::list<B> more{B{.data = "b4"}, B{.data = "b5"}};
  auto a2 = std::make_shared<A>(A{.data = "a2", .bs = orca::write_only<B>(more)});
  a1->bs.add(B{.data = "b3"});
  a2->bs.add_all(std::vector<std::shared_ptr<B>>{std::make_shared<B>(B{.data = "b6"})});
  CHECK(a1->bs.pending_size() == 3);
  s.add(object_of(a1));
  s.add(object_of(a2));
  s.commit(*conn);
  CHECK(a1->bs.pending_size() == 0);

  auto check = target.connect();
  auto id1 = std::to_string(a1->id);
  auto id2 = std::to_string(a2->id);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + id1) == 3);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + id2) == 3);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + id2 + " AND data IN ('b4', 'b5', 'b6')") == 3);

  // Nothing queued any more: the next commit inserts nothing.
  s.commit(*conn);
  CHECK(s.last_flush().inserted == 0);
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 6);
}

TEST_CASE("a write-only collection's select() needs its owner's key and then returns its rows", "[write_only]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());

  orca::sync_session s{{.expire_on_commit = false}};
  auto a1 = std::make_shared<A>(A{.data = "a1", .bs = {B{.data = "b1"}, B{.data = "b2"}}});
  auto a2 = std::make_shared<A>(A{.data = "a2", .bs = {B{.data = "other"}}});
  s.add(object_of(a1));
  s.add(object_of(a2));
  try {
    (void)a1->bs.select();
    FAIL("select() before the owner has a key should throw");
  } catch (const orca::error& e) {
    INFO(e.what());
    CHECK(e.code() == orca::errc::invalid_state);
    CHECK(std::string{e.what()}.find("flush") != std::string::npos);
  }
  s.flush(*conn);
  auto bs = s.execute(*conn, a1->bs.select().spec());
  CHECK(data_of(bs) == std::set<std::string>{"b1", "b2"});
  for (auto& b : bs) CHECK(std::static_pointer_cast<B>(b.object)->a_id == a1->id);

  // Items queued after the flush are autoflushed before the select runs.
  a1->bs.add(B{.data = "b3"});
  CHECK(data_of(s.execute(*conn, a1->bs.select().spec())) == std::set<std::string>{"b1", "b2", "b3"});
  s.commit(*conn);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 4);
}

TEST_CASE("a loaded owner's write-only collection selects its rows and saves new items", "[write_only]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  {
    orca::sync_session setup;
    setup.add(object_of(std::make_shared<A>(A{.data = "a1", .bs = {B{.data = "b1"}}})));
    setup.commit(*conn);
  }
  orca::sync_session s;
  auto loaded = s.execute(*conn, orca::select<A>().spec());
  REQUIRE(loaded.size() == 1);
  auto a1 = std::static_pointer_cast<A>(loaded[0].object);
  CHECK(data_of(s.execute(*conn, a1->bs.select().spec())) == std::set<std::string>{"b1"});
  a1->bs.add(B{.data = "b2"});
  s.commit(*conn);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + std::to_string(a1->id)) == 2);
}

TEST_CASE("removing a write-only child sets its nullable foreign key to NULL", "[write_only]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<Parent, Child>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto p = std::make_shared<Parent>(
      Parent{.name = "p", .children = {Child{.parent_id = {}, .name = "c1"}, Child{.parent_id = {}, .name = "c2"}}});
  s.add({&orca::table_of<Parent>(), p});
  s.commit(*conn);

  auto children = s.execute(*conn, p->children.select().where(orca::col(&Child::name) == "c1").spec());
  REQUIRE(children.size() == 1);
  auto c1 = std::static_pointer_cast<Child>(children[0].object);
  p->children.remove(c1);
  s.commit(*conn);
  CHECK_FALSE(c1->parent_id.has_value());
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM child") == 2);
  CHECK(scalar(*check, "SELECT count(*) FROM child WHERE parent_id IS NULL AND name = 'c1'") == 1);
  CHECK(scalar(*check, "SELECT count(*) FROM child WHERE parent_id = " + std::to_string(p->id)) == 1);
}

TEST_CASE("removing a write-only child whose foreign key is NOT NULL fails with invalid_state",
          "[write_only][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s{{.expire_on_commit = false}};
  auto a1 = std::make_shared<A>(A{.data = "a1", .bs = {B{.data = "b1"}}});
  s.add(object_of(a1));
  s.commit(*conn);

  auto bs = s.execute(*conn, a1->bs.select().spec());
  REQUIRE(bs.size() == 1);
  auto b1 = std::static_pointer_cast<B>(bs[0].object);
  a1->bs.remove(b1);
  try {
    s.commit(*conn);
    FAIL("unlinking a NOT NULL foreign key should fail");
  } catch (const orca::error& e) {
    INFO(e.what());
    CHECK(e.code() == orca::errc::invalid_state);
    std::string message = e.what();
    CHECK(message.find("A.bs") != std::string::npos);
    CHECK(message.find("b.a_id") != std::string::npos);
    CHECK(message.find("NOT NULL") != std::string::npos);
    CHECK(message.find("remove()") != std::string::npos);
  }
  CHECK(b1->a_id == a1->id);

  // After rollback() the failed change is gone and the session works again.
  s.rollback(*conn);
  s.remove(bs[0]);
  s.commit(*conn);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 0);
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 1);
}

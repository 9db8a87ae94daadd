// Tests of loading through orca::sync_session on every backend: selectinload, lazy="raise",
// one object per primary key, and values that do not fit their members. Selectin batches are
// in selectin_batches_test.cpp, streams in stream_loading_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
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

using seed::A;
using seed::B;
using session_test::data_of;
using session_test::recording_connection;
using session_test::reset_schema;
using session_test::reset_with_seed;
using session_test::scalar;

namespace loading_test {

/// A class whose integer columns a raw INSERT can fill with what does not fit.
struct N {
  std::int64_t id = 0;
  std::int64_t n = 0;
  int small = 0;
};
void orca_table(orca::table_builder<N>& t) {
  t.table("n_values");
  t.column("id", &N::id).primary_key();
  t.column("n", &N::n);
  t.column("small", &N::small);
}

/// A new A with `data` (its collection left empty).

struct Owner;
/// A pet refers to its owner (many-to-one); the key may be NULL.
struct Pet {
  std::int64_t id = 0;
  std::optional<std::int64_t> owner_id;
  std::string name;
  orca::reference<Owner> owner;
};
/// The one side of Pet.owner.
struct Owner {
  std::int64_t id = 0;
  std::string name;
};
void orca_table(orca::table_builder<Owner>& t) {
  t.table("owner");
  t.column("id", &Owner::id).primary_key();
  t.column("name", &Owner::name);
}
void orca_table(orca::table_builder<Pet>& t) {
  t.table("pet");
  t.column("id", &Pet::id).primary_key();
  t.column("owner_id", &Pet::owner_id).foreign_key(&Owner::id);
  t.column("name", &Pet::name);
  t.relationship("owner", &Pet::owner, &Pet::owner_id);
}

}  // namespace loading_test

using namespace loading_test;

TEST_CASE("selectinload gives each A its Bs with one SELECT for a and one for b", "[loading]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  reset_with_seed(conn);

  orca::sync_session s{{.expire_on_commit = false}};
  conn.clear();
  auto objects = s.execute(conn, orca::select<A>().order_by(&A::id).options(orca::selectinload(&A::bs)).spec());
  CHECK(conn.count_starting_with("SELECT") == 2);
  REQUIRE(objects.size() == 3);
  std::vector<std::shared_ptr<A>> as;
  for (auto& o : objects) as.push_back(std::static_pointer_cast<A>(o.object));
  CHECK(as[0]->data == "a1");
  CHECK(data_of(as[0]->bs) == std::set<std::string>{"b1", "b2"});
  CHECK(data_of(as[1]->bs) == std::set<std::string>{"b3"});
  CHECK(data_of(as[2]->bs) == std::set<std::string>{"b4", "b5"});
  for (auto& a : as) {
    CHECK(a->create_date != orca::timestamp{});
    for (auto& b : a->bs) CHECK(b->a_id == a->id);
  }

  // One object per primary key: a second query hands back the same objects.
  auto again = s.execute(conn, orca::select<A>().order_by(orca::desc(&A::id)).spec());
  REQUIRE(again.size() == 3);
  CHECK(again[0].object == as[2]);
  CHECK(again[2].object == as[0]);
  auto bs = s.execute(conn, orca::select<B>().where(orca::col(&B::data) == "b3").spec());
  REQUIRE(bs.size() == 1);
  CHECK(bs[0].object == as[1]->bs[0]);
  CHECK(as[0]->bs.is_loaded());  // a later query without selectinload keeps a loaded collection
}

TEST_CASE("a many-to-one reference is saved before its referrer and loaded by selectinload",
          "[loading][unit_of_work]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<Owner, Pet>());
  {
    orca::sync_session setup;
    auto alice = std::make_shared<Owner>(Owner{.name = "alice"});
    for (auto name : {"rex", "tom"}) {
      auto pet = std::make_shared<Pet>();
      pet->name = name;
      pet->owner = alice;
      setup.add({&orca::table_of<Pet>(), pet});  // the owner joins by cascade
    }
    auto stray = std::make_shared<Pet>();
    stray->name = "stray";
    setup.add({&orca::table_of<Pet>(), stray});
    setup.commit(*conn);
    CHECK(alice->id != 0);
  }
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM owner") == 1);
  CHECK(scalar(*check, "SELECT count(*) FROM pet JOIN owner ON owner.id = pet.owner_id WHERE owner.name = 'alice'") ==
        2);

  orca::sync_session s;
  auto pets = s.execute(*conn,
                        orca::select<Pet>().order_by(&Pet::name).options(orca::selectinload(&Pet::owner)).spec());
  REQUIRE(pets.size() == 3);
  auto rex = std::static_pointer_cast<Pet>(pets[0].object);
  auto stray = std::static_pointer_cast<Pet>(pets[1].object);
  auto tom = std::static_pointer_cast<Pet>(pets[2].object);
  REQUIRE(rex->owner);
  CHECK(rex->owner->name == "alice");
  CHECK(rex->owner == tom->owner);
  CHECK(stray->owner == nullptr);
}

TEST_CASE("a collection loaded without selectinload raises not_loaded naming A.bs", "[loading]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_with_seed(*conn);

  orca::sync_session s;
  auto objects = s.execute(*conn, orca::select<A>().order_by(&A::id).spec());
  REQUIRE(objects.size() == 3);
  auto a1 = std::static_pointer_cast<A>(objects[0].object);
  CHECK(a1->data == "a1");  // columns are loaded
  CHECK_FALSE(a1->bs.is_loaded());
  try {
    (void)a1->bs.size();
    FAIL("touching an unloaded collection should throw");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::not_loaded);
    CHECK(std::string{e.what()}.find("A.bs") != std::string::npos);
  }
  CHECK_THROWS_AS(a1->bs.begin(), orca::error);
  CHECK_THROWS_AS(a1->bs.add(B{}), orca::error);
  auto raised = s.execute(*conn, orca::select<A>().options(orca::raiseload(&A::bs)).spec());
  REQUIRE(raised.size() == 3);
  CHECK_THROWS_AS(std::static_pointer_cast<A>(raised[1].object)->bs.empty(), orca::error);

  // An unloaded collection is not an empty one: flushing must not unlink its rows.
  s.commit(*conn);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 5);
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id IS NULL") == 0);

  // Asking for it loads it into the same object.
  auto loaded = s.execute(*conn, orca::select<A>().order_by(&A::id).options(orca::selectinload(&A::bs)).spec());
  CHECK(loaded[0].object == a1);
  CHECK(a1->bs.size() == 2);
}

TEST_CASE("a value that does not fit its member fails the load with type_mismatch naming table.column",
          "[loading][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<N>());
  auto other = target.connect();

  SECTION("text in an integer column") {
    // SQLite stores what it is given; PostgreSQL needs the column's type changed first.
    if (target.name == "postgresql") other->execute_script("ALTER TABLE n_values ALTER COLUMN n TYPE text");
    other->execute("INSERT INTO n_values (id, n, small) VALUES (1, 'not a number', 1)");
    orca::sync_session s;
    try {
      s.execute(*conn, orca::select<N>().spec());
      FAIL("loading text into an integer member should fail");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::type_mismatch);
      CHECK(std::string{e.what()}.find("n_values.n") != std::string::npos);
    }
    CHECK_THROWS_AS(s.get(*conn, orca::table_of<N>(), 1), orca::error);
  }
  SECTION("an integer too large for an int member") {
    other->execute("INSERT INTO n_values (id, n, small) VALUES (1, 1, 1099511627776)");
    orca::sync_session s;
    try {
      s.execute(*conn, orca::select<N>().spec());
      FAIL("loading 2^40 into an int member should fail");
    } catch (const orca::error& e) {
      INFO(e.what());
      CHECK(e.code() == orca::errc::type_mismatch);
      CHECK(std::string{e.what()}.find("n_values.small") != std::string::npos);
    }
  }
  SECTION("a reload that fails leaves the loaded object whole: its later changes are flushed") {
    other->execute("INSERT INTO n_values (id, n, small) VALUES (1, 1, 1)");
    orca::sync_session s;
    auto loaded = s.execute(*conn, orca::select<N>().spec());
    REQUIRE(loaded.size() == 1);
    auto n = std::static_pointer_cast<N>(loaded[0].object);
    s.commit(*conn);  // expires n: the next load of its row overwrites it
    other->execute("UPDATE n_values SET small = 1099511627776 WHERE id = 1");
    CHECK_THROWS_AS(s.execute(*conn, orca::select<N>().spec()), orca::error);
    s.rollback(*conn);
    other->execute("UPDATE n_values SET small = 2 WHERE id = 1");
    auto again = s.execute(*conn, orca::select<N>().spec());
    REQUIRE(again.size() == 1);
    CHECK(again[0].object == loaded[0].object);
    CHECK(n->small == 2);
    n->n = 42;
    s.commit(*conn);
    CHECK(scalar(*other, "SELECT n FROM n_values WHERE id = 1") == 42);
  }
}

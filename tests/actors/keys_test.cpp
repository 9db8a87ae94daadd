// Primary keys of any mapped type through sessions: UUID, text and composite keys through
// get, update and delete, and foreign keys to a UUID and to a composite key, on every backend.
// Every effect is read back through a second, raw connection.
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

namespace {

struct account {
  orca::uuid id{};
  std::string email{};
};

void orca_table(orca::table_builder<account>& t) {
  t.table("account");
  t.column("id", &account::id).primary_key();
  t.column("email", &account::email).unique();
}

struct note {
  std::int64_t id = 0;
  orca::uuid author_id{};
  std::string body{};
  orca::reference<account> author{};
};

void orca_table(orca::table_builder<note>& t) {
  t.table("note");
  t.column("id", &note::id).primary_key();
  t.column("author_id", &note::author_id).foreign_key(&account::id);
  t.column("body", &note::body);
  t.relationship("author", &note::author, &note::author_id);
}

struct country {
  std::string code{};
  std::string name{};
};

void orca_table(orca::table_builder<country>& t) {
  t.table("country");
  t.column("code", &country::code).primary_key();
  t.column("name", &country::name);
}

struct enrollment {
  std::int64_t course = 0;
  std::string student{};
  std::int64_t grade = 0;
};

void orca_table(orca::table_builder<enrollment>& t) {
  t.table("enrollment");
  t.column("course", &enrollment::course).primary_key();
  t.column("student", &enrollment::student).primary_key();
  t.column("grade", &enrollment::grade);
}

struct remark {
  std::int64_t id = 0;
  std::int64_t course = 0;
  std::string student{};
  std::string text{};
};

void orca_table(orca::table_builder<remark>& t) {
  t.table("remark");
  t.column("id", &remark::id).primary_key();
  t.column("course", &remark::course);
  t.column("student", &remark::student);
  t.column("text", &remark::text);
  t.foreign_key(std::tuple{&remark::course, &remark::student}, std::tuple{&enrollment::course, &enrollment::student});
}

auto schema() { return orca::metadata::of<account, note, country, enrollment, remark>(); }

orca::task<void> reset_schema(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    schema().drop_all(c);
    schema().create_all(c);
  });
}

// The stored UUID as text, whatever the backend stores (SQLite: a 16-byte blob).
std::string stored_uuid(const orca::value& x) { return orca::to_string(x.as_uuid()); }

// Commits enrollments (1, ann, 10), (1, bob, 11) and (2, ann, 12).
orca::task<void> add_enrollments(orca::async_sessionmaker make) {
  auto writer = make();
  writer.add(enrollment{.course = 1, .student = "ann", .grade = 10});
  writer.add(enrollment{.course = 1, .student = "bob", .grade = 11});
  writer.add(enrollment{.course = 2, .student = "ann", .grade = 12});
  co_await writer.commit();
  co_await writer.close();
}

// Commits what the session holds and expects the database to refuse it with
// constraint_violation; the session is rolled back.
orca::task<void> expect_constraint_violation(orca::async_session& session, std::string what) {
  try {
    co_await session.commit();
    FAIL_CHECK(what << " was committed");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::constraint_violation);
  }
  co_await session.rollback();
}

}  // namespace

TEST_CASE("a UUID-keyed class goes through get, update and delete", "[actors][keys]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto id = orca::uuid::random_v4();
  actor_test::run([](orca::engine engine, orca::uuid id) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto writer = make();
      writer.add(account{.id = id, .email = "ann@example.org"});
      writer.add(account{.id = orca::uuid::random_v4(), .email = "bob@example.org"});
      co_await writer.commit();
    }
    auto session = make();
    auto ann = co_await session.get<account>(id);
    REQUIRE(ann != nullptr);
    CHECK(ann->id == id);
    CHECK(ann->email == "ann@example.org");
    auto again = co_await session.get<account>(id);
    CHECK(again == ann);  // the identity map, keyed by UUID
    auto missing = co_await session.get<account>(orca::uuid::random_v4());
    CHECK(missing == nullptr);
    ann->email = "ann@example.com";
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), id));
  auto raw = target.connect();
  auto rows = raw->execute("SELECT id, email FROM account WHERE email LIKE 'ann@%'");
  REQUIRE(rows.size() == 1);
  CHECK(stored_uuid(rows.at(0, 0)) == orca::to_string(id));
  CHECK(rows.at(0, 1).as_text() == "ann@example.com");
  if (target.name == "sqlite") {
    CHECK(raw->execute("SELECT typeof(id), length(id) FROM account LIMIT 1").at(0, 0).as_text() == "blob");
    CHECK(raw->execute("SELECT length(id) FROM account LIMIT 1").at(0, 0).as_integer() == 16);
  } else {
    CHECK(raw->execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'account' AND "
                       "column_name = 'id' AND table_schema = current_schema()")
              .at(0, 0)
              .as_text() == "uuid");
    CHECK(raw->execute("SELECT id::text FROM account WHERE email = 'ann@example.com'").at(0, 0).as_text() ==
          orca::to_string(id));
  }

  actor_test::run([](orca::engine engine, orca::uuid id) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    auto ann = co_await session.get<account>(id);
    REQUIRE(ann != nullptr);
    co_await session.remove(ann);
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), id));
  CHECK(raw->execute("SELECT count(*) FROM account").at(0, 0).as_integer() == 1);
  CHECK(raw->execute("SELECT email FROM account").at(0, 0).as_text() == "bob@example.org");
}

TEST_CASE("a text-keyed class goes through get, update and delete", "[actors][keys]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto writer = make();
      writer.add(country{.code = "fr", .name = "France"});
      writer.add(country{.code = "de", .name = "Germany"});
      writer.add(country{.code = "it", .name = "Italy"});
      co_await writer.commit();
    }
    auto session = make();
    // Keys are named objects: g++ 12 destroys non-trivial temporaries in a co_await operand twice.
    std::string fr_code = "fr", es_code = "es", de_code = "de";
    auto fr = co_await session.get<country>(fr_code);
    REQUIRE(fr != nullptr);
    CHECK(fr->name == "France");
    auto es = co_await session.get<country>(es_code);
    CHECK(es == nullptr);
    fr->name = "République française";
    auto de = co_await session.get<country>(de_code);
    REQUIRE(de != nullptr);
    co_await session.remove(de);
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto raw = target.connect();
  auto rows = raw->execute("SELECT code, name FROM country ORDER BY code");
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0).as_text() == "fr");
  CHECK(rows.at(0, 1).as_text() == "République française");
  CHECK(rows.at(1, 0).as_text() == "it");
  CHECK(rows.at(1, 1).as_text() == "Italy");
}

TEST_CASE("a composite-keyed class goes through get, update and delete", "[actors][keys]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    co_await add_enrollments(make);
    auto session = make();
    // Keys are named objects: g++ 12 destroys non-trivial temporaries in a co_await operand twice.
    auto key = std::tuple{std::int64_t{1}, std::string{"ann"}};
    auto other_key = std::tuple{std::int64_t{2}, std::string{"ann"}};
    auto missing_key = std::tuple{std::int64_t{2}, std::string{"bob"}};
    auto bob_key = std::tuple{std::int64_t{1}, std::string{"bob"}};
    auto first = co_await session.get<enrollment>(key);
    REQUIRE(first != nullptr);
    CHECK(first->grade == 10);
    auto again = co_await session.get<enrollment>(key);
    CHECK(again == first);
    auto other = co_await session.get<enrollment>(other_key);
    REQUIRE(other != nullptr);
    CHECK(other->grade == 12);
    auto missing = co_await session.get<enrollment>(missing_key);
    CHECK(missing == nullptr);
    first->grade = 20;
    auto bob = co_await session.get<enrollment>(bob_key);
    REQUIRE(bob != nullptr);
    co_await session.remove(bob);
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto raw = target.connect();
  auto rows = raw->execute("SELECT course, student, grade FROM enrollment ORDER BY course, student");
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0).as_integer() == 1);
  CHECK(rows.at(0, 1).as_text() == "ann");
  CHECK(rows.at(0, 2).as_integer() == 20);
  CHECK(rows.at(1, 0).as_integer() == 2);
  CHECK(rows.at(1, 2).as_integer() == 12);
  // The key is one constraint over both columns: the same pair again is refused.
  CHECK_THROWS_AS(raw->execute("INSERT INTO enrollment (course, student, grade) VALUES (1, 'ann', 0)"), orca::error);
  raw->execute("INSERT INTO enrollment (course, student, grade) VALUES (1, 'bob', 0)");
}

TEST_CASE("get refuses a key whose type differs from the primary key columns", "[actors][keys]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto refused = [&]<class T, class K>(K key) -> orca::task<void> {
      try {
        co_await session.get<T>(key);
        FAIL_CHECK("get accepted a key of the wrong type");
      } catch (const orca::error& e) {
        CHECK(e.code() == orca::errc::type_mismatch);
        CHECK_THAT(e.message(), Catch::Contains("primary key"));
      }
    };
    auto swapped = std::tuple{std::string{"ann"}, std::int64_t{1}};
    co_await refused.operator()<account>(std::int64_t{42});
    co_await refused.operator()<enrollment>(std::int64_t{1});
    co_await refused.operator()<enrollment>(swapped);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
}

TEST_CASE("a foreign key refers to a UUID key, set from a many-to-one reference", "[actors][keys]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto id = orca::uuid::random_v4();
  actor_test::run([](orca::engine engine, orca::uuid id) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto writer = make();
      auto ann = std::make_shared<account>(account{.id = id, .email = "ann@example.org"});
      writer.add(note{.body = "first", .author = ann});
      co_await writer.commit();
    }
    auto session = make();
    auto notes = co_await session.scalars(orca::select<note>().options(orca::selectinload(&note::author)));
    REQUIRE(notes.size() == 1);
    auto first = notes.all().front();
    CHECK(first->author_id == id);
    REQUIRE(first->author != nullptr);
    CHECK(first->author->email == "ann@example.org");
    auto author = co_await session.get<account>(id);
    CHECK(first->author == author);
    // A foreign key to no account is refused by the database.
    session.add(note{.author_id = orca::uuid::random_v4(), .body = "orphan"});
    auto refused = expect_constraint_violation(session, "a note without its account");
    co_await refused;
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), id));
  auto raw = target.connect();
  auto rows = raw->execute("SELECT author_id, body FROM note");
  REQUIRE(rows.size() == 1);
  CHECK(stored_uuid(rows.at(0, 0)) == orca::to_string(id));
  CHECK(rows.at(0, 1).as_text() == "first");
}

TEST_CASE("a composite foreign key refers to a composite key", "[actors][keys]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto session = make();
    session.add(enrollment{.course = 1, .student = "ann", .grade = 10});
    session.add(enrollment{.course = 2, .student = "bob", .grade = 11});
    co_await session.commit();
    session.add(remark{.course = 1, .student = "ann", .text = "good"});
    co_await session.commit();
    // Each column exists in some enrollment, but not the pair: the constraint is composite.
    session.add(remark{.course = 1, .student = "bob", .text = "nobody"});
    auto refused = expect_constraint_violation(session, "a remark on no enrollment");
    co_await refused;
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto raw = target.connect();
  auto rows = raw->execute("SELECT course, student, text FROM remark");
  REQUIRE(rows.size() == 1);
  CHECK(rows.at(0, 0).as_integer() == 1);
  CHECK(rows.at(0, 1).as_text() == "ann");
  CHECK(rows.at(0, 2).as_text() == "good");
  CHECK_THROWS_AS(raw->execute("INSERT INTO remark (course, student, text) VALUES (2, 'ann', 'x')"), orca::error);
}

TEST_CASE("bulk update and delete keep loaded objects of a composite-keyed class in step", "[actors][keys][bulk]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await reset_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    co_await add_enrollments(make);
    auto session = make();
    // Keys are named objects: g++ 12 destroys non-trivial temporaries in a co_await operand twice.
    auto ann_key = std::tuple{std::int64_t{1}, std::string{"ann"}};
    auto bob_key = std::tuple{std::int64_t{1}, std::string{"bob"}};
    auto ann = co_await session.get<enrollment>(ann_key);
    auto bob = co_await session.get<enrollment>(bob_key);
    REQUIRE(ann != nullptr);
    REQUIRE(bob != nullptr);
    auto raised = co_await session.execute(
        orca::update<enrollment>()
            .where(orca::col(&enrollment::course) == 1)
            .values(orca::set(&enrollment::grade, orca::col(&enrollment::grade) + 5))
            .returning(orca::col(&enrollment::student), orca::col(&enrollment::grade)));
    REQUIRE(raised.size() == 2);
    CHECK(ann->grade == 15);  // loaded objects found by their composite keys took the new values
    CHECK(bob->grade == 16);
    auto removed = co_await session.execute(
        orca::delete_from<enrollment>().where(orca::col(&enrollment::student) == "bob"));
    CHECK(removed == 1);
    auto gone = co_await session.get<enrollment>(bob_key);
    CHECK(gone == nullptr);
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto rows = target.connect()->execute("SELECT course, student, grade FROM enrollment ORDER BY course, student");
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 2).as_integer() == 15);
  CHECK(rows.at(1, 1).as_text() == "ann");
  CHECK(rows.at(1, 2).as_integer() == 12);
}

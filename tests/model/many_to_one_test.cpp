// Many-to-one references (std::shared_ptr<Parent> members): saved with their child
// (cascade, parent first) and loaded with selectinload — on every backend.
#include <catch2/catch.hpp>

#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/sync_session.hpp"
#include "support/backends.hpp"

namespace m2o {

struct author {
  std::int64_t id = 0;
  std::string name;
};

struct book {
  std::int64_t id = 0;
  std::int64_t author_id = 0;
  orca::reference<author> written_by;
  std::string title;
};

inline void orca_table(orca::table_builder<author>& t) {
  t.table("author");
  t.column("id", &author::id).primary_key();
  t.column("name", &author::name).unique();
}

inline void orca_table(orca::table_builder<book>& t) {
  t.table("book");
  t.column("id", &book::id).primary_key();
  t.column("author_id", &book::author_id).foreign_key(&author::id);
  t.column("title", &book::title).unique();
  t.relationship("written_by", &book::written_by, &book::author_id);
}

}  // namespace m2o

using m2o::author;
using m2o::book;

TEST_CASE("a child saved with a new parent reference inserts the parent first and links them", "[model][many_to_one]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  auto meta = orca::metadata::of<author, book>();
  meta.drop_all(*conn);
  meta.create_all(*conn);

  orca::sync_session session;
  auto ursula = std::make_shared<author>(author{.name = "Ursula"});
  auto first = std::make_shared<book>(book{.written_by = ursula, .title = "The Dispossessed"});
  auto second = std::make_shared<book>(book{.written_by = ursula, .title = "The Lathe of Heaven"});
  session.add({&orca::table_of<book>(), first});
  session.add({&orca::table_of<book>(), second});
  session.commit(*conn);

  CHECK(ursula->id > 0);
  CHECK(first->author_id == ursula->id);
  CHECK(second->author_id == ursula->id);
  auto check = target.connect();
  auto rows = check->execute(
      "SELECT count(*) FROM book JOIN author ON author.id = book.author_id WHERE author.name = 'Ursula'");
  CHECK(rows.at(0, 0).as_integer() == 2);
}

TEST_CASE("selectinload of a reference loads each parent once and shares it between children", "[model][many_to_one]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  auto meta = orca::metadata::of<author, book>();
  meta.drop_all(*conn);
  meta.create_all(*conn);
  conn->execute_script("INSERT INTO author (name) VALUES ('A'); INSERT INTO author (name) VALUES ('B')");
  conn->execute_script(
      "INSERT INTO book (author_id, title) VALUES (1, 'x'); INSERT INTO book (author_id, title) VALUES (1, 'y');"
      "INSERT INTO book (author_id, title) VALUES (2, 'z')");

  orca::sync_session session;
  auto books = session.execute(
      *conn, orca::select<book>().order_by(&book::id).options(orca::selectinload(&book::written_by)).spec());
  REQUIRE(books.size() == 3);
  auto x = std::static_pointer_cast<book>(books[0].object);
  auto y = std::static_pointer_cast<book>(books[1].object);
  auto z = std::static_pointer_cast<book>(books[2].object);
  REQUIRE(x->written_by);
  CHECK(x->written_by == y->written_by);
  CHECK(x->written_by->name == "A");
  CHECK(z->written_by->name == "B");
}

TEST_CASE("a unique constraint violation names the constraint and restores the objects the flush inserted",
          "[model][many_to_one][errors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  auto meta = orca::metadata::of<author, book>();
  meta.drop_all(*conn);
  meta.create_all(*conn);
  conn->execute_script(
      "INSERT INTO author (name) VALUES ('taken'); "
      "INSERT INTO book (author_id, title) VALUES (1, 'taken title')");

  // The new author is inserted first (author before book) and gets its key; the book's
  // INSERT then fails. Both must come back as they were before the flush.
  orca::sync_session session;
  auto fresh = std::make_shared<author>(author{.name = "fresh"});
  auto duplicate = std::make_shared<book>(book{.written_by = fresh, .title = "taken title"});
  session.add({&orca::table_of<book>(), duplicate});
  try {
    session.commit(*conn);
    FAIL("the duplicate was accepted");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::constraint_violation);
    CHECK_THAT(e.details().constraint, Catch::Contains("title"));
    CHECK_THAT(e.details().sql, Catch::Contains("INSERT INTO book"));
  }
  CHECK(fresh->id == 0);  // had its key from the successful INSERT: restored
  CHECK(duplicate->author_id == 0);
  CHECK(duplicate->id == 0);
  CHECK(session.transaction() == orca::sync_session::transaction_state::failed);
  session.rollback(*conn);
  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM author").at(0, 0).as_integer() == 1);

  duplicate->title = "free title";
  session.add({&orca::table_of<book>(), duplicate});
  session.commit(*conn);
  CHECK(fresh->id > 0);
  CHECK(duplicate->author_id == fresh->id);
  auto stored = check->execute(
      "SELECT author.name FROM book JOIN author ON author.id = book.author_id WHERE "
      "book.title = 'free title'");
  REQUIRE(stored.size() == 1);
  CHECK(stored.at(0, 0).as_text() == "fresh");
}

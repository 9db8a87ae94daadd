// orca::pending_rows through sync_session on every backend: new objects nobody else holds,
// packed into rows, are written with each child under its parent; what must stay an object
// is refused; failed, rolled-back and savepoint-scoped rows are dropped.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "orca/model/pending_rows.hpp"
#include "orca/model/sync_session.hpp"
#include "orca/model/table_of.hpp"
#include "model/session_test_support.hpp"
#include "support/backends.hpp"
#include "support/blog_schema.hpp"
#include "support/seed_schema.hpp"

using seed::A;
using seed::B;
using session_test::object_of;
using session_test::reset_schema;
using session_test::scalar;

namespace {

// Parent `i` with two children; the only reference to it is the one returned.
std::shared_ptr<void> family(int i) {
  auto a = std::make_shared<A>(
      A{.data = "a" + std::to_string(i),
        .bs = {B{.data = "a" + std::to_string(i) + "-b0"}, B{.data = "a" + std::to_string(i) + "-b1"}}});
  return a;
}

const orca::table_info& table_a() { return orca::table_of<A>(); }

// The rows of parents first .. first + count - 1 and their children.
orca::pending_rows rows_of(int first, int count) {
  orca::pending_rows rows;
  for (int i = first; i < first + count; ++i) REQUIRE(rows.pack(table_a(), family(i)));
  return rows;
}

// Children whose parent's data does not prefix their own: a child written under the wrong
// parent (or under none).
std::int64_t misplaced_children(orca::drivers::connection& c) {
  return scalar(c,
                "SELECT count(*) FROM b LEFT JOIN a ON a.id = b.a_id "
                "WHERE a.id IS NULL OR substr(b.data, 1, length(a.data) + 1) <> a.data || '-'");
}

}  // namespace

TEST_CASE("new objects only the session holds are written from their rows with each child under its parent",
          "[pending_rows][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  // A statement has at most insert_batch_size rows: 700 parents take several of each table.
  auto rows = rows_of(0, 700);
  CHECK(rows.size() == 2100);

  orca::sync_session s{orca::session_options{.insert_batch_size = 250}};
  // An object added the usual way goes in the same flush, after the rows of its table.
  auto kept = std::make_shared<A>(A{.data = "kept", .bs = {B{.data = "kept-b"}}});
  s.add(object_of(kept));
  s.add_rows(std::move(rows));
  s.commit(*conn);
  CHECK(s.last_flush().inserted == 2102);
  CHECK(kept->id != 0);

  auto outside = target.connect();
  CHECK(scalar(*outside, "SELECT count(*) FROM a") == 701);
  CHECK(scalar(*outside, "SELECT count(*) FROM b") == 1401);
  CHECK(misplaced_children(*outside) == 0);
  CHECK(scalar(*outside, "SELECT count(*) FROM a WHERE create_date IS NULL") == 0);  // the server's default
  CHECK(scalar(*outside, "SELECT count(*) FROM a WHERE data = 'a699'") == 1);
  CHECK(scalar(*outside, "SELECT id FROM a WHERE data = 'kept'") == kept->id);
}

TEST_CASE("pending_rows refuses a graph that must stay an object and packs nothing of it", "[pending_rows]") {
  orca::pending_rows rows;
  SECTION("a key already set: a loaded object, or one given its key") {
    auto a = family(1);
    std::static_pointer_cast<A>(a)->id = 7;
    CHECK_FALSE(rows.pack(table_a(), a));
  }
  SECTION("a child the application still holds") {
    auto a = family(1);
    auto child = std::static_pointer_cast<A>(a)->bs[0];
    CHECK_FALSE(rows.pack(table_a(), a));
    child.reset();
    CHECK(rows.pack(table_a(), a));  // let go of, it qualifies
    CHECK(rows.size() == 3);
    return;
  }
  SECTION("a child with its key: loaded, then put under a new parent") {
    auto a = family(1);
    std::static_pointer_cast<A>(a)->bs[1]->id = 12;
    CHECK_FALSE(rows.pack(table_a(), a));
  }
  SECTION("a reference to an object outside the graph") {
    auto author = std::make_shared<blog::User>(blog::User{.name = "ann"});
    auto post = std::make_shared<blog::Post>(blog::Post{.title = "t"});
    post->author = author;
    CHECK_FALSE(rows.pack(orca::table_of<blog::Post>(), post));
  }
  SECTION("a child taken out of the collection") {
    auto a = family(1);
    auto& bs = std::static_pointer_cast<A>(a)->bs;
    bs.remove(bs[0]);
    CHECK_FALSE(rows.pack(table_a(), a));
  }
  CHECK(rows.empty());
  CHECK(rows.groups().empty());
}

TEST_CASE("a refused INSERT of pending rows fails the flush with the database's reason and writes nothing",
          "[pending_rows][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  auto rows = rows_of(0, 20);
  // A child row of its own whose parent does not exist: the foreign key refuses it.
  auto orphan = std::make_shared<B>(B{.a_id = 999'999, .data = "orphan"});
  REQUIRE(rows.pack(orca::table_of<B>(), orphan));
  orphan.reset();

  orca::sync_session s;
  s.add_rows(std::move(rows));
  try {
    s.commit(*conn);
    FAIL("the commit should fail");
  } catch (const orca::error& e) {
    CHECK_THAT(e.what(), Catch::Contains("foreign key", Catch::CaseSensitive::No));
  }
  s.rollback(*conn);
  // The rows went with the failed flush: the session goes on without them.
  s.commit(*conn);
  CHECK(s.last_flush().inserted == 0);
  auto outside = target.connect();
  CHECK(scalar(*outside, "SELECT count(*) FROM a") == 0);
  CHECK(scalar(*outside, "SELECT count(*) FROM b") == 0);
}

TEST_CASE("pending rows are dropped by a rollback and by the rollback of the savepoint they came after",
          "[pending_rows][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s;
  SECTION("rollback") {
    s.add_rows(rows_of(0, 10));
    s.rollback(*conn);
    s.commit(*conn);
    CHECK(scalar(*target.connect(), "SELECT count(*) FROM a") == 0);
  }
  SECTION("savepoint") {
    s.add_rows(rows_of(0, 10));
    orca::drive(s.begin_nested(conn->sql_dialect()), *conn);  // flushes the rows before it
    s.add_rows(rows_of(10, 5));
    orca::drive(s.rollback_nested(), *conn);
    s.add_rows(rows_of(15, 3));
    s.commit(*conn);
    auto outside = target.connect();
    CHECK(scalar(*outside, "SELECT count(*) FROM a") == 13);
    CHECK(scalar(*outside, "SELECT count(*) FROM a WHERE data IN ('a10', 'a14')") == 0);
    CHECK(scalar(*outside, "SELECT count(*) FROM b") == 26);
    CHECK(misplaced_children(*outside) == 0);
  }
}

TEST_CASE("a query after pending rows were added finds them (autoflush)", "[pending_rows][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  orca::sync_session s;
  s.add_rows(rows_of(0, 30));
  auto found = s.execute(*conn, orca::select<B>().where(orca::col(&B::data) == std::string{"a29-b1"}).spec());
  REQUIRE(found.size() == 1);
  auto b = std::static_pointer_cast<B>(found[0].object);
  CHECK(scalar(*conn, "SELECT count(*) FROM a WHERE id = " + std::to_string(b->a_id) + " AND data = 'a29'") == 1);
  s.rollback(*conn);
  CHECK(scalar(*target.connect(), "SELECT count(*) FROM a") == 0);
}

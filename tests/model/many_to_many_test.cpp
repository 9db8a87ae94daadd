// Many-to-many relationships through an association table on every backend: selectinload
// and session load, add and remove written by the flush, back_populates in memory, removing
// an owner, a rolled-back add. Effects are read through a second connection. The mapping
// itself (DDL, refusals): many_to_many_mapping_test.cpp.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/sync_session.hpp"
#include "many_to_many_test_support.hpp"
#include "session_test_support.hpp"
#include "support/backends.hpp"

using m2m::count;
using m2m::fresh_database;
using m2m::post;
using m2m::tag;

namespace {

template <class T>
std::shared_ptr<T> as(const orca::object_ref& object) {
  return std::static_pointer_cast<T>(object.object);
}

template <class T>
orca::object_ref object_of(const std::shared_ptr<T>& object) {
  return {&orca::table_of<T>(), object};
}

std::int64_t pairs(orca::drivers::connection& c, std::int64_t post_id, std::int64_t tag_id) {
  return count(c, "SELECT count(*) FROM m2m_post_tag WHERE post_id = " + std::to_string(post_id) +
                      " AND tag_id = " + std::to_string(tag_id));
}

std::vector<std::string> names_of(const orca::collection<tag>& tags) {
  std::vector<std::string> names;
  for (auto& t : tags) names.push_back(t->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("selectinload loads a many-to-many collection with one statement joining the association table",
          "[model][relationships][many_to_many]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);
  session_test::recording_connection recording{target.connect()};
  orca::sync_session session;
  auto posts = session.execute(
      recording, orca::select<post>().order_by(&post::id).options(orca::selectinload(&post::tags)).spec());
  REQUIRE(posts.size() == 2);
  CHECK(recording.count_starting_with("SELECT") == 2);
  auto one = as<post>(posts[0]);
  auto two = as<post>(posts[1]);
  CHECK(names_of(one->tags) == std::vector<std::string>{"a", "b"});
  CHECK(names_of(two->tags) == std::vector<std::string>{"b"});
  // The same row is one object, whichever post holds it.
  auto b_of_one = *std::find_if(one->tags.begin(), one->tags.end(), [](auto& t) { return t->name == "b"; });
  CHECK(b_of_one == two->tags[0]);
  // Loaded without selectinload, the other side raises.
  CHECK_FALSE(b_of_one->posts.is_loaded());
  CHECK_THROWS_AS(b_of_one->posts.size(), orca::error);

  // A tag with no posts gets an empty collection.
  auto tags = session.execute(recording,
                              orca::select<tag>().order_by(&tag::id).options(orca::selectinload(&tag::posts)).spec());
  REQUIRE(tags.size() == 3);
  CHECK(as<tag>(tags[2])->posts.empty());
  CHECK(as<tag>(tags[1])->posts.size() == 2);

  // joinedload of a many-to-many is refused before any SQL.
  recording.clear();
  try {
    session.execute(recording, orca::select<post>().options(orca::joinedload(&post::tags)).spec());
    FAIL("expected invalid_argument");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::invalid_argument);
    CHECK_THAT(e.message(), Catch::Contains("selectinload(&post::tags)"));
  }
  CHECK(recording.statements().empty());
}

TEST_CASE("add and remove on a many-to-many collection write and delete association rows",
          "[model][relationships][many_to_many]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);
  session_test::recording_connection recording{target.connect()};
  orca::sync_session session({.expire_on_commit = false});
  auto posts = session.execute(
      recording, orca::select<post>().order_by(&post::id).options(orca::selectinload(&post::tags)).spec());
  auto one = as<post>(posts[0]);
  auto two = as<post>(posts[1]);
  auto c = as<tag>(session.get(recording, orca::table_of<tag>(), orca::key{3}));
  REQUIRE(c != nullptr);
  auto a = *std::find_if(one->tags.begin(), one->tags.end(), [](auto& t) { return t->name == "a"; });

  two->tags.add(c);
  two->tags.add(c);  // already held: nothing more
  one->tags.remove(a);
  auto d = two->tags.add(tag{.name = "d"});  // a new tag: inserted first, then paired
  recording.clear();
  session.commit(recording);
  CHECK(two->tags.size() == 3);
  CHECK(d->id != 0);

  auto check = target.connect();
  CHECK(pairs(*check, 2, 3) == 1);
  CHECK(pairs(*check, 1, 1) == 0);
  CHECK(pairs(*check, 2, d->id) == 1);
  CHECK(count(*check, "SELECT count(*) FROM m2m_post_tag") == 4);  // (1,2) (2,2) (2,3) (2,d)
  CHECK(count(*check, "SELECT count(*) FROM m2m_tag") == 4);       // removing a pair keeps the tag
  // The new pairs go in one multi-row INSERT, after the tag's INSERT.
  std::size_t tag_insert = 0, pair_insert = 0, pair_delete = 0;
  for (std::size_t i = 0; i < recording.statements().size(); ++i) {
    auto& s = recording.statements()[i];
    if (s.find("INSERT INTO") != std::string::npos && s.find("m2m_tag") != std::string::npos) tag_insert = i + 1;
    if (s.find("INSERT INTO") != std::string::npos && s.find("m2m_post_tag") != std::string::npos) {
      CHECK(pair_insert == 0);
      pair_insert = i + 1;
    }
    if (s.find("DELETE FROM") != std::string::npos && s.find("m2m_post_tag") != std::string::npos) pair_delete = i + 1;
  }
  CHECK(tag_insert != 0);
  CHECK(pair_insert > tag_insert);
  CHECK(pair_delete != 0);

  // A second flush with nothing changed writes nothing.
  recording.clear();
  session.commit(recording);
  CHECK(recording.count_starting_with("INSERT") == 0);
  CHECK(recording.count_starting_with("DELETE") == 0);

  // Adding a pair the database holds already (another session wrote it) does nothing.
  check->execute_script("INSERT INTO m2m_post_tag (post_id, tag_id) VALUES (1, 1)");
  one->tags.add(a);
  session.commit(recording);
  CHECK(pairs(*check, 1, 1) == 1);
}

TEST_CASE("back_populates keeps both many-to-many collections in step in memory",
          "[model][relationships][many_to_many][back_populates]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);
  orca::sync_session session({.expire_on_commit = false});
  auto posts = session.execute(
      *conn, orca::select<post>().order_by(&post::id).options(orca::selectinload(&post::tags)).spec());
  auto tags = session.execute(*conn,
                              orca::select<tag>().order_by(&tag::id).options(orca::selectinload(&tag::posts)).spec());
  auto one = as<post>(posts[0]);
  auto two = as<post>(posts[1]);
  auto a = as<tag>(tags[0]);
  auto c = as<tag>(tags[2]);
  CHECK(a->posts.size() == 1);

  two->tags.add(c);
  REQUIRE(c->posts.size() == 1);
  CHECK(c->posts[0] == two);
  c->posts.add(one);  // from the other side
  CHECK(std::find(one->tags.begin(), one->tags.end(), c) != one->tags.end());
  one->tags.remove(a);
  CHECK(a->posts.empty());
  // A new post made with a new tag: the tag's collection gains the post.
  auto three = std::make_shared<post>(post{.title = "three"});
  auto e = three->tags.add(tag{.name = "e"});
  session.add(object_of(three));
  session.commit(*conn);
  REQUIRE(e->posts.size() == 1);
  CHECK(e->posts[0] == three);

  // Both sides queued the same rows: each was written once.
  auto check = target.connect();
  CHECK(pairs(*check, two->id, c->id) == 1);
  CHECK(pairs(*check, one->id, c->id) == 1);
  CHECK(pairs(*check, one->id, a->id) == 0);
  CHECK(pairs(*check, three->id, e->id) == 1);
  CHECK(count(*check, "SELECT count(*) FROM m2m_post_tag") == 5);  // (1,2) (2,2) (2,3) (1,3) (3,e)
  session.close(nullptr);
  // Closing breaks the cycle of collections holding each other.
  CHECK_FALSE(c->posts.is_loaded());
}

TEST_CASE("removing an owner deletes its association rows, loaded or not, and keeps the other side",
          "[model][relationships][many_to_many]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);
  orca::sync_session session;
  auto posts = session.execute(*conn, orca::select<post>().order_by(&post::id).spec());
  CHECK_FALSE(as<post>(posts[0])->tags.is_loaded());
  session.remove(posts[0]);
  session.commit(*conn);

  auto check = target.connect();
  CHECK(count(*check, "SELECT count(*) FROM m2m_post WHERE id = 1") == 0);
  CHECK(count(*check, "SELECT count(*) FROM m2m_post_tag WHERE post_id = 1") == 0);
  CHECK(count(*check, "SELECT count(*) FROM m2m_post_tag WHERE post_id = 2") == 1);
  CHECK(count(*check, "SELECT count(*) FROM m2m_tag") == 3);

  // A loaded tag removed: its rows go too, the posts stay.
  auto tags = session.execute(
      *conn, orca::select<tag>().where(orca::col(&tag::id) == 2).options(orca::selectinload(&tag::posts)).spec());
  REQUIRE(tags.size() == 1);
  session.remove(tags[0]);
  session.commit(*conn);
  CHECK(count(*check, "SELECT count(*) FROM m2m_post_tag") == 0);
  CHECK(count(*check, "SELECT count(*) FROM m2m_post") == 1);
}

TEST_CASE("a rolled-back many-to-many add is not written, and the collection is loaded again afterwards",
          "[model][relationships][many_to_many][rollback]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);
  orca::sync_session session;
  auto posts = session.execute(
      *conn, orca::select<post>().order_by(&post::id).options(orca::selectinload(&post::tags)).spec());
  auto two = as<post>(posts[1]);
  auto c = as<tag>(session.get(*conn, orca::table_of<tag>(), orca::key{3}));
  two->tags.add(c);
  session.flush(*conn);
  session.rollback(conn.get());
  // The collection no longer matches the rows: it raises until loaded again.
  CHECK_FALSE(two->tags.is_loaded());
  session.commit(*conn);  // nothing left to write
  auto check = target.connect();
  CHECK(pairs(*check, 2, 3) == 0);

  session.execute(*conn, orca::select<post>().options(orca::selectinload(&post::tags)).spec());
  REQUIRE(two->tags.is_loaded());
  CHECK(names_of(two->tags) == std::vector<std::string>{"b"});

  // Rolled back before any flush: the same.
  two->tags.add(c);
  session.rollback(conn.get());
  session.commit(*conn);
  CHECK(pairs(*check, 2, 3) == 0);
}

// Many-to-many relationships through an association table on every backend: the mapping
// (DDL, refusals), selectinload and session load, add and remove written by the flush,
// back_populates in memory, removing an owner, a rolled-back add; and relationships over a
// composite key, which the mapping refuses. Effects are read through a second connection.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>

#include <catch2/catch.hpp>

#include "orca/model/compiler.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/sync_session.hpp"
#include "session_test_support.hpp"
#include "support/backends.hpp"

namespace m2m {

struct tag;

struct post {
  std::int64_t id = 0;
  std::string title;
  orca::collection<tag> tags{};
};

struct tag {
  std::int64_t id = 0;
  std::string name;
  orca::collection<post> posts{};
};

struct post_tag {
  std::int64_t post_id = 0;
  std::int64_t tag_id = 0;
};

inline void orca_table(orca::table_builder<post>& t) {
  t.table("m2m_post");
  t.column("id", &post::id).primary_key();
  t.column("title", &post::title);
  t.relationship("tags", &post::tags).secondary(&post_tag::post_id, &post_tag::tag_id).back_populates("posts");
}

inline void orca_table(orca::table_builder<tag>& t) {
  t.table("m2m_tag");
  t.column("id", &tag::id).primary_key();
  t.column("name", &tag::name).unique();
  t.relationship("posts", &tag::posts).secondary(&post_tag::tag_id, &post_tag::post_id).back_populates("tags");
}

inline void orca_table(orca::table_builder<post_tag>& t) {
  t.table("m2m_post_tag");
  t.column("post_id", &post_tag::post_id).primary_key().foreign_key(&post::id, orca::on_delete::cascade);
  t.column("tag_id", &post_tag::tag_id).primary_key().foreign_key(&tag::id, orca::on_delete::cascade);
}

// An association table whose foreign keys do not cascade: refused.
struct loose;
struct keeper {
  std::int64_t id = 0;
  orca::collection<loose> looses{};
};
struct loose {
  std::int64_t id = 0;
};
struct keeper_loose {
  std::int64_t keeper_id = 0;
  std::int64_t loose_id = 0;
};
inline void orca_table(orca::table_builder<keeper>& t) {
  t.table("m2m_keeper");
  t.column("id", &keeper::id).primary_key();
  t.relationship("looses", &keeper::looses).secondary(&keeper_loose::keeper_id, &keeper_loose::loose_id);
}
inline void orca_table(orca::table_builder<loose>& t) {
  t.table("m2m_loose");
  t.column("id", &loose::id).primary_key();
}
inline void orca_table(orca::table_builder<keeper_loose>& t) {
  t.table("m2m_keeper_loose");
  t.column("keeper_id", &keeper_loose::keeper_id).primary_key().foreign_key(&keeper::id);
  t.column("loose_id", &keeper_loose::loose_id).primary_key().foreign_key(&loose::id, orca::on_delete::cascade);
}

// A collection without a foreign key and without secondary(): refused.
struct shelf {
  std::int64_t id = 0;
  orca::collection<loose> items{};
};
inline void orca_table(orca::table_builder<shelf>& t) {
  t.table("m2m_shelf");
  t.column("id", &shelf::id).primary_key();
  t.relationship("items", &shelf::items);
}

// A many-to-many that cascades remove, and secondary() on a one-to-many: refused.
struct cascader {
  std::int64_t id = 0;
  orca::collection<loose> looses{};
};
inline void orca_table(orca::table_builder<cascader>& t) {
  t.table("m2m_cascader");
  t.column("id", &cascader::id).primary_key();
  t.relationship("looses", &cascader::looses)
      .secondary(&keeper_loose::keeper_id, &keeper_loose::loose_id)
      .cascade(orca::cascade::all);
}
struct owned {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;
};
struct parent {
  std::int64_t id = 0;
  orca::collection<owned> children{};
};
inline void orca_table(orca::table_builder<owned>& t) {
  t.table("m2m_owned");
  t.column("id", &owned::id).primary_key();
  t.column("parent_id", &owned::parent_id);
}
inline void orca_table(orca::table_builder<parent>& t) {
  t.table("m2m_parent");
  t.column("id", &parent::id).primary_key();
  t.relationship("children", &parent::children, &owned::parent_id)
      .secondary(&keeper_loose::keeper_id, &keeper_loose::loose_id);
}

// Relationships to and from a composite key: refused at mapping time.
struct line;
struct order {
  std::int64_t region = 0;
  std::int64_t number = 0;
  orca::collection<line> lines{};
};
struct line {
  std::int64_t id = 0;
  std::int64_t order_region = 0;
  std::int64_t order_number = 0;
};
inline void orca_table(orca::table_builder<order>& t) {
  t.table("m2m_order");
  t.column("region", &order::region).primary_key();
  t.column("number", &order::number).primary_key();
  t.relationship("lines", &order::lines, &line::order_number);
}
inline void orca_table(orca::table_builder<line>& t) {
  t.table("m2m_line");
  t.column("id", &line::id).primary_key();
  t.column("order_region", &line::order_region);
  t.column("order_number", &line::order_number);
  t.foreign_key(std::tuple{&line::order_region, &line::order_number}, std::tuple{&order::region, &order::number});
}
struct line_ref {
  std::int64_t id = 0;
  std::int64_t order_number = 0;
  orca::reference<order> of{};
};
inline void orca_table(orca::table_builder<line_ref>& t) {
  t.table("m2m_line_ref");
  t.column("id", &line_ref::id).primary_key();
  t.column("order_number", &line_ref::order_number);
  t.relationship("of", &line_ref::of, &line_ref::order_number);
}

}  // namespace m2m

using m2m::post;
using m2m::post_tag;
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

std::int64_t count(orca::drivers::connection& c, const std::string& sql) {
  return c.execute(sql).at(0, 0).as_integer();
}

std::int64_t pairs(orca::drivers::connection& c, std::int64_t post_id, std::int64_t tag_id) {
  return count(c, "SELECT count(*) FROM m2m_post_tag WHERE post_id = " + std::to_string(post_id) +
                      " AND tag_id = " + std::to_string(tag_id));
}

// Posts 1 ("one", tags a, b) and 2 ("two", tag b); tag 3 ("c") on nothing.
std::unique_ptr<orca::drivers::connection> fresh_database(const orca::test::backend_target& target) {
  auto c = target.connect();
  auto meta = orca::metadata::of<post, tag>();
  meta.drop_all(*c);
  meta.create_all(*c);
  c->execute_script(
      "INSERT INTO m2m_post (title) VALUES ('one'); INSERT INTO m2m_post (title) VALUES ('two');"
      "INSERT INTO m2m_tag (name) VALUES ('a'); INSERT INTO m2m_tag (name) VALUES ('b');"
      "INSERT INTO m2m_tag (name) VALUES ('c');"
      "INSERT INTO m2m_post_tag (post_id, tag_id) VALUES (1, 1); INSERT INTO m2m_post_tag (post_id, tag_id) VALUES "
      "(1, 2); INSERT INTO m2m_post_tag (post_id, tag_id) VALUES (2, 2)");
  return c;
}

std::vector<std::string> names_of(const orca::collection<tag>& tags) {
  std::vector<std::string> names;
  for (auto& t : tags) names.push_back(t->name);
  std::sort(names.begin(), names.end());
  return names;
}

void check_refused(const orca::table_info& (*table)(), const std::string& part) {
  try {
    (void)table();
    FAIL("expected invalid_argument");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::invalid_argument);
    CHECK_THAT(e.message(), Catch::Contains(part));
  }
}

}  // namespace

TEST_CASE("the association table is created after both sides, with a composite key and cascading foreign keys",
          "[model][relationships][many_to_many]") {
  auto sorted = orca::metadata::of<post>().sorted_tables();
  REQUIRE(sorted.size() == 3);  // the tag and the association table are reached from post.tags
  CHECK(sorted[2]->name() == "m2m_post_tag");
  auto& rel = *orca::table_of<post>().relationship_for(&post::tags);
  CHECK(rel.kind == orca::relationship_kind::many_to_many);
  REQUIRE(rel.secondary.has_value());
  CHECK(&rel.secondary->table() == &orca::table_of<post_tag>());
  CHECK(rel.back_populates == orca::table_of<tag>().relationship_for(&tag::posts));
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto c = target.connect();
  auto ddl = orca::sql::create_table(orca::table_of<post_tag>(), false, c->sql_dialect());
  CHECK_THAT(ddl, Catch::Contains("PRIMARY KEY("));
  CHECK_THAT(ddl, Catch::Contains("ON DELETE CASCADE"));
  auto conn = fresh_database(target);
  // Deleting either side deletes its association rows in the database itself.
  conn->execute_script("DELETE FROM m2m_tag WHERE id = 1");
  CHECK(count(*conn, "SELECT count(*) FROM m2m_post_tag") == 2);
  orca::metadata::of<post>().drop_all(*conn);
}

TEST_CASE("a many-to-many mapping is checked when the class is first used", "[model][relationships][many_to_many]") {
  check_refused(&orca::table_of<m2m::keeper>, "needs orca::on_delete::cascade");
  check_refused(&orca::table_of<m2m::shelf>, "shelf.items is a collection without a foreign key");
  check_refused(&orca::table_of<m2m::cascader>, "does not cascade remove or remove_orphan");
  check_refused(&orca::table_of<m2m::parent>, "secondary() goes on a many-to-many collection");
}

TEST_CASE("relationships over a composite key are refused when the class is first used",
          "[model][relationships][keys]") {
  check_refused(&orca::table_of<m2m::order>,
                "relationship order.lines is not supported: order's primary key is composite");
  check_refused(&orca::table_of<m2m::line_ref>,
                "relationship line_ref.of is not supported: order's primary key is composite");
}

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

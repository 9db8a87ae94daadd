// Relationship options on every backend: lazy="raise" references, back_populates in memory
// and through a flush, and the remove / remove-orphan / passive-delete cascades, each
// checked from a second connection.
#include <catch2/catch.hpp>

#include "orca/model/compiler.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/sync_session.hpp"
#include "support/backends.hpp"

namespace relations {

struct post;
struct comment;

struct user {
  std::int64_t id = 0;
  std::string name;
  orca::collection<post> posts{};
};

struct post {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string title;
  orca::reference<user> author{};
  orca::collection<comment> comments{};
};

struct comment {
  std::int64_t id = 0;
  std::int64_t post_id = 0;
  std::string text;
};

inline void orca_table(orca::table_builder<user>& t) {
  t.table("rel_user");
  t.column("id", &user::id).primary_key();
  t.column("name", &user::name);
  t.relationship("posts", &user::posts, &post::user_id)
      .back_populates("author")
      .cascade(orca::cascade::all | orca::cascade::remove_orphan);
}

inline void orca_table(orca::table_builder<post>& t) {
  t.table("rel_post");
  t.column("id", &post::id).primary_key();
  t.column("user_id", &post::user_id).foreign_key(&user::id);
  t.column("title", &post::title);
  t.relationship("author", &post::author, &post::user_id).back_populates("posts");
  t.relationship("comments", &post::comments, &comment::post_id).cascade(orca::cascade::all).passive_deletes();
}

inline void orca_table(orca::table_builder<comment>& t) {
  t.table("rel_comment");
  t.column("id", &comment::id).primary_key();
  t.column("post_id", &comment::post_id).foreign_key(&post::id, orca::on_delete::cascade);
  t.column("text", &comment::text);
}

// Default cascade (save-update) and a nullable foreign key: children are unlinked.
struct note;
struct folder {
  std::int64_t id = 0;
  std::string name;
  orca::collection<note> notes{};
};
struct note {
  std::int64_t id = 0;
  std::optional<std::int64_t> folder_id{};
  std::string text;
  orca::reference<folder> in{};
};

inline void orca_table(orca::table_builder<folder>& t) {
  t.table("rel_folder");
  t.column("id", &folder::id).primary_key();
  t.column("name", &folder::name);
  t.relationship("notes", &folder::notes, &note::folder_id);
}

inline void orca_table(orca::table_builder<note>& t) {
  t.table("rel_note");
  t.column("id", &note::id).primary_key();
  t.column("folder_id", &note::folder_id).foreign_key(&folder::id, orca::on_delete::set_null);
  t.column("text", &note::text);
  t.relationship("in", &note::in, &note::folder_id).lazy(orca::lazy::noload);
}

}  // namespace relations

using relations::comment;
using relations::folder;
using relations::note;
using relations::post;
using relations::user;

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

// A connection to a database with fresh tables holding `rows` (SQL script).
std::unique_ptr<orca::drivers::connection> fresh_database(const orca::test::backend_target& target,
                                                          const std::string& rows = {}) {
  auto c = target.connect();
  auto meta = orca::metadata::of<user, post, comment, folder, note>();
  meta.drop_all(*c);
  meta.create_all(*c);
  if (!rows.empty()) c->execute_script(rows);
  return c;
}

}  // namespace

TEST_CASE("an unloaded many-to-one reference throws not_loaded, and selectinload and session.load fill it",
          "[model][relationships][lazy]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(
      target, "INSERT INTO rel_user (name) VALUES ('ann'); INSERT INTO rel_post (user_id, title) VALUES (1, 'hello')");

  orca::sync_session session;
  auto posts = session.execute(*conn, orca::select<post>().spec());
  REQUIRE(posts.size() == 1);
  auto hello = as<post>(posts[0]);
  CHECK_FALSE(hello->author.is_loaded());
  try {
    (void)hello->author->name;
    FAIL("expected not_loaded");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::not_loaded);
    CHECK_THAT(e.message(), Catch::StartsWith("post.author is not loaded"));
    CHECK_THAT(e.message(), Catch::Contains("selectinload(&post::author)"));
  }
  CHECK_THROWS_AS(static_cast<bool>(hello->author), orca::error);

  session.execute(*conn, orca::select<post>().options(orca::selectinload(&post::author)).spec());
  REQUIRE(hello->author.is_loaded());
  CHECK(hello->author->name == "ann");
}

TEST_CASE("a reference with a NULL foreign key is known to be empty, and lazy noload never raises",
          "[model][relationships][lazy]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(
      target,
      "INSERT INTO rel_folder (name) VALUES ('inbox');"
      "INSERT INTO rel_note (folder_id, text) VALUES (NULL, 'loose'); INSERT INTO rel_note (folder_id, text) VALUES "
      "(1, 'filed')");

  orca::sync_session session;
  auto notes = session.execute(*conn, orca::select<note>().order_by(&note::id).spec());
  REQUIRE(notes.size() == 2);
  CHECK(as<note>(notes[0])->in.is_loaded());
  CHECK(as<note>(notes[0])->in == nullptr);
  CHECK(as<note>(notes[1])->in.is_loaded());  // noload: never loaded, reads as empty
  CHECK(as<note>(notes[1])->in == nullptr);
  CHECK(as<note>(notes[1])->folder_id == 1);
}

TEST_CASE("back_populates keeps a collection and its children's references in step in memory",
          "[model][relationships][back_populates]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target,
                             "INSERT INTO rel_user (name) VALUES ('ann'); INSERT INTO rel_user (name) VALUES ('bob')");

  orca::sync_session session({.expire_on_commit = false});
  auto users = session.execute(
      *conn, orca::select<user>().order_by(&user::id).options(orca::selectinload(&user::posts)).spec());
  REQUIRE(users.size() == 2);
  auto ann = as<user>(users[0]);
  auto bob = as<user>(users[1]);

  // Adding to the collection sets the child's reference.
  auto draft = ann->posts.add(post{.title = "draft"});
  CHECK(draft->author == ann);
  // Setting the reference moves the child between loaded collections.
  draft->author = bob;
  CHECK(ann->posts.empty());
  REQUIRE(bob->posts.size() == 1);
  CHECK(bob->posts[0] == draft);
  session.commit(*conn);

  auto check = target.connect();
  CHECK(count(*check, "SELECT count(*) FROM rel_post WHERE user_id = " + std::to_string(bob->id)) == 1);
  CHECK(draft->user_id == bob->id);

  // Removing from the collection clears the reference (and, with remove_orphan, deletes).
  CHECK(bob->posts.remove(draft));
  CHECK(draft->author == nullptr);
  session.commit(*conn);
  CHECK(count(*check, "SELECT count(*) FROM rel_post") == 0);
}

TEST_CASE("after a commit the children saved through a parent's collection refer to it, without a cycle",
          "[model][relationships][back_populates]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);

  std::weak_ptr<user> parent_alive;
  std::weak_ptr<post> child_alive;
  {
    orca::sync_session session({.expire_on_commit = false});
    auto ann = std::make_shared<user>(user{.name = "ann", .posts = {post{.title = "one"}, post{.title = "two"}}});
    session.add(object_of(ann));
    session.commit(*conn);
    REQUIRE(ann->posts.size() == 2);
    CHECK(ann->posts[0]->author == ann);
    CHECK(ann->posts[1]->author.get() == ann);
    CHECK(ann->posts[0]->user_id == ann->id);
    parent_alive = ann;
    child_alive = ann->posts[0];
    auto check = target.connect();
    CHECK(count(*check, "SELECT count(*) FROM rel_post WHERE user_id = " + std::to_string(ann->id)) == 2);
  }
  // The child refers to its parent weakly: dropping both frees both.
  CHECK(parent_alive.expired());
  CHECK(child_alive.expired());
}

TEST_CASE("removing a parent removes its loaded and unloaded children (cascade remove)",
          "[model][relationships][cascade]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(
      target,
      "INSERT INTO rel_user (name) VALUES ('ann'); INSERT INTO rel_user (name) VALUES ('bob');"
      "INSERT INTO rel_user (name) VALUES ('cy');"
      "INSERT INTO rel_post (user_id, title) VALUES (1, 'a1'); INSERT INTO rel_post (user_id, title) VALUES (1, 'a2');"
      "INSERT INTO rel_post (user_id, title) VALUES (2, 'b1'); INSERT INTO rel_post (user_id, title) VALUES (3, 'c1')");

  orca::sync_session session;
  auto ann = as<user>(session
                          .execute(*conn, orca::select<user>()
                                              .where(orca::col(&user::name) == "ann")
                                              .options(orca::selectinload(&user::posts))
                                              .spec())
                          .at(0));
  auto bob = as<user>(session.execute(*conn, orca::select<user>().where(orca::col(&user::name) == "bob").spec()).at(0));
  REQUIRE(ann->posts.size() == 2);  // loaded
  CHECK_FALSE(bob->posts.is_loaded());
  session.remove(object_of(ann));
  session.remove(object_of(bob));
  session.commit(*conn);

  auto check = target.connect();
  CHECK(count(*check, "SELECT count(*) FROM rel_user") == 1);
  CHECK(count(*check, "SELECT count(*) FROM rel_post") == 1);
  CHECK(count(*check, "SELECT count(*) FROM rel_post WHERE title = 'c1'") == 1);
}

TEST_CASE("passive_deletes leaves children that are not loaded to ON DELETE CASCADE",
          "[model][relationships][cascade]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(
      target,
      "INSERT INTO rel_user (name) VALUES ('ann'); INSERT INTO rel_post (user_id, title) VALUES (1, 'p');"
      "INSERT INTO rel_comment (post_id, text) VALUES (1, 'x'); INSERT INTO rel_comment (post_id, text) VALUES (1, "
      "'y')");

  orca::sync_session session;
  auto p = as<post>(session.execute(*conn, orca::select<post>().spec()).at(0));
  CHECK_FALSE(p->comments.is_loaded());
  session.remove(object_of(p));
  auto stats = session.flush(*conn);
  CHECK(stats.deleted == 1);  // the post only: the database deleted its comments
  session.commit(*conn);

  auto check = target.connect();
  CHECK(count(*check, "SELECT count(*) FROM rel_post") == 0);
  CHECK(count(*check, "SELECT count(*) FROM rel_comment") == 0);
}

TEST_CASE("a child taken out of a remove_orphan collection is deleted", "[model][relationships][cascade]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(
      target,
      "INSERT INTO rel_user (name) VALUES ('ann'); INSERT INTO rel_post (user_id, title) VALUES (1, 'keep');"
      "INSERT INTO rel_post (user_id, title) VALUES (1, 'drop')");

  orca::sync_session session;
  auto ann = as<user>(
      session.execute(*conn, orca::select<user>().options(orca::selectinload(&user::posts)).spec()).at(0));
  REQUIRE(ann->posts.size() == 2);
  auto drop = ann->posts[1]->title == "drop" ? ann->posts[1] : ann->posts[0];
  CHECK(ann->posts.remove(drop));
  session.commit(*conn);

  auto check = target.connect();
  CHECK(count(*check, "SELECT count(*) FROM rel_post") == 1);
  CHECK(count(*check, "SELECT count(*) FROM rel_post WHERE title = 'keep'") == 1);
}

TEST_CASE("without cascade remove, children are unlinked: taken out of the collection, or their parent removed",
          "[model][relationships][cascade]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(
      target,
      "INSERT INTO rel_folder (name) VALUES ('inbox'); INSERT INTO rel_folder (name) VALUES ('archive');"
      "INSERT INTO rel_note (folder_id, text) VALUES (1, 'a'); INSERT INTO rel_note (folder_id, text) VALUES (1, 'b');"
      "INSERT INTO rel_note (folder_id, text) VALUES (2, 'c')");

  orca::sync_session session;
  auto inbox = as<folder>(session
                              .execute(*conn, orca::select<folder>()
                                                  .where(orca::col(&folder::name) == "inbox")
                                                  .options(orca::selectinload(&folder::notes))
                                                  .spec())
                              .at(0));
  REQUIRE(inbox->notes.size() == 2);
  CHECK(inbox->notes.remove(inbox->notes[0]));
  auto archive = as<folder>(
      session.execute(*conn, orca::select<folder>().where(orca::col(&folder::name) == "archive").spec()).at(0));
  session.remove(object_of(archive));  // its note is not loaded: loaded, then unlinked
  session.commit(*conn);

  auto check = target.connect();
  CHECK(count(*check, "SELECT count(*) FROM rel_note") == 3);
  CHECK(count(*check, "SELECT count(*) FROM rel_note WHERE folder_id IS NULL") == 2);
  CHECK(count(*check, "SELECT count(*) FROM rel_folder") == 1);
}

TEST_CASE("foreign keys carry ON DELETE CASCADE and SET NULL into the DDL, and the database applies them",
          "[model][relationships][ddl]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);
  CHECK_THAT(orca::sql::create_table(orca::table_of<comment>(), false, conn->sql_dialect()),
             Catch::Contains("ON DELETE CASCADE"));
  CHECK_THAT(orca::sql::create_table(orca::table_of<note>(), false, conn->sql_dialect()),
             Catch::Contains("ON DELETE SET NULL"));
  conn->execute_script(
      "INSERT INTO rel_folder (name) VALUES ('inbox'); INSERT INTO rel_note (folder_id, text) VALUES (1, 'a');"
      "INSERT INTO rel_user (name) VALUES ('ann'); INSERT INTO rel_post (user_id, title) VALUES (1, 'p');"
      "INSERT INTO rel_comment (post_id, text) VALUES (1, 'x')");
  auto other = target.connect();
  other->execute("DELETE FROM rel_folder");
  other->execute("DELETE FROM rel_post");
  CHECK(count(*conn, "SELECT count(*) FROM rel_note WHERE folder_id IS NULL") == 1);
  CHECK(count(*conn, "SELECT count(*) FROM rel_comment") == 0);
}

TEST_CASE("a collection being built is moved into its object and one bound to its owner is copied (nothing unlinked)",
          "[model][relationships]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_database(target);

  // A value being built: its children move with it (the same objects, none copied).
  user built{.name = "ann", .posts = {post{.title = "one"}, post{.title = "two"}}};
  auto first = built.posts[0];
  auto ann = std::make_shared<user>(std::move(built));
  REQUIRE(ann->posts.size() == 2);
  CHECK(ann->posts[0] == first);
  CHECK(built.posts.empty());

  orca::sync_session session({.expire_on_commit = false});
  session.add(object_of(ann));
  session.commit(*conn);
  CHECK(ann->posts[0]->author == ann);

  // Bound now: moving from it copies, and the owner's collection stays as the flush knows it.
  auto taken = std::move(ann->posts);
  CHECK(taken.size() == 2);
  REQUIRE(ann->posts.size() == 2);
  CHECK(ann->posts[0] == first);
  session.commit(*conn);
  CHECK(session.last_flush().updated == 0);
  CHECK(session.last_flush().deleted == 0);
  auto check = target.connect();
  CHECK(count(*check, "SELECT count(*) FROM rel_post WHERE user_id = " + std::to_string(ann->id)) == 2);
}

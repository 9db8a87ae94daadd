// joinedload through the synchronous session, on every backend: one SELECT with LEFT OUTER
// JOINs, each object once in the identity map, collections filled and references set as the
// rows say — compared with the same data read through a second connection.
#include <algorithm>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "model/session_test_support.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/sync_session.hpp"
#include "support/backends.hpp"

namespace joined {

struct article;

struct remark {
  std::int64_t id = 0;
  std::int64_t article_id = 0;
  std::string body;
};

struct writer {
  std::int64_t id = 0;
  std::string name;
  orca::collection<article> articles{};
};

struct article {
  std::int64_t id = 0;
  std::int64_t author_id = 0;
  std::optional<std::int64_t> editor_id{};
  std::string title;
  orca::reference<writer> author{};
  orca::reference<writer> editor{};  // a second reference to the same table
  orca::collection<remark> remarks{};
};

inline void orca_table(orca::table_builder<writer>& t) {
  t.table("writers");
  t.column("id", &writer::id).primary_key();
  t.column("name", &writer::name);
  t.relationship("articles", &writer::articles, &article::author_id);
}

inline void orca_table(orca::table_builder<article>& t) {
  t.table("articles");
  t.column("id", &article::id).primary_key();
  t.column("author_id", &article::author_id).foreign_key(&writer::id);
  t.column("editor_id", &article::editor_id).foreign_key(&writer::id);
  t.column("title", &article::title);
  t.relationship("author", &article::author, &article::author_id);
  t.relationship("editor", &article::editor, &article::editor_id);
  t.relationship("remarks", &article::remarks, &remark::article_id);
}

inline void orca_table(orca::table_builder<remark>& t) {
  t.table("remarks");
  t.column("id", &remark::id).primary_key();
  t.column("article_id", &remark::article_id).foreign_key(&article::id);
  t.column("body", &remark::body);
}

}  // namespace joined

using joined::article;
using joined::remark;
using joined::writer;
using orca::joinedload;
using orca::selectinload;
using session_test::recording_connection;

namespace {

// ann wrote a1 (edited by ben) and a2 (no editor); ben wrote b1 (edited by himself); cat
// wrote nothing. a1 has two remarks, b1 one. Written from outside the session.
std::unique_ptr<recording_connection> fresh_blog(const orca::test::backend_target& target) {
  auto outside = target.connect();
  session_test::reset_schema(*outside, orca::metadata::of<writer, article, remark>());
  outside->execute("INSERT INTO writers (id, name) VALUES (1, 'ann'), (2, 'ben'), (3, 'cat')");
  outside->execute(
      "INSERT INTO articles (id, author_id, editor_id, title) VALUES (1, 1, 2, 'a1'), (2, 1, NULL, 'a2'), "
      "(3, 2, 2, 'b1')");
  outside->execute(
      "INSERT INTO remarks (id, article_id, body) VALUES (1, 1, 'first'), (2, 1, 'second'), (3, 3, 'third')");
  return std::make_unique<recording_connection>(target.connect());
}

template <class T>
std::vector<std::shared_ptr<T>> typed(const std::vector<orca::object_ref>& objects) {
  std::vector<std::shared_ptr<T>> out;
  for (auto& o : objects) out.push_back(std::static_pointer_cast<T>(o.object));
  return out;
}

// Per writer id, the titles of its articles, as a second connection reads them.
std::map<std::int64_t, std::set<std::string>> titles_by_author(const orca::test::backend_target& target) {
  auto rows = target.connect()->execute("SELECT w.id, a.title FROM writers w JOIN articles a ON a.author_id = w.id");
  std::map<std::int64_t, std::set<std::string>> out;
  for (std::size_t r = 0; r < rows.size(); ++r) out[rows.at(r, 0).as_integer()].insert(rows.at(r, 1).as_text());
  return out;
}

std::set<std::string> titles(const orca::collection<article>& articles) {
  std::set<std::string> out;
  for (auto& a : articles) out.insert(a->title);
  return out;
}

template <class T>
std::vector<orca::object_ref> execute(orca::sync_session& session, recording_connection& c,
                                      const orca::select_statement<T>& stmt) {
  return session.execute(c, stmt.spec());
}

std::size_t selects(const recording_connection& c) { return c.count_starting_with("SELECT"); }

}  // namespace

TEST_CASE("joinedload of a collection gives each parent once, children filled, in one SELECT", "[model][joinedload]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_blog(target);
  orca::sync_session session;
  auto writers = typed<writer>(
      execute(session, *conn, orca::select<writer>().order_by(&writer::id).options(joinedload(&writer::articles))));
  CHECK(selects(*conn) == 1);
  CHECK_THAT(conn->statements().back(), Catch::Contains("LEFT OUTER JOIN") && Catch::Contains("articles_1"));
  REQUIRE(writers.size() == 3);  // ann's two rows are one writer
  auto expected = titles_by_author(target);
  for (auto& w : writers) {
    INFO("writer " << w->name);
    CHECK(w->articles.is_loaded());
    CHECK(titles(w->articles) == expected[w->id]);
  }
  CHECK(writers[2]->articles.empty());  // cat: no rows joined, an empty loaded collection
  // Each article is the session's one object for its row.
  auto again = typed<article>(execute(session, *conn, orca::select<article>().where(orca::col(&article::id) == 1)));
  CHECK(std::count(writers[0]->articles.begin(), writers[0]->articles.end(), again.at(0)) == 1);
}

TEST_CASE("joinedload of references aliases each join, gives null for a NULL key and one object for a shared target",
          "[model][joinedload]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_blog(target);
  orca::sync_session session;
  auto articles = typed<article>(execute(session, *conn,
                                         orca::select<article>()
                                             .order_by(&article::id)
                                             .options(joinedload(&article::author), joinedload(&article::editor))));
  CHECK(selects(*conn) == 1);
  CHECK_THAT(conn->statements().back(), Catch::Contains("writers_1") && Catch::Contains("writers_2"));
  REQUIRE(articles.size() == 3);
  auto names = target.connect()->execute(
      "SELECT a.id, w.name, e.name FROM articles a JOIN writers w ON w.id = a.author_id "
      "LEFT JOIN writers e ON e.id = a.editor_id ORDER BY a.id");
  for (std::size_t r = 0; r < names.size(); ++r) {
    INFO("article " << articles[r]->title);
    REQUIRE(articles[r]->author != nullptr);
    CHECK(articles[r]->author->name == names.at(r, 1).as_text());
    if (names.at(r, 2).is_null())
      CHECK(articles[r]->editor == nullptr);
    else
      CHECK((articles[r]->editor != nullptr && articles[r]->editor->name == names.at(r, 2).as_text()));
  }
  CHECK(articles[0]->author == articles[1]->author);  // ann, once
  CHECK(articles[0]->editor == articles[2]->author);  // ben, through two different joins
  CHECK(articles[2]->author == articles[2]->editor);
}

TEST_CASE("joinedload keeps the objects the session already has and fills their relationships", "[model][joinedload]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_blog(target);
  orca::sync_session session;
  auto ann = std::static_pointer_cast<writer>(
      session.get(*conn, orca::table_of<writer>(), orca::key{std::int64_t{1}}).object);
  REQUIRE(ann != nullptr);
  CHECK_FALSE(ann->articles.is_loaded());
  ann->name = "ann, changed in memory";  // not flushed: a load must not overwrite it
  conn->clear();
  auto writers = typed<writer>(
      execute(session, *conn, orca::select<writer>().order_by(&writer::id).options(joinedload(&writer::articles))));
  CHECK(selects(*conn) == 1);
  REQUIRE(writers.size() == 3);
  CHECK(writers[0] == ann);
  CHECK(ann->name == "ann, changed in memory");
  CHECK(titles(ann->articles) == std::set<std::string>{"a1", "a2"});
  // The articles it loaded are the ones a later query finds, and their reference joins back to ann.
  auto articles = typed<article>(
      execute(session, *conn, orca::select<article>().order_by(&article::id).options(joinedload(&article::author))));
  CHECK(std::count(ann->articles.begin(), ann->articles.end(), articles[0]) == 1);
  CHECK(articles[0]->author == ann);
}

TEST_CASE("limit and offset with a joined collection count parents, not joined rows", "[model][joinedload]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_blog(target);
  orca::sync_session session;
  auto stmt = orca::select<writer>().order_by(&writer::id).options(joinedload(&writer::articles));
  // ann's two joined rows alone would fill a LIMIT 2 of rows.
  auto first_two = typed<writer>(execute(session, *conn, stmt.limit(2)));
  CHECK(selects(*conn) == 1);
  CHECK_THAT(conn->statements().back(), Catch::Contains("FROM (SELECT"));
  REQUIRE(first_two.size() == 2);
  CHECK(first_two[0]->name == "ann");
  CHECK(titles(first_two[0]->articles) == std::set<std::string>{"a1", "a2"});
  CHECK(first_two[1]->name == "ben");
  // OFFSET 1 skips ann, not ann's first row.
  auto second = typed<writer>(execute(session, *conn, stmt.limit(1).offset(1).where(orca::col(&writer::id) > 0)));
  REQUIRE(second.size() == 1);
  CHECK(second[0]->name == "ben");
  CHECK(titles(second[0]->articles) == std::set<std::string>{"b1"});
}

TEST_CASE("joinedload nests: joins of joins in the one SELECT, selectinload under a join", "[model][joinedload]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_blog(target);
  auto outside = target.connect();
  auto remark_count = [&](std::int64_t article_id) {
    return static_cast<std::size_t>(session_test::scalar(
        *outside, "SELECT count(*) FROM remarks WHERE article_id = " + std::to_string(article_id)));
  };
  SECTION("joinedload under joinedload") {
    orca::sync_session session;
    auto writers = typed<writer>(execute(session, *conn,
                                         orca::select<writer>()
                                             .order_by(&writer::id)
                                             .options(joinedload(&writer::articles).joinedload(&article::remarks))));
    CHECK(selects(*conn) == 1);
    for (auto& w : writers)
      for (auto& a : w->articles) CHECK(a->remarks.size() == remark_count(a->id));
  }
  SECTION("selectinload under joinedload") {
    orca::sync_session session;
    auto writers = typed<writer>(execute(session, *conn,
                                         orca::select<writer>()
                                             .order_by(&writer::id)
                                             .options(joinedload(&writer::articles).selectinload(&article::remarks))));
    CHECK(selects(*conn) == 2);
    for (auto& w : writers)
      for (auto& a : w->articles) CHECK(a->remarks.size() == remark_count(a->id));
  }
  SECTION("the same table twice on one path, and a selectinload beside the join") {
    orca::sync_session session;
    auto articles = typed<article>(execute(
        session, *conn,
        orca::select<article>()
            .order_by(&article::id)
            .options(joinedload(&article::author).joinedload(&writer::articles), selectinload(&article::remarks))));
    CHECK(selects(*conn) == 2);
    CHECK_THAT(conn->statements().at(1), Catch::StartsWith("SELECT") && Catch::Contains("articles_1"));  // after BEGIN
    REQUIRE(articles.size() == 3);
    CHECK(titles(articles[0]->author->articles) == std::set<std::string>{"a1", "a2"});
    CHECK(std::count(articles[0]->author->articles.begin(), articles[0]->author->articles.end(), articles[1]) == 1);
    CHECK(articles[0]->remarks.size() == 2);
    CHECK(articles[1]->remarks.empty());
  }
}

TEST_CASE("misused joinedloads are refused before any SQL", "[model][joinedload]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_blog(target);
  orca::sync_session session;
  conn->clear();
  auto refused = [&](const orca::select_spec& spec, bool stream) {
    try {
      if (stream)
        session.open_stream(*conn, spec);
      else
        session.execute(*conn, spec);
    } catch (const orca::error& e) {
      return e.code() == orca::errc::invalid_argument;
    }
    return false;
  };
  CHECK(refused(orca::select<writer>().options(selectinload(&writer::articles).joinedload(&article::remarks)).spec(),
                false));
  CHECK(refused(orca::select<writer>().options(joinedload(&article::remarks)).spec(), false));
  CHECK(refused(orca::select<writer>().options(joinedload(&writer::articles)).spec(), true));
  CHECK(conn->statements().empty());
  CHECK_THROWS_AS(joinedload(&writer::articles).joinedload(&writer::articles), orca::error);
}

TEST_CASE("a stream joins references batch by batch", "[model][joinedload]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = fresh_blog(target);
  orca::sync_session session;
  auto id = session.open_stream(
      *conn, orca::select<article>().order_by(&article::id).options(joinedload(&article::editor)).spec(), 2);
  bool more = true;
  std::vector<std::shared_ptr<article>> all;
  while (more)
    for (auto& a : typed<article>(session.fetch_stream(*conn, id, more))) all.push_back(a);
  REQUIRE(all.size() == 3);
  CHECK(all[0]->editor == all[2]->editor);
  CHECK(all[1]->editor == nullptr);
  CHECK(all[0]->editor->name == "ben");
}

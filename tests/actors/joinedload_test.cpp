// joinedload through the session facade and its actor, on every backend: echo shows one
// SELECT with its LEFT OUTER JOIN, the objects match what a second connection reads, the
// identity map keeps one object per row, streams join references and refuse collections.
#include <set>

#include <catch2/catch.hpp>

#include "orca/drivers/logger.hpp"
#include "orca/orca.hpp"
#include "support/backends.hpp"
#include "support/blog_schema.hpp"
#include "support/captured_log.hpp"

using blog::Post;
using blog::User;
using orca::col;
using orca::joinedload;

namespace {

void run_test(orca::task<void> t) { orca::run_or_throw(std::move(t)); }

// alice (Hello, again), bob (Bob's), carol (no posts).
orca::task<void> reset_blog(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<User, Post>();
    meta.drop_all(c);
    meta.create_all(c);
  });
  auto session = orca::async_sessionmaker(engine)();
  session.add(User{.name = "alice", .posts = {Post{.title = "Hello"}, Post{.title = "again"}}});
  session.add(User{.name = "bob", .posts = {Post{.title = "Bob's"}}});
  session.add(User{.name = "carol"});
  co_await session.commit();
}

// The SELECTs echo logged ("[0.1 ms] SELECT ...").
std::vector<std::string> selects(orca::test::captured_log& log) {
  std::vector<std::string> out;
  for (auto& line : log.lines())
    if (line.find("] SELECT") != std::string::npos) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("a joinedload query sends one SELECT and gives each user once with the posts a second connection sees",
          "[actors][joinedload][query]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::vector<std::pair<std::string, std::set<std::string>>> loaded;
  run_test([](orca::engine engine, auto& loaded) -> orca::task<void> {
    co_await reset_blog(engine);
    auto session = orca::async_sessionmaker(engine)();
    orca::test::captured_log log{orca::drivers::sql_logger()};
    auto users = co_await session.scalars(orca::select<User>().order_by(&User::id).options(joinedload(&User::posts)));
    auto sent = selects(log);
    REQUIRE(sent.size() == 1);
    CHECK_THAT(sent[0], Catch::Contains("LEFT OUTER JOIN") && Catch::Contains("posts_1"));
    for (auto& u : users) {
      std::set<std::string> titles;
      for (auto& p : u->posts) titles.insert(p->title);
      loaded.emplace_back(u->name, std::move(titles));
    }
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.echo = true}), loaded));
  auto rows = target.connect()->execute(
      "SELECT u.name, p.title FROM users u LEFT JOIN posts p ON p.user_id = u.id ORDER BY u.id");
  std::vector<std::pair<std::string, std::set<std::string>>> expected;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto name = rows.at(r, 0).as_text();
    if (expected.empty() || expected.back().first != name) expected.emplace_back(name, std::set<std::string>{});
    if (!rows.at(r, 1).is_null()) expected.back().second.insert(rows.at(r, 1).as_text());
  }
  CHECK(loaded == expected);
  REQUIRE(loaded.size() == 3);
  CHECK(loaded[2].second.empty());  // carol
}

TEST_CASE("posts joined to their author share one author object, the one the session already had",
          "[actors][joinedload][query]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await reset_blog(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto alice = (co_await session.scalars(orca::select<User>().where(col(&User::name) == "alice"))).one();
    orca::test::captured_log log{orca::drivers::sql_logger()};
    auto posts = co_await session.scalars(orca::select<Post>().order_by(&Post::id).options(joinedload(&Post::author)));
    CHECK(selects(log).size() == 1);
    auto all = posts.all();
    REQUIRE(all.size() == 3);
    CHECK(all[0]->author == alice);
    CHECK(all[1]->author == alice);
    REQUIRE(all[2]->author != nullptr);
    CHECK(all[2]->author->name == "bob");
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.echo = true})));
}

TEST_CASE("a stream joins references batch by batch and refuses a joined collection", "[actors][joinedload][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await reset_blog(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto stream = co_await session.stream(orca::select<Post>().order_by(&Post::id).options(joinedload(&Post::author)),
                                          1);
    std::vector<std::shared_ptr<Post>> posts;
    while (auto p = co_await stream.next()) posts.push_back(p);
    REQUIRE(posts.size() == 3);
    CHECK(posts[0]->author == posts[1]->author);  // across batches: the identity map
    CHECK(posts[0]->author->name == "alice");
    auto code = orca::errc::none;
    try {
      co_await session.stream(orca::select<User>().options(joinedload(&User::posts)));
    } catch (const orca::error& e) {
      code = e.code();
    }
    CHECK(code == orca::errc::invalid_argument);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
}

TEST_CASE("with_for_update and a joinedload lock the selected users, limited or not", "[actors][joinedload][query]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  bool limited = GENERATE(false, true);
  INFO("limit 2: " << limited);
  run_test([](orca::engine engine, orca::test::backend_target target, bool limited) -> orca::task<void> {
    co_await reset_blog(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto stmt = orca::select<User>().order_by(&User::id).options(joinedload(&User::posts)).with_for_update();
    if (limited) stmt = stmt.limit(2);
    auto users = co_await session.scalars(stmt);
    auto all = users.all();
    REQUIRE(all.size() == (limited ? 2U : 3U));
    CHECK(all[0]->posts.size() == 2);
    if (target.name == "postgresql") {
      // Another transaction cannot lock alice's row while this one holds it.
      auto other = target.connect();
      other->begin();
      CHECK_THROWS_AS(other->execute("SELECT id FROM users WHERE name = 'alice' FOR UPDATE NOWAIT"), orca::error);
      other->rollback();
    }
    co_await session.commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url), target, limited));
}

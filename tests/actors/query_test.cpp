// Queries of columns and expressions and subqueries through the session facade, on every
// backend, and a query of columns streamed; results compared with the same SQL run on an
// independent connection. Bulk statements and SQL text: bulk_statement_test.cpp.
#include <algorithm>
#include <chrono>

#include <catch2/catch.hpp>

#include "orca/orca.hpp"
#include "support/backends.hpp"
#include "support/blog_schema.hpp"
#include "orca/drivers/logger.hpp"
#include "support/captured_log.hpp"
#include "query_test_support.hpp"

using blog::Post;
using blog::User;
using orca::col;
using query_test::outside;
using query_test::run_test;

TEST_CASE("a join with group_by returns typed rows equal to the same SQL elsewhere, empty groups included",
          "[query][actors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto stmt = orca::select(col(&User::name), orca::count(&Post::id), orca::sum(&Post::views))
                    .outerjoin(&User::posts)
                    .group_by(col(&User::id), col(&User::name))
                    .order_by(col(&User::name));
    auto rows = co_await session.execute(stmt);
    REQUIRE(rows.size() == 3);
    std::vector<std::string> names;
    for (auto& [name, posts, views] : rows) names.push_back(name);
    CHECK(names == std::vector<std::string>{"alice", "bob", "carol"});
    CHECK(rows[0] == std::tuple<std::string, std::int64_t, std::optional<std::int64_t>>{"alice", 2, 15});
    CHECK(rows[1] == std::tuple<std::string, std::int64_t, std::optional<std::int64_t>>{"bob", 1, 7});
    // carol's group is empty: COUNT is 0, SUM is NULL.
    CHECK(rows[2] == std::tuple<std::string, std::int64_t, std::optional<std::int64_t>>{"carol", 0, std::nullopt});
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto expected = outside(target,
                          "SELECT users.name, count(posts.id), sum(posts.views) FROM users LEFT OUTER JOIN posts ON "
                          "posts.user_id = users.id GROUP BY users.id, users.name ORDER BY users.name");
  REQUIRE(expected.size() == 3);
  CHECK(expected.at(0, 1).as_integer() == 2);
  CHECK(expected.at(2, 1).as_integer() == 0);
  CHECK(expected.at(2, 2).is_null());
}

TEST_CASE("count, pagination with a total, scalars, having, distinct and a join that matches nothing",
          "[query][actors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto rows_of_posts = co_await session.scalar(orca::select(orca::count()).select_from<Post>());
    CHECK(rows_of_posts == 3);
    auto page = orca::select<Post>().order_by(orca::desc(&Post::views)).limit(2);
    auto posts = co_await session.scalars(page);
    auto total = co_await session.scalar(orca::select(orca::count(&Post::id)));
    CHECK(posts.size() == 2);
    CHECK(posts.all()[0]->views == 10);
    CHECK(total == 3);
    auto titles = co_await session.scalars(orca::select(col(&Post::title)).order_by(col(&Post::title).desc()));
    CHECK(titles == std::vector<std::string>{"again", "Hello", "Bob's"});
    auto active = co_await session.scalars(orca::select(col(&User::name))
                                               .join(&User::posts)
                                               .group_by(col(&User::name))
                                               .having(orca::count(&Post::id) >= 2));
    CHECK(active == std::vector<std::string>{"alice"});
    auto authors = co_await session.scalars(orca::select(col(&Post::user_id)).distinct().order_by(col(&Post::user_id)));
    CHECK(authors.size() == 2);
    auto nothing = co_await session.execute(orca::select(col(&User::name), col(&Post::title))
                                                .join<Post>(col(&Post::user_id) == col(&User::id))
                                                .where(col(&Post::title) == "no such title"));
    CHECK(nothing.empty());
    // Aggregates over no row: COUNT 0, the others NULL.
    auto [n, sum, avg, high] = (co_await session.execute(orca::select(orca::count(&Post::id), orca::sum(&Post::views),
                                                                      orca::avg(&Post::score), orca::max(&Post::title))
                                                             .where(col(&Post::views) > 1000)))
                                   .one();
    CHECK(n == 0);
    CHECK(!sum);
    CHECK(!avg);
    CHECK(!high);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  CHECK(outside(target, "SELECT count(*) FROM posts").at(0, 0).as_integer() == 3);
  CHECK(outside(target, "SELECT count(DISTINCT user_id) FROM posts").at(0, 0).as_integer() == 2);
}

TEST_CASE("functions, arithmetic, concatenation, between, not_in, ilike, is_null, labels and nulls ordering",
          "[query][actors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    // Built outside co_await: g++ 12 mishandles a string literal bound to a reference
    // parameter inside a co_await expression.
    auto functions = orca::select(orca::upper(&User::name), orca::lower(orca::coalesce(&User::email, "NONE")),
                                  orca::length(&User::name), col(&User::name) + "!")
                         .where(col(&User::name) == "carol");
    auto row = (co_await session.execute(functions)).one();
    CHECK(row == std::tuple<std::string, std::string, std::int64_t, std::string>{"CAROL", "none", 5, "carol!"});
    auto doubled = co_await session.scalars(
        orca::select((col(&Post::views) * 2 + 1).label("twice")).order_by(col(&Post::views).desc()));
    CHECK(doubled == std::vector<std::int64_t>{21, 15, 11});
    auto by_label = co_await session.execute(
        orca::select(col(&Post::title), (col(&Post::views) - 100).label("deficit")).order_by(orca::desc(&Post::views)));
    CHECK(std::get<1>(by_label[0]) == -90);
    // Queries are awaited apart from braced lists: g++ 12 cannot keep an initializer list's
    // array alive across a co_await in the same expression.
    auto mid = co_await session.scalars(
        orca::select(col(&Post::title)).where(col(&Post::views).between(6, 10)).order_by(col(&Post::views)));
    CHECK(mid == std::vector<std::string>{"Bob's", "Hello"});
    auto others = orca::select(col(&Post::title)).where(col(&Post::title).not_in({"Hello", "again"}));
    auto not_in = co_await session.scalars(others);
    CHECK(not_in == std::vector<std::string>{"Bob's"});
    // ilike folds case on both backends.
    auto bob = co_await session.scalars(orca::select(col(&User::name)).where(col(&User::email).ilike("bob@%")));
    CHECK(bob == std::vector<std::string>{"bob"});
    auto no_email = co_await session.scalars(orca::select(col(&User::name)).where(col(&User::email) == std::nullopt));
    CHECK(no_email == std::vector<std::string>{"carol"});
    auto with_email = co_await session.scalars(
        orca::select(col(&User::name)).where(col(&User::email).is_not_null()).order_by(col(&User::name)));
    CHECK(with_email == std::vector<std::string>{"alice", "bob"});
    auto scores = co_await session.scalars(
        orca::select(col(&Post::score)).order_by(col(&Post::score).desc().nulls_first(), col(&Post::id)));
    REQUIRE(scores.size() == 3);
    CHECK(!scores[0]);
    CHECK(!scores[1]);
    CHECK(scores[2] == 1.5);
    auto server_now = co_await session.scalar(orca::select(orca::now()).select_from<User>().limit(1));
    auto drift = std::chrono::abs(std::chrono::system_clock::now() - server_now);
    CHECK(drift < std::chrono::minutes(5));
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  CHECK(outside(target, "SELECT count(*) FROM users WHERE lower(email) LIKE lower('bob@%')").at(0, 0).as_integer() ==
        1);
}

TEST_CASE("a column of a table not in the FROM is an orca::error before any SQL is sent", "[query][actors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    orca::test::captured_log log{orca::drivers::sql_logger()};
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (attempt == 0)
          co_await session.scalars(orca::select<Post>().where(col(&User::name) == "alice"));
        else
          co_await session.execute(orca::select(col(&Post::title)).where(col(&User::name) == "alice"));
        FAIL("a column outside the FROM was accepted");
      } catch (const orca::error& e) {
        CHECK(e.code() == orca::errc::invalid_argument);
        CHECK_THAT(e.what(), Catch::Contains("users.name") && Catch::Contains("FROM (posts)"));
      }
    }
    CHECK(log.lines().empty());
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.echo = true})));
}

TEST_CASE("exists, in(select) and scalar subqueries in the column list and in where", "[query][actors][subquery]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto writers = co_await session.scalars(
        orca::select(col(&User::name))
            .where(orca::exists(orca::select(col(&Post::id)).where(col(&Post::user_id) == col(&User::id))))
            .order_by(col(&User::name)));
    CHECK(writers == std::vector<std::string>{"alice", "bob"});
    auto silent = co_await session.scalars(
        orca::select(col(&User::name))
            .where(!orca::exists(orca::select(col(&Post::id)).where(col(&Post::user_id) == col(&User::id)))));
    CHECK(silent == std::vector<std::string>{"carol"});
    auto bobs = co_await session.scalars(
        orca::select(col(&Post::title))
            .where(col(&Post::user_id).in(orca::select(col(&User::id)).where(col(&User::name) == "bob"))));
    CHECK(bobs == std::vector<std::string>{"Bob's"});
    auto per_user = co_await session.execute(
        orca::select(
            col(&User::name),
            orca::select(orca::count(&Post::id)).where(col(&Post::user_id) == col(&User::id)).scalar_subquery())
            .order_by(col(&User::name)));
    REQUIRE(per_user.size() == 3);
    CHECK(std::get<1>(per_user[0]) == 2);
    CHECK(std::get<1>(per_user[2]) == 0);
    auto above_average = co_await session.scalars(
        orca::select(col(&Post::title))
            .where(col(&Post::views) > orca::select(orca::avg(&Post::views)).scalar_subquery()));
    CHECK(above_average == std::vector<std::string>{"Hello"});
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  CHECK(outside(target,
                "SELECT count(*) FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)")
            .at(0, 0)
            .as_integer() == 2);
}

TEST_CASE("objects mixed with columns come through the identity map", "[query][actors]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto alice = (co_await session.scalars(orca::select<User>().where(col(&User::name) == "alice"))).one();
    auto rows = co_await session.execute(orca::select<User>()
                                             .add_columns(orca::count(&Post::id))
                                             .outerjoin(&User::posts)
                                             .group_by(col(&User::id))
                                             .order_by(col(&User::name)));
    REQUIRE(rows.size() == 3);
    auto& [user, posts] = rows[0];
    CHECK(user.get() == alice.get());
    CHECK(posts == 2);
    CHECK(std::get<0>(rows[2])->name == "carol");
    CHECK(std::get<1>(rows[2]) == 0);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
}

TEST_CASE("a query of columns streams its rows batch by batch, equal to the same SQL elsewhere",
          "[query][actors][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  using row = std::tuple<std::string, std::int64_t, std::optional<std::int64_t>>;
  std::vector<row> streamed;
  run_test([](orca::engine engine, std::vector<row>* streamed) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    // 60 more posts, written in this transaction: the stream sees them (autoflush).
    auto bob = (co_await session.scalars(orca::select<User>().where(col(&User::name) == "bob"))).one();
    for (int i = 0; i < 60; ++i) session.add(Post{.user_id = bob->id, .title = "p" + std::to_string(i), .views = i});
    auto stmt = orca::select(col(&Post::title), col(&Post::views), col(&Post::user_id)).order_by(col(&Post::id));
    auto rows = co_await session.stream(stmt, 7);  // 63 rows in batches of 7
    while (auto r = co_await rows.next()) streamed->push_back(*r);
    co_await session.commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url), &streamed));
  auto expected = outside(target, "SELECT title, views, user_id FROM posts ORDER BY id");
  REQUIRE(streamed.size() == expected.size());
  REQUIRE(streamed.size() == 63);
  for (std::size_t i = 0; i < streamed.size(); ++i) {
    INFO("row " << i);
    CHECK(std::get<0>(streamed[i]) == expected.at(i, 0).as_text());
    CHECK(std::get<1>(streamed[i]) == expected.at(i, 1).as_integer());
    CHECK(std::get<2>(streamed[i]) == expected.at(i, 2).as_integer());
  }
}

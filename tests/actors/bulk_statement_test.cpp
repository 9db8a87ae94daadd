// Bulk UPDATE and DELETE statements and SQL text through the session facade, on every
// backend; effects read on an independent connection. Queries of columns: query_test.cpp.
#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "orca/orca.hpp"
#include "support/backends.hpp"
#include "support/blog_schema.hpp"
#include "query_test_support.hpp"

using blog::Post;
using blog::User;
using orca::col;
using query_test::outside;
using query_test::run_test;

TEST_CASE("a bulk update changes matching rows and the loaded objects, a bulk delete removes them from the session",
          "[query][actors][bulk]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto alice = (co_await session.scalars(orca::select<User>().where(col(&User::name) == "alice"))).one();
    auto hers = co_await session.scalars(
        orca::select<Post>().where(col(&Post::user_id) == alice->id).order_by(&Post::id));
    REQUIRE(hers.size() == 2);
    auto updated = co_await session.execute(
        orca::update<Post>()
            .where(col(&Post::user_id) == alice->id)
            .values(orca::set(&Post::views, col(&Post::views) + 100), orca::set(&Post::score, std::nullopt)));
    CHECK(updated == 2);
    CHECK(hers.all()[0]->views == 110);  // the loaded objects took the new values
    CHECK(hers.all()[1]->views == 105);
    CHECK(!hers.all()[0]->score);
    auto deleted = co_await session.execute(orca::delete_from<Post>().where(col(&Post::views) > 106));
    CHECK(deleted == 1);
    auto gone = co_await session.get<Post>(hers.all()[0]->id);
    CHECK(gone == nullptr);
    auto none = co_await session.execute(orca::delete_from<Post>().where(col(&Post::title) == "none such"));
    CHECK(none == 0);
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto rows = outside(target, "SELECT title, views FROM posts ORDER BY id");
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0).as_text() == "again");
  CHECK(rows.at(0, 1).as_integer() == 105);
  CHECK(rows.at(1, 1).as_integer() == 7);
}

TEST_CASE("bulk update and delete return the rows asked for with returning()", "[query][actors][bulk]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  using returned = std::vector<std::tuple<std::string, std::int32_t>>;
  auto result = std::make_shared<std::pair<returned, returned>>();
  run_test([](orca::engine engine, std::shared_ptr<std::pair<returned, returned>> result) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto loaded = (co_await session.scalars(orca::select<Post>().where(col(&Post::title) == "Hello"))).one();
    auto updated = co_await session.execute(orca::update<Post>()
                                                .where(col(&Post::views) >= 7)
                                                .values(orca::set(&Post::views, col(&Post::views) * 2))
                                                .returning(col(&Post::title), col(&Post::views)));
    for (auto& row : updated) result->first.push_back(row);
    CHECK(loaded->views == 20);  // returning() does not change how loaded objects are kept in step
    auto deleted = co_await session.execute(
        orca::delete_from<Post>().where(col(&Post::views) < 10).returning(col(&Post::title), col(&Post::views)));
    for (auto& row : deleted) result->second.push_back(row);
    auto none = co_await session.execute(
        orca::delete_from<Post>().where(col(&Post::title) == "none such").returning(col(&Post::id)));
    CHECK(none.empty());
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.echo = true}), result));
  auto& [updated, deleted] = *result;
  std::sort(updated.begin(), updated.end());
  CHECK(updated == returned{{"Bob's", 14}, {"Hello", 20}});
  CHECK(deleted == returned{{"again", 5}});
  // The database holds what the returned rows said.
  auto rows = outside(target, "SELECT title, views FROM posts ORDER BY title");
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0).as_text() == "Bob's");
  CHECK(rows.at(0, 1).as_integer() == 14);
  CHECK(rows.at(1, 1).as_integer() == 20);
}

TEST_CASE("a bulk delete rolled back gives the session its objects back", "[query][actors][bulk]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto bob = (co_await session.scalars(orca::select<User>().where(col(&User::name) == "bob"))).one();
    auto post = (co_await session.scalars(orca::select<Post>().where(col(&Post::user_id) == bob->id))).one();
    auto deleted = co_await session.execute(orca::delete_from<Post>().where(col(&Post::user_id) == bob->id));
    CHECK(deleted == 1);
    co_await session.rollback();
    auto again = co_await session.get<Post>(post->id);
    CHECK(again.get() == post.get());
    CHECK(again->title == "Bob's");
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  CHECK(outside(target, "SELECT count(*) FROM posts").at(0, 0).as_integer() == 3);
}

TEST_CASE("concurrent sessions incrementing with set(views, views + 1) lose no update", "[query][actors][bulk]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  constexpr int sessions = 8;
  constexpr int increments = 25;
  run_test([](orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto make = orca::async_sessionmaker(engine);
    std::vector<orca::task<void>> work;
    for (int i = 0; i < sessions; ++i)
      work.push_back([](orca::async_sessionmaker make) -> orca::task<void> {
        auto session = make();
        for (int k = 0; k < increments; ++k) {
          auto n = co_await session.execute(orca::update<Post>()
                                                .where(col(&Post::title) == "Bob's")
                                                .values(orca::set(&Post::views, col(&Post::views) + 1)));
          CHECK(n == 1);
          co_await session.commit();
        }
        co_await session.close();
      }(make));
    co_await orca::when_all(std::move(work));
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 4, .max_overflow = 4})));
  CHECK(outside(target, "SELECT views FROM posts WHERE title = 'Bob''s'").at(0, 0).as_integer() ==
        7 + sessions * increments);
}

TEST_CASE("SQL text and run_sync run in the session's own transaction", "[query][actors][text]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  run_test([](orca::test::backend_target target, orca::engine engine) -> orca::task<void> {
    co_await blog::reset(engine);
    auto session = orca::async_sessionmaker(engine)();
    session.add(User{.name = "dave"});
    co_await session.flush();
    orca::text_parameters by_name{{"name", "dave"}};
    auto found = co_await session.execute(
        orca::text("SELECT name, email FROM users WHERE name = :name AND name <> ':name' -- :ignored"), by_name);
    REQUIRE(found.size() == 1);
    CHECK((found.as<std::string, std::optional<std::string>>()[0]) ==
          std::tuple<std::string, std::optional<std::string>>{"dave", std::nullopt});
    auto changed = co_await session.execute(
        orca::text("UPDATE users SET email = :e WHERE name = :n").bind("e", "dave@example.org").bind("n", "dave"));
    CHECK(changed.affected_rows() == 1);
    std::int64_t seen = -1;
    auto count_users = [&seen](orca::connection& c) {
      seen = c.execute("SELECT count(*) FROM users WHERE email IS NOT NULL").at(0, 0).as_integer();
    };
    co_await session.run_sync(count_users);
    CHECK(seen == 3);  // dave's email is visible: the same transaction
    // Not committed yet: another connection does not see dave.
    CHECK(target.connect()->execute("SELECT count(*) FROM users WHERE name = 'dave'").at(0, 0).as_integer() == 0);
    try {
      co_await session.execute(orca::text("SELECT * FROM users WHERE id = :id"));
      FAIL("a missing parameter was accepted");
    } catch (const orca::error& e) {
      CHECK(e.code() == orca::errc::invalid_argument);
      CHECK_THAT(e.what(), Catch::Contains(":id"));
    }
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(target, orca::create_engine(target.url, {.sqlite_begin_immediate = false})));
  CHECK(outside(target, "SELECT email FROM users WHERE name = 'dave'").at(0, 0).as_text() == "dave@example.org");
}

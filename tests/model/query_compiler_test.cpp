// The SQL of queries of expressions, bulk statements and SQL text, on both dialects: values
// are bound, never spliced; columns outside the FROM and inexact values are refused.
#include <catch2/catch.hpp>

#include "orca/drivers/dialect.hpp"
#include "orca/model/compiler.hpp"
#include "support/blog_schema.hpp"

using blog::Post;
using blog::User;
using orca::col;

TEST_CASE("a join with group_by and having compiles to one statement with bound values", "[query][compiler]") {
  auto stmt = orca::select(col(&User::name), orca::count(&Post::id).label("n"))
                  .join(&User::posts)
                  .where(col(&Post::views) >= 3)
                  .group_by(col(&User::name))
                  .having(orca::count(&Post::id) > 1)
                  .order_by(orca::count(&Post::id).label("n").desc())
                  .limit(5);
  auto sqlite = orca::sql::compile_query(stmt.spec(), orca::drivers::sqlite_dialect());
  CHECK(sqlite.text ==
        "SELECT users.name, COUNT(posts.id) AS n FROM users JOIN posts ON posts.user_id = users.id WHERE posts.views "
        ">= ? GROUP BY users.name HAVING COUNT(posts.id) > ? ORDER BY n DESC LIMIT ?");
  CHECK(sqlite.parameters == orca::params{3, 1, 5});
  auto pg = orca::sql::compile_query(stmt.spec(), orca::drivers::postgresql_dialect());
  CHECK_THAT(pg.text, Catch::Contains("WHERE posts.views >= $1") && Catch::Contains("LIMIT $3"));
}

TEST_CASE("a comparison never changes a value: out of range is an orca::error, nullopt is IS NULL",
          "[query][compiler]") {
  CHECK_THROWS_MATCHES(
      col(&Post::views) == 5'000'000'000LL, orca::error,
      Catch::Predicate<orca::error>([](const orca::error& e) { return e.code() == orca::errc::invalid_argument; }));
  CHECK_THROWS_AS(col(&Post::score) == (std::int64_t{1} << 60), orca::error);
  auto is_null = orca::select(col(&User::name)).where(col(&User::email) == std::nullopt);
  CHECK(orca::sql::compile_query(is_null.spec(), orca::drivers::sqlite_dialect()).text ==
        "SELECT users.name FROM users WHERE users.email IS NULL");
  auto exact = col(&Post::views) == 2'000'000'000;
  auto in_range = orca::select(col(&Post::id)).where(exact);
  CHECK(orca::sql::compile_query(in_range.spec(), orca::drivers::sqlite_dialect()).parameters ==
        orca::params{std::int64_t{2'000'000'000}});
}

TEST_CASE("a column of a table outside the FROM is refused when compiled", "[query][compiler]") {
  auto objects = orca::select<Post>().where(col(&User::name) == "alice");
  CHECK_THROWS_WITH(orca::sql::compile_select(objects.spec(), orca::drivers::sqlite_dialect()),
                    Catch::Contains("users.name") && Catch::Contains(".join("));
  // In a subquery the enclosing query's tables are visible (correlation).
  auto correlated = orca::select(col(&User::name))
                        .where(orca::exists(orca::select(col(&Post::id)).where(col(&Post::user_id) == col(&User::id))));
  CHECK(orca::sql::compile_query(correlated.spec(), orca::drivers::postgresql_dialect()).text ==
        "SELECT users.name FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)");
}

TEST_CASE("bulk statements and SQL text bind every value", "[query][compiler]") {
  auto up = orca::update<Post>().where(col(&Post::id) == 4).values(orca::set(&Post::views, col(&Post::views) + 1));
  auto sql = orca::sql::compile_bulk(up.spec(), orca::drivers::postgresql_dialect());
  CHECK_THAT(sql.text, Catch::StartsWith("UPDATE posts SET views = posts.views + $1 WHERE posts.id = $2 RETURNING "));
  CHECK(sql.parameters == orca::params{1, 4});
  auto del = orca::delete_from<Post>().where(col(&Post::title).ilike("a%"));
  CHECK(orca::sql::compile_bulk(del.spec(), orca::drivers::sqlite_dialect()).text ==
        "DELETE FROM posts WHERE lower(posts.title) LIKE lower(?) RETURNING posts.id");
  auto asked = orca::delete_from<Post>().where(col(&Post::id) == 4).returning(col(&Post::title), col(&Post::views) + 1);
  auto with_returning = orca::sql::compile_bulk(asked.spec(), orca::drivers::postgresql_dialect());
  CHECK(with_returning.text ==
        "DELETE FROM posts WHERE posts.id = $1 RETURNING posts.id, posts.title, posts.views + $2");
  CHECK(with_returning.parameters == orca::params{4, 1});
  auto text = orca::sql::compile_text(orca::text("SELECT :a::text, ':a', \":a\" -- :a\nWHERE x = :a"), {{"a", "v"}},
                                      orca::drivers::postgresql_dialect());
  CHECK(text.text == "SELECT $1::text, ':a', \":a\" -- :a\nWHERE x = $2");
  CHECK(text.parameters == orca::params{"v", "v"});
  CHECK_THROWS_WITH(orca::sql::compile_text(orca::text("SELECT :b"), {}, orca::drivers::sqlite_dialect()),
                    Catch::Contains(":b"));
}

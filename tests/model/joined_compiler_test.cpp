// The SQL of joinedload statements on both dialects: the class's columns then each joined
// table's under its alias, LEFT OUTER JOINs in option order, and with limit/offset over a
// joined collection the class's own SELECT as a subquery named as its table.
#include <catch2/catch.hpp>

#include "orca/drivers/dialect.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/select.hpp"
#include "support/blog_schema.hpp"

using blog::Post;
using blog::User;
using orca::col;
using orca::joinedload;

namespace {

const auto& sqlite = orca::drivers::sqlite_dialect();
const auto& postgresql = orca::drivers::postgresql_dialect();

constexpr const char* user_columns = "users.id, users.name, users.email";
constexpr const char* joined_posts = "posts_1.id, posts_1.user_id, posts_1.title, posts_1.views, posts_1.score";

}  // namespace

TEST_CASE("joinedload of a collection joins the child table under an alias", "[model][compiler][joinedload]") {
  auto stmt = orca::select<User>()
                  .where(col(&User::name) == "alice")
                  .order_by(&User::id)
                  .options(joinedload(&User::posts))
                  .spec();
  auto compiled = orca::sql::compile_select(stmt, sqlite);
  CHECK(compiled.text == std::string{"SELECT "} + user_columns + ", " + joined_posts +
                             " FROM users LEFT OUTER JOIN posts AS posts_1 ON users.id = posts_1.user_id"
                             " WHERE users.name = ? ORDER BY users.id");
  CHECK(compiled.parameters == orca::params{"alice"});
}

TEST_CASE("limit over a joined collection limits a subquery of the parents, which alone are locked",
          "[model][compiler][joinedload]") {
  auto stmt = orca::select<User>()
                  .where(col(&User::id) > 1)
                  .order_by(orca::desc(&User::name))
                  .limit(2)
                  .offset(1)
                  .with_for_update()
                  .options(joinedload(&User::posts))
                  .spec();
  auto compiled = orca::sql::compile_select(stmt, postgresql);
  CHECK(compiled.text == std::string{"SELECT "} + user_columns + ", " + joined_posts + " FROM (SELECT " + user_columns +
                             " FROM users WHERE users.id > $1 ORDER BY users.name DESC LIMIT $2 OFFSET $3 FOR UPDATE)"
                             " AS users LEFT OUTER JOIN posts AS posts_1 ON users.id = posts_1.user_id"
                             " ORDER BY users.name DESC");
  CHECK(compiled.parameters == orca::params{std::int64_t{1}, std::int64_t{2}, std::int64_t{1}});
  // Without a limit, or with references only, nothing is wrapped; the lock names the parents.
  auto unlimited = orca::sql::compile_select(
      orca::select<User>().with_for_update().options(joinedload(&User::posts)).spec(), postgresql);
  CHECK_THAT(unlimited.text, !Catch::Contains("(SELECT") && Catch::EndsWith(" FOR UPDATE OF users"));
  auto references = orca::sql::compile_select(orca::select<Post>().limit(5).options(joinedload(&Post::author)).spec(),
                                              postgresql);
  CHECK_THAT(references.text, !Catch::Contains("(SELECT") && Catch::EndsWith(" LIMIT $1"));
}

TEST_CASE("a join of a join to the statement's own table gets its own alias", "[model][compiler][joinedload]") {
  auto stmt = orca::select<Post>().options(joinedload(&Post::author).joinedload(&User::posts)).spec();
  auto compiled = orca::sql::compile_select(stmt, sqlite);
  CHECK(compiled.text == std::string{"SELECT posts.id, posts.user_id, posts.title, posts.views, posts.score, "} +
                             "users_1.id, users_1.name, users_1.email, " + joined_posts +
                             " FROM posts LEFT OUTER JOIN users AS users_1 ON posts.user_id = users_1.id"
                             " LEFT OUTER JOIN posts AS posts_1 ON users_1.id = posts_1.user_id");
}

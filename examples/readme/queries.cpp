// The README's "Queries" examples, each once, on a small blog. Run by ctest (readme_queries);
// exits 1 if a result is not what the data says.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <orca/orca.hpp>

struct Post;

struct User {
  std::int64_t id = 0;
  std::string name{};
  orca::collection<Post> posts{};
};

struct Post {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string title{};
  std::int64_t views = 0;
};

void orca_table(orca::table_builder<User>& t) {
  t.table("users");
  t.column("id", &User::id).primary_key();
  t.column("name", &User::name);
  t.relationship("posts", &User::posts, &Post::user_id);
}

void orca_table(orca::table_builder<Post>& t) {
  t.table("posts");
  t.column("id", &Post::id).primary_key();
  t.column("user_id", &Post::user_id).foreign_key(&User::id);
  t.column("title", &Post::title);
  t.column("views", &Post::views);
}

orca::task<int> queries(orca::engine engine) {
  int failures = 0;
  auto expect = [&failures](bool ok, const char* what) {
    if (!ok) {
      std::cerr << "readme_queries: " << what << "\n";
      ++failures;
    }
  };
  co_await engine.begin().run_sync([](orca::connection& c) {
    orca::metadata::of<User, Post>().drop_all(c);
    orca::metadata::of<User, Post>().create_all(c);
  });
  auto session = orca::async_sessionmaker(engine)();
  session.add(User{.name = "alice", .posts = {Post{.title = "Hello"}, Post{.title = "Again"}}});
  session.add(User{.name = "bob"});
  co_await session.commit();
  using orca::col;

  // [count]
  auto page = co_await session.scalars(orca::select<Post>().order_by(&Post::id).limit(20).offset(0));
  auto total = co_await session.scalar(orca::select(orca::count()).select_from<Post>());  // std::int64_t
  // [count]
  expect(page.size() == 2 && total == 2, "a page and its total");

  // [per_user]
  auto per_user = co_await session.execute(orca::select(col(&User::name), orca::count(&Post::id).label("posts"))
                                               .outerjoin(&User::posts)
                                               .group_by(col(&User::name))
                                               .order_by(orca::desc(&User::name)));
  for (auto& [name, posts] : per_user) std::cout << name << ": " << posts << "\n";  // bob: 0, alice: 2
  // [per_user]
  expect(per_user.size() == 2 && std::get<1>(per_user[0]) == 0 && std::get<1>(per_user[1]) == 2, "posts per user");

  // [increment]
  // views = views + 1 in the database: concurrent sessions lose no increment.
  auto hello =
      orca::update<Post>().where(col(&Post::title) == "Hello").values(orca::set(&Post::views, col(&Post::views) + 1));
  std::int64_t updated = co_await session.execute(hello);  // rows updated; loaded posts take the new value
  co_await session.commit();
  // [increment]
  expect(updated == 1, "one post incremented");

  // [bulk_delete]
  std::int64_t removed = co_await session.execute(orca::delete_from<Post>().where(col(&Post::views) == 0));
  // With returning(), the deleted rows come back as typed rows instead of a count:
  auto gone = co_await session.execute(
      orca::delete_from<Post>().where(col(&Post::views) < 0).returning(col(&Post::id), col(&Post::title)));
  for (auto& [id, title] : gone) std::cout << "deleted post " << id << ": " << title << "\n";  // none left
  // [bulk_delete]
  expect(removed == 1 && gone.empty(), "one post deleted");

  // [text]
  // In the session's own transaction: it sees the DELETE above, not yet committed.
  orca::text_parameters user{{"user", std::int64_t{1}}};  // or orca::text("...").bind("user", 1)
  auto left = co_await session.execute(orca::text("SELECT count(*) FROM posts WHERE user_id = :user"), user);
  std::int64_t posts_left = left.at(0, 0).as_integer();  // 1
  co_await session.commit();
  // [text]
  expect(posts_left == 1, "text sees the session's own changes");

  // [exists]
  auto writers = co_await session.scalars(
      orca::select(col(&User::name))
          .where(orca::exists(orca::select(col(&Post::id)).where(col(&Post::user_id) == col(&User::id)))));
  // [exists]
  expect(writers == std::vector<std::string>{"alice"}, "alice has posts, bob none");
  co_await session.close();
  co_await engine.dispose();
  co_return failures == 0 ? 0 : 1;
}

int main() {
  auto engine = orca::create_engine("sqlite:///readme_queries.db", {.echo = true});
  return orca::run(queries(engine));
}

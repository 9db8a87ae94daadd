// A small blog (users, posts) for the query tests: a one-to-many collection, a many-to-one
// reference, a 32-bit counter and nullable columns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"

namespace blog {

struct Post;

struct User {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> email{};
  orca::collection<Post> posts{};
};

struct Post {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string title;
  std::int32_t views = 0;
  std::optional<double> score{};
  orca::reference<User> author{};
};

inline void orca_table(orca::table_builder<User>& t) {
  t.table("users");
  t.column("id", &User::id).primary_key();
  t.column("name", &User::name);
  t.column("email", &User::email);
  t.relationship("posts", &User::posts, &Post::user_id);
}

inline void orca_table(orca::table_builder<Post>& t) {
  t.table("posts");
  t.column("id", &Post::id).primary_key();
  t.column("user_id", &Post::user_id).foreign_key(&User::id);
  t.column("title", &Post::title);
  t.column("views", &Post::views);
  t.column("score", &Post::score);
  t.relationship("author", &Post::author, &Post::user_id);
}

}  // namespace blog

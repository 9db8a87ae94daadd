// The many-to-many tests' schema: posts and tags paired through an association table, and a
// database filled with a few of each. Used by tests/model/many_to_many*_test.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
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

/// The integer in the first row and column of `sql`'s result.
inline std::int64_t count(orca::drivers::connection& c, const std::string& sql) {
  return c.execute(sql).at(0, 0).as_integer();
}

// Posts 1 ("one", tags a, b) and 2 ("two", tag b); tag 3 ("c") on nothing.
inline std::unique_ptr<orca::drivers::connection> fresh_database(const orca::test::backend_target& target) {
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

}  // namespace m2m

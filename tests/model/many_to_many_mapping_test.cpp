// Many-to-many mappings: the association table's DDL (on every backend) and the mappings
// refused when a class is first used; and relationships over a composite key, which the
// mapping refuses too. Loads and flushes of many-to-many collections: many_to_many_test.cpp.
#include <cstdint>
#include <string>
#include <tuple>

#include <catch2/catch.hpp>

#include "orca/model/compiler.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "many_to_many_test_support.hpp"
#include "support/backends.hpp"

namespace m2m {

// An association table whose foreign keys do not cascade: refused.
struct loose;
struct keeper {
  std::int64_t id = 0;
  orca::collection<loose> looses{};
};
struct loose {
  std::int64_t id = 0;
};
struct keeper_loose {
  std::int64_t keeper_id = 0;
  std::int64_t loose_id = 0;
};
inline void orca_table(orca::table_builder<keeper>& t) {
  t.table("m2m_keeper");
  t.column("id", &keeper::id).primary_key();
  t.relationship("looses", &keeper::looses).secondary(&keeper_loose::keeper_id, &keeper_loose::loose_id);
}
inline void orca_table(orca::table_builder<loose>& t) {
  t.table("m2m_loose");
  t.column("id", &loose::id).primary_key();
}
inline void orca_table(orca::table_builder<keeper_loose>& t) {
  t.table("m2m_keeper_loose");
  t.column("keeper_id", &keeper_loose::keeper_id).primary_key().foreign_key(&keeper::id);
  t.column("loose_id", &keeper_loose::loose_id).primary_key().foreign_key(&loose::id, orca::on_delete::cascade);
}

// A collection without a foreign key and without secondary(): refused.
struct shelf {
  std::int64_t id = 0;
  orca::collection<loose> items{};
};
inline void orca_table(orca::table_builder<shelf>& t) {
  t.table("m2m_shelf");
  t.column("id", &shelf::id).primary_key();
  t.relationship("items", &shelf::items);
}

// A many-to-many that cascades remove, and secondary() on a one-to-many: refused.
struct cascader {
  std::int64_t id = 0;
  orca::collection<loose> looses{};
};
inline void orca_table(orca::table_builder<cascader>& t) {
  t.table("m2m_cascader");
  t.column("id", &cascader::id).primary_key();
  t.relationship("looses", &cascader::looses)
      .secondary(&keeper_loose::keeper_id, &keeper_loose::loose_id)
      .cascade(orca::cascade::all);
}
struct owned {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;
};
struct parent {
  std::int64_t id = 0;
  orca::collection<owned> children{};
};
inline void orca_table(orca::table_builder<owned>& t) {
  t.table("m2m_owned");
  t.column("id", &owned::id).primary_key();
  t.column("parent_id", &owned::parent_id);
}
inline void orca_table(orca::table_builder<parent>& t) {
  t.table("m2m_parent");
  t.column("id", &parent::id).primary_key();
  t.relationship("children", &parent::children, &owned::parent_id)
      .secondary(&keeper_loose::keeper_id, &keeper_loose::loose_id);
}

// Relationships to and from a composite key: refused at mapping time.
struct line;
struct order {
  std::int64_t region = 0;
  std::int64_t number = 0;
  orca::collection<line> lines{};
};
struct line {
  std::int64_t id = 0;
  std::int64_t order_region = 0;
  std::int64_t order_number = 0;
};
inline void orca_table(orca::table_builder<order>& t) {
  t.table("m2m_order");
  t.column("region", &order::region).primary_key();
  t.column("number", &order::number).primary_key();
  t.relationship("lines", &order::lines, &line::order_number);
}
inline void orca_table(orca::table_builder<line>& t) {
  t.table("m2m_line");
  t.column("id", &line::id).primary_key();
  t.column("order_region", &line::order_region);
  t.column("order_number", &line::order_number);
  t.foreign_key(std::tuple{&line::order_region, &line::order_number}, std::tuple{&order::region, &order::number});
}
struct line_ref {
  std::int64_t id = 0;
  std::int64_t order_number = 0;
  orca::reference<order> of{};
};
inline void orca_table(orca::table_builder<line_ref>& t) {
  t.table("m2m_line_ref");
  t.column("id", &line_ref::id).primary_key();
  t.column("order_number", &line_ref::order_number);
  t.relationship("of", &line_ref::of, &line_ref::order_number);
}

}  // namespace m2m

using m2m::count;
using m2m::fresh_database;
using m2m::post;
using m2m::post_tag;
using m2m::tag;

namespace {

void check_refused(const orca::table_info& (*table)(), const std::string& part) {
  try {
    (void)table();
    FAIL("expected invalid_argument");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::invalid_argument);
    CHECK_THAT(e.message(), Catch::Contains(part));
  }
}

}  // namespace

TEST_CASE("the association table is created after both sides, with a composite key and cascading foreign keys",
          "[model][relationships][many_to_many]") {
  auto sorted = orca::metadata::of<post>().sorted_tables();
  REQUIRE(sorted.size() == 3);  // the tag and the association table are reached from post.tags
  CHECK(sorted[2]->name() == "m2m_post_tag");
  auto& rel = *orca::table_of<post>().relationship_for(&post::tags);
  CHECK(rel.kind == orca::relationship_kind::many_to_many);
  REQUIRE(rel.secondary.has_value());
  CHECK(&rel.secondary->table() == &orca::table_of<post_tag>());
  CHECK(rel.back_populates == orca::table_of<tag>().relationship_for(&tag::posts));
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto c = target.connect();
  auto ddl = orca::sql::create_table(orca::table_of<post_tag>(), false, c->sql_dialect());
  CHECK_THAT(ddl, Catch::Contains("PRIMARY KEY("));
  CHECK_THAT(ddl, Catch::Contains("ON DELETE CASCADE"));
  auto conn = fresh_database(target);
  // Deleting either side deletes its association rows in the database itself.
  conn->execute_script("DELETE FROM m2m_tag WHERE id = 1");
  CHECK(count(*conn, "SELECT count(*) FROM m2m_post_tag") == 2);
  orca::metadata::of<post>().drop_all(*conn);
}

TEST_CASE("a many-to-many mapping is checked when the class is first used", "[model][relationships][many_to_many]") {
  check_refused(&orca::table_of<m2m::keeper>, "needs orca::on_delete::cascade");
  check_refused(&orca::table_of<m2m::shelf>, "shelf.items is a collection without a foreign key");
  check_refused(&orca::table_of<m2m::cascader>, "does not cascade remove or remove_orphan");
  check_refused(&orca::table_of<m2m::parent>, "secondary() goes on a many-to-many collection");
}

TEST_CASE("relationships over a composite key are refused when the class is first used",
          "[model][relationships][keys]") {
  check_refused(&orca::table_of<m2m::order>,
                "relationship order.lines is not supported: order's primary key is composite");
  check_refused(&orca::table_of<m2m::line_ref>,
                "relationship line_ref.of is not supported: order's primary key is composite");
}

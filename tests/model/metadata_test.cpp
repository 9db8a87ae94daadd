// Tests of orca::metadata: foreign-key dependency order, and create_all / drop_all run on
// every backend (PostgreSQL's DDL is transactional too), checked through the catalog.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/drivers/error.hpp"
#include "orca/drivers/url.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/select.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

namespace metadata_test {

/// c refers to b (of the seed), and to itself.
struct C {
  std::int64_t id = 0;
  std::int64_t b_id = 0;
  std::optional<std::int64_t> parent_id;
};
void orca_table(orca::table_builder<C>& t) {
  t.table("c");
  t.column("id", &C::id).primary_key();
  t.column("b_id", &C::b_id).foreign_key(&seed::B::id);
  t.column("parent_id", &C::parent_id).foreign_key(&C::id);
}

struct Y;
/// x and y refer to each other: no creation order exists.
struct X {
  std::int64_t id = 0;
  std::int64_t y_id = 0;
};
struct Y {
  std::int64_t id = 0;
  std::int64_t x_id = 0;
};
/// z refers to x, so it waits on the cycle without being part of it.
struct Z {
  std::int64_t id = 0;
  std::int64_t x_id = 0;
};
void orca_table(orca::table_builder<X>& t) {
  t.table("x");
  t.column("id", &X::id).primary_key();
  t.column("y_id", &X::y_id).foreign_key(&Y::id);
}
void orca_table(orca::table_builder<Y>& t) {
  t.table("y");
  t.column("id", &Y::id).primary_key();
  t.column("x_id", &Y::x_id).foreign_key(&X::id);
}
void orca_table(orca::table_builder<Z>& t) {
  t.table("z");
  t.column("id", &Z::id).primary_key();
  t.column("x_id", &Z::x_id).foreign_key(&X::id);
}

}  // namespace metadata_test

namespace {

std::vector<std::string> names(const std::vector<const orca::table_info*>& tables) {
  std::vector<std::string> result;
  for (auto* t : tables) result.push_back(t->name());
  return result;
}

/// The tables and secondary indexes of the connection's schema, sorted (sqlite_master on
/// SQLite; pg_class in the current schema on PostgreSQL, primary key indexes left out as
/// SQLite's automatic ones are).
std::vector<std::string> schema_objects(orca::drivers::connection& connection) {
  auto rows = connection.sql_dialect().name() == "sqlite"
                  ? connection.execute(
                        "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")
                  : connection.execute(
                        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i') "
                        "AND c.relname NOT LIKE '%\\_pkey' ORDER BY c.relname");
  std::vector<std::string> result;
  for (std::size_t i = 0; i < rows.size(); ++i) result.push_back(rows.at(i, 0).as_text());
  return result;
}

}  // namespace

TEST_CASE("sorted_tables puts b after a whatever the declaration order", "[metadata]") {
  CHECK(names(orca::metadata::of<seed::A, seed::B>().sorted_tables()) == std::vector<std::string>{"a", "b"});
  CHECK(names(orca::metadata::of<seed::B, seed::A>().sorted_tables()) == std::vector<std::string>{"a", "b"});
  CHECK(names(orca::metadata{orca::table_of<metadata_test::C>, orca::table_of<seed::B>, orca::table_of<seed::A>}
                  .sorted_tables()) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("sorted_tables includes tables reached only through foreign keys or relationships", "[metadata]") {
  SECTION("through a relationship") {
    CHECK(names(orca::metadata::of<seed::A>().sorted_tables()) == std::vector<std::string>{"a", "b"});
  }
  SECTION("through foreign keys, transitively") {
    CHECK(names(orca::metadata::of<metadata_test::C>().sorted_tables()) == std::vector<std::string>{"a", "b", "c"});
  }
  SECTION("listed twice, kept once") {
    CHECK(names(orca::metadata::of<seed::B, seed::B, seed::A>().sorted_tables()) == std::vector<std::string>{"a", "b"});
  }
}

TEST_CASE("a foreign key cycle is an error naming the tables of the cycle", "[metadata]") {
  try {
    (void)orca::metadata::of<metadata_test::Z, metadata_test::X>().sorted_tables();
    FAIL("expected invalid_argument");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::invalid_argument);
    CHECK_THAT(e.message(), Catch::Contains("tables x, y form a cycle"));
  }
}

TEST_CASE("create_all creates the seed tables and index, drop_all removes them", "[metadata][backends]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto connection = target.connect();
  auto meta = orca::metadata::of<seed::B, seed::A>();
  meta.create_all(*connection);
  CHECK(schema_objects(*connection) == std::vector<std::string>{"a", "b", "ix_b_a_id"});

  connection->execute("INSERT INTO a (data) VALUES ('a1')");
  auto row = connection->execute("SELECT id, create_date FROM a");
  REQUIRE(row.size() == 1);
  CHECK(row.at(0, 0).as_integer() == 1);
  CHECK(row.at(0, 1).as_timestamp() > orca::timestamp{});

  meta.drop_all(*connection);
  CHECK(schema_objects(*connection).empty());
}

TEST_CASE("create_all and drop_all with check_first may run twice, without it they fail", "[metadata][backends]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto connection = target.connect();
  auto meta = orca::metadata::of<seed::A, seed::B>();
  meta.create_all(*connection);
  CHECK_NOTHROW(meta.create_all(*connection, true));
  CHECK_THROWS_AS(meta.create_all(*connection, false), orca::error);
  meta.drop_all(*connection, false);
  CHECK(schema_objects(*connection).empty());
  CHECK_NOTHROW(meta.drop_all(*connection, true));
  CHECK_THROWS_AS(meta.drop_all(*connection, false), orca::error);
}

TEST_CASE("create_all runs inside the connection transaction and a rollback undoes it", "[metadata][backends]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto connection = target.connect();
  connection->begin();
  orca::metadata::of<seed::A>().create_all(*connection);
  CHECK_FALSE(schema_objects(*connection).empty());
  connection->rollback();
  CHECK(schema_objects(*connection).empty());
  CHECK(schema_objects(*target.connect()).empty());
}

TEST_CASE("the seed's compiled DDL and statements run on every backend", "[metadata][compiler][backends]") {
  auto target = GENERATE(Catch::Generators::from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto connection = target.connect();
  auto& dialect = connection->sql_dialect();
  auto& a = orca::table_of<seed::A>();
  auto& b = orca::table_of<seed::B>();
  auto meta = orca::metadata::of<seed::A, seed::B>();
  meta.drop_all(*connection);
  meta.create_all(*connection);

  // Keys come back ascending in row order (the ordered form on PostgreSQL), with the
  // server's create_date.
  auto data = a.find_column("data")->ordinal;
  auto returning = std::vector<std::size_t>{a.primary_key().ordinal, a.find_column("create_date")->ordinal};
  auto as = connection->execute(orca::sql::insert(a, {data}, 3, returning, dialect), {"a1", nullptr, "a3"});
  REQUIRE(as.size() == 3);
  // The flush gives the i-th RETURNING row's key to the i-th object: the rows must come back
  // in VALUES order, not merely hold the right keys.
  std::vector<std::int64_t> keys;
  for (std::size_t i = 0; i < as.size(); ++i) {
    keys.push_back(as.at(i, 0).as_integer());
    CHECK(as.at(i, 1).as_timestamp() > orca::timestamp{});
  }
  CHECK(keys == std::vector<std::int64_t>{1, 2, 3});
  auto stored = connection->execute("SELECT id, data FROM a ORDER BY id");
  REQUIRE(stored.size() == 3);
  CHECK(stored.at(0, 1) == orca::value{"a1"});  // the key returned first is the first row's
  CHECK(stored.at(1, 1).is_null());
  CHECK(stored.at(2, 1) == orca::value{"a3"});
  auto a_id = b.find_column("a_id")->ordinal;
  auto bs = connection->execute(
      orca::sql::insert(b, {a_id, b.find_column("data")->ordinal}, 2, {b.primary_key().ordinal}, dialect),
      {std::int64_t{1}, "x", std::int64_t{3}, nullptr});
  CHECK(bs.size() == 2);
  CHECK(connection->execute(orca::sql::insert(a, {}, 1, {}, dialect)).affected_rows == 1);

  auto later = orca::select<seed::A>().where(orca::col(&seed::A::id) > 1).order_by(orca::desc(&seed::A::id));
  auto selected = orca::sql::compile_select(later.limit(2).offset(1).spec(), dialect);
  auto rows = connection->execute(selected.text, selected.parameters);
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0, 0).as_integer() == 3);
  CHECK(rows.at(0, 1) == orca::value{"a3"});
  CHECK(rows.at(1, 1).is_null());
  auto children = connection->execute(orca::sql::select_in(b, a_id, 2, dialect), {std::int64_t{1}, std::int64_t{3}});
  CHECK(children.size() == 2);
  CHECK(connection->execute(orca::sql::select_by_key(a, dialect), {std::int64_t{4}}).size() == 1);

  auto injection = orca::select<seed::A>().where(orca::col(&seed::A::data) == "'; DROP TABLE a; --");
  auto evil = orca::sql::compile_select(injection.spec(), dialect);
  CHECK(connection->execute(evil.text, evil.parameters).empty());
  auto update = connection->execute(orca::sql::update(a, {data}, dialect), {"new data", std::int64_t{1}});
  CHECK(update.affected_rows == 1);
  CHECK(connection->execute(orca::sql::delete_by_key(b, dialect), {std::int64_t{1}}).affected_rows == 1);

  meta.drop_all(*connection, false);
  CHECK_NOTHROW(meta.create_all(*connection, false));
  meta.drop_all(*connection);
}

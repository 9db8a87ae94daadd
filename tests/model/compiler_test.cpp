// Tests of the SQL compiler: the exact SQL of the seed's statements and DDL on SQLite and
// PostgreSQL, operator precedence, identifier quoting, and values kept out of the SQL text.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "orca/drivers/dialect.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/expression.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/select.hpp"
#include "support/seed_schema.hpp"

namespace compiler_test {

/// A class whose table and column names must be quoted, with literal defaults.
struct account {
  std::int64_t id = 0;
  std::string order;
  std::optional<std::string> display_name;
  bool active = true;
  double score = 0;
  orca::blob avatar;
};

void orca_table(orca::table_builder<account>& t) {
  t.table("user");
  t.column("id", &account::id).primary_key();
  t.column("order", &account::order).unique();
  t.column("Display Name", &account::display_name).server_default(orca::value{"it's \"me\""});
  t.column("active", &account::active).server_default(orca::value{true});
  t.column("score", &account::score).server_default(orca::value{-0.25}).index();
  t.column("avatar", &account::avatar).server_default(orca::value{orca::blob{{0x0a, 0xff}}});
}

/// A versioned class, for UPDATE ... FROM (VALUES ...).
struct note {
  std::int64_t id = 0;
  std::string text;
  std::int64_t version = 0;
};

void orca_table(orca::table_builder<note>& t) {
  t.table("note");
  t.column("id", &note::id).primary_key();
  t.column("text", &note::text);
  t.column("version", &note::version).version();
}

}  // namespace compiler_test

namespace Catch {
/// Shows values in failure messages as SQL literals.
template <>
struct StringMaker<orca::value> {
  static std::string convert(const orca::value& x) { return orca::to_string(x); }
};
}  // namespace Catch

namespace {

using orca::col;
using seed::A;
using seed::B;
const auto& sqlite = orca::drivers::sqlite_dialect();
const auto& postgresql = orca::drivers::postgresql_dialect();

std::size_t column(const orca::table_info& table, std::string_view name) { return table.find_column(name)->ordinal; }

/// The WHERE clause of a compiled select of A, and its parameters.
orca::sql::statement where_of(const orca::condition& c, const orca::drivers::dialect& dialect = sqlite) {
  auto statement = orca::sql::compile_select(orca::select<A>().where(c).spec(), dialect);
  auto at = statement.text.find(" WHERE ");
  REQUIRE(at != std::string::npos);
  statement.text.erase(0, at + 7);
  return statement;
}

}  // namespace

TEST_CASE("identifiers are quoted only when they must be", "[compiler][dialect]") {
  auto quoted = [](const orca::drivers::dialect& d, std::string_view name) {
    std::string out;
    d.identifier(out, name);
    return out;
  };
  for (auto* d : {&sqlite, &postgresql}) {
    CHECK(quoted(*d, "create_date") == "create_date");
    CHECK(quoted(*d, "a1") == "a1");
    CHECK(quoted(*d, "select") == "\"select\"");
    CHECK(quoted(*d, "Order") == "\"Order\"");
    CHECK(quoted(*d, "1st") == "\"1st\"");
    CHECK(quoted(*d, "two words") == "\"two words\"");
    CHECK(quoted(*d, "say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(d->is_reserved("TABLE"));
    CHECK_FALSE(d->is_reserved("data"));
  }
  CHECK(quoted(postgresql, "user") == "\"user\"");
  CHECK(quoted(sqlite, "pragma") == "\"pragma\"");
}

TEST_CASE("placeholders are ? on SQLite and numbered on PostgreSQL", "[compiler][dialect]") {
  std::string out;
  sqlite.placeholder(out, 7);
  postgresql.placeholder(out, 12);
  CHECK(out == "?$12");
}

TEST_CASE("the seed's selectinload select compiles to a SELECT of a, then of b by a_id", "[compiler]") {
  auto stmt = orca::select<A>().options(orca::selectinload(&A::bs));
  REQUIRE(stmt.spec().loaders.size() == 1);
  auto& b = orca::table_of<B>();
  auto fk = stmt.spec().loaders[0].relationship->foreign_key;
  for (auto* d : {&sqlite, &postgresql}) {
    auto select = orca::sql::compile_select(stmt.spec(), *d);
    CHECK(select.text == "SELECT a.id, a.data, a.create_date FROM a");
    CHECK(select.parameters.empty());
  }
  CHECK(orca::sql::select_in(b, fk, 3, sqlite) == "SELECT b.id, b.a_id, b.data FROM b WHERE b.a_id IN (?, ?, ?)");
  CHECK(orca::sql::select_in(b, fk, 2, postgresql) == "SELECT b.id, b.a_id, b.data FROM b WHERE b.a_id IN ($1, $2)");
  CHECK(orca::sql::select_in(b, fk, 0, sqlite) == "SELECT b.id, b.a_id, b.data FROM b WHERE 1 = 0");
  CHECK(orca::sql::select_by_key(b, postgresql) == "SELECT b.id, b.a_id, b.data FROM b WHERE b.id = $1");
}

TEST_CASE("where, order by and limit bind their values in placeholder order", "[compiler]") {
  auto stmt = orca::select<A>().where(col(&A::data) == "a1").order_by(&A::id, orca::desc(&A::create_date)).limit(1);
  auto on_sqlite = orca::sql::compile_select(stmt.spec(), sqlite);
  CHECK(on_sqlite.text ==
        "SELECT a.id, a.data, a.create_date FROM a WHERE a.data = ? ORDER BY a.id, a.create_date DESC LIMIT ?");
  CHECK(on_sqlite.parameters == orca::params{"a1", std::int64_t{1}});
  auto on_postgresql = orca::sql::compile_select(stmt.offset(2).spec(), postgresql);
  CHECK(on_postgresql.text ==
        "SELECT a.id, a.data, a.create_date FROM a WHERE a.data = $1 ORDER BY a.id, a.create_date DESC "
        "LIMIT $2 OFFSET $3");
  CHECK(on_postgresql.parameters == orca::params{"a1", std::int64_t{1}, std::int64_t{2}});
}

TEST_CASE("an offset without a limit gets LIMIT -1 on SQLite only", "[compiler]") {
  auto stmt = orca::select<A>().order_by(&A::id).offset(5);
  CHECK(orca::sql::compile_select(stmt.spec(), sqlite).text ==
        "SELECT a.id, a.data, a.create_date FROM a ORDER BY a.id LIMIT -1 OFFSET ?");
  auto on_postgresql = orca::sql::compile_select(stmt.spec(), postgresql);
  CHECK(on_postgresql.text == "SELECT a.id, a.data, a.create_date FROM a ORDER BY a.id OFFSET $1");
  CHECK(on_postgresql.parameters == orca::params{std::int64_t{5}});
}

TEST_CASE("IN binds every element and an empty IN is false", "[compiler]") {
  auto in = where_of(col(&A::id).in({3, 1, 2}), postgresql);
  CHECK(in.text == "a.id IN ($1, $2, $3)");
  CHECK(in.parameters == orca::params{std::int64_t{3}, std::int64_t{1}, std::int64_t{2}});
  auto empty = where_of(col(&A::id).in(std::vector<std::int64_t>{}));
  CHECK(empty.text == "1 = 0");
  CHECK(empty.parameters.empty());
  CHECK(where_of(!col(&A::id).in(std::vector<std::int64_t>{})).text == "NOT (1 = 0)");
}

TEST_CASE("NOT, AND and OR keep their meaning with the fewest parentheses", "[compiler]") {
  auto id = col(&A::id);
  auto data = col(&A::data);
  CHECK(where_of((id > 1 || id < 0) && data.is_null()).text == "(a.id > ? OR a.id < ?) AND a.data IS NULL");
  CHECK(where_of(id == 1 || (id == 2 && data.like("x%"))).text == "a.id = ? OR a.id = ? AND a.data LIKE ?");
  CHECK(where_of(!(id == 1 && data.is_not_null())).text == "NOT (a.id = ? AND a.data IS NOT NULL)");
  CHECK(where_of(!(id != 1) || id <= 3).text == "NOT (a.id <> ?) OR a.id <= ?");
  CHECK(where_of((id >= 1 && id < 9) && (data == "x" || data == "y")).text ==
        "a.id >= ? AND a.id < ? AND (a.data = ? OR a.data = ?)");
  CHECK(where_of(id == 1 || (id == 2 || id == 3)).text == "a.id = ? OR a.id = ? OR a.id = ?");
}

TEST_CASE("chained where() calls are ANDed", "[compiler]") {
  auto stmt = orca::select<A>().where(col(&A::id) > 1).where(col(&A::id) < 5 || col(&A::data).is_null());
  auto compiled = orca::sql::compile_select(stmt.spec(), postgresql);
  CHECK(compiled.text == "SELECT a.id, a.data, a.create_date FROM a WHERE a.id > $1 AND (a.id < $2 OR a.data IS NULL)");
  CHECK(compiled.parameters == orca::params{std::int64_t{1}, std::int64_t{5}});
}

TEST_CASE("user values never enter the SQL text, only the parameters", "[compiler]") {
  const std::string evil = "'; DROP TABLE a; --";
  auto stmt = orca::select<A>().where(col(&A::data) == evil || col(&A::data).like(evil) || col(&A::data).in({evil}));
  for (auto* d : {&sqlite, &postgresql}) {
    auto compiled = orca::sql::compile_select(stmt.spec(), *d);
    CHECK(compiled.text.find("DROP") == std::string::npos);
    CHECK(compiled.text.find('\'') == std::string::npos);
    CHECK(compiled.parameters == orca::params{evil, evil, evil});
  }
}

TEST_CASE("multi-row INSERT ... RETURNING is plain VALUES on SQLite", "[compiler][insert]") {
  auto& a = orca::table_of<A>();
  auto& b = orca::table_of<B>();
  std::vector<std::size_t> b_columns{column(b, "a_id"), column(b, "data")};
  CHECK(orca::sql::insert(b, b_columns, 3, {column(b, "id")}, sqlite) ==
        "INSERT INTO b (a_id, data) VALUES (?, ?), (?, ?), (?, ?) RETURNING b.id");
  CHECK(orca::sql::insert(a, {column(a, "data")}, 1, {column(a, "id"), column(a, "create_date")}, sqlite) ==
        "INSERT INTO a (data) VALUES (?) RETURNING a.id, a.create_date");
  CHECK(orca::sql::insert(b, b_columns, 1, {}, sqlite) == "INSERT INTO b (a_id, data) VALUES (?, ?)");
}

TEST_CASE("multi-row INSERT ... RETURNING is ordered INSERT ... SELECT on PostgreSQL", "[compiler][insert]") {
  auto& a = orca::table_of<A>();
  auto& b = orca::table_of<B>();
  std::vector<std::size_t> b_columns{column(b, "a_id"), column(b, "data")};
  CHECK(orca::sql::insert(b, b_columns, 2, {column(b, "id")}, postgresql) ==
        "INSERT INTO b (a_id, data) SELECT p0, p1 FROM (VALUES ($1::BIGINT, $2::VARCHAR, 0), "
        "($3::BIGINT, $4::VARCHAR, 1)) AS v(p0, p1, n) ORDER BY n RETURNING b.id");
  CHECK(orca::sql::insert(a, {column(a, "data")}, 3, {column(a, "id"), column(a, "create_date")}, postgresql) ==
        "INSERT INTO a (data) SELECT p0 FROM (VALUES ($1::VARCHAR, 0), ($2::VARCHAR, 1), ($3::VARCHAR, 2)) "
        "AS v(p0, n) ORDER BY n RETURNING a.id, a.create_date");
  // One row has no order to keep.
  CHECK(orca::sql::insert(a, {column(a, "data")}, 1, {column(a, "id")}, postgresql) ==
        "INSERT INTO a (data) VALUES ($1) RETURNING a.id");
}

// Many rows' UPDATEs in one statement (PostgreSQL's flush): every placeholder cast, since
// VALUES has no column to take a type from; the key first in each row, a versioned class's
// next and known version last.
TEST_CASE("UPDATE ... FROM (VALUES ...) sets each row's columns by its key", "[compiler][update]") {
  auto& user = orca::table_of<compiler_test::account>();
  CHECK(orca::sql::update_from_values(user, {column(user, "order"), column(user, "score")}, 2, postgresql) ==
        "UPDATE \"user\" SET \"order\" = orca_v.p1, score = orca_v.p2 FROM (VALUES ($1::BIGINT, $2::VARCHAR, "
        "$3::DOUBLE PRECISION), ($4::BIGINT, $5::VARCHAR, $6::DOUBLE PRECISION)) AS orca_v(p0, p1, p2) WHERE "
        "\"user\".id = orca_v.p0");
  auto& notes = orca::table_of<compiler_test::note>();
  CHECK(orca::sql::update_from_values(notes, {column(notes, "text")}, 1, postgresql) ==
        "UPDATE note SET text = orca_v.p1, version = orca_v.p2 FROM (VALUES ($1::BIGINT, $2::VARCHAR, $3::BIGINT, "
        "$4::BIGINT)) AS orca_v(p0, p1, p2, p3) WHERE note.id = orca_v.p0 AND note.version = orca_v.p3");
  CHECK_THROWS_AS(orca::sql::update_from_values(notes, {}, 1, postgresql), orca::error);
}

TEST_CASE("an INSERT without columns uses DEFAULT VALUES, one row at a time", "[compiler][insert]") {
  auto& a = orca::table_of<A>();
  for (auto* d : {&sqlite, &postgresql}) {
    CHECK(orca::sql::insert(a, {}, 1, {column(a, "id"), column(a, "create_date")}, *d) ==
          "INSERT INTO a DEFAULT VALUES RETURNING a.id, a.create_date");
    CHECK_THROWS_AS(orca::sql::insert(a, {}, 2, {}, *d), orca::error);
  }
}

TEST_CASE("an INSERT beyond the dialect's parameter limit is refused", "[compiler][insert]") {
  auto& b = orca::table_of<B>();
  std::vector<std::size_t> b_columns{column(b, "a_id"), column(b, "data")};
  CHECK_NOTHROW(orca::sql::insert(b, b_columns, sqlite.max_parameters() / 2, {}, sqlite));
  CHECK_THROWS_AS(orca::sql::insert(b, b_columns, sqlite.max_parameters() / 2 + 1, {}, sqlite), orca::error);
}

TEST_CASE("UPDATE sets the changed columns and DELETE matches the primary key", "[compiler]") {
  auto& a = orca::table_of<A>();
  auto& b = orca::table_of<B>();
  CHECK(orca::sql::update(a, {column(a, "data")}, sqlite) == "UPDATE a SET data = ? WHERE a.id = ?");
  CHECK(orca::sql::update(a, {column(a, "data"), column(a, "create_date")}, postgresql) ==
        "UPDATE a SET data = $1, create_date = $2 WHERE a.id = $3");
  CHECK_THROWS_AS(orca::sql::update(a, {}, sqlite), orca::error);
  CHECK(orca::sql::delete_by_key(b, sqlite) == "DELETE FROM b WHERE b.id = ?");
  CHECK(orca::sql::delete_by_key(b, postgresql) == "DELETE FROM b WHERE b.id = $1");
}

TEST_CASE("the seed schema's DDL on SQLite matches SQLAlchemy's", "[compiler][ddl]") {
  auto& a = orca::table_of<A>();
  auto& b = orca::table_of<B>();
  CHECK(orca::sql::create_table(a, false, sqlite) ==
        "CREATE TABLE a (id INTEGER NOT NULL PRIMARY KEY, data VARCHAR, create_date TIMESTAMP DEFAULT "
        "(strftime('%Y-%m-%d %H:%M:%f', 'now')) NOT NULL)");
  CHECK(orca::sql::create_table(b, true, sqlite) ==
        "CREATE TABLE IF NOT EXISTS b (id INTEGER NOT NULL PRIMARY KEY, a_id INTEGER NOT NULL, data VARCHAR, "
        "FOREIGN KEY(a_id) REFERENCES a (id))");
  CHECK(orca::sql::create_indexes(a, false, sqlite).empty());
  CHECK(orca::sql::create_indexes(b, false, sqlite) == std::vector<std::string>{"CREATE INDEX ix_b_a_id ON b (a_id)"});
  CHECK(orca::sql::drop_table(b, true, sqlite) == "DROP TABLE IF EXISTS b");
  CHECK(orca::sql::drop_table(a, false, sqlite) == "DROP TABLE a");
}

TEST_CASE("the seed schema's DDL on PostgreSQL uses identity keys and UTC now()", "[compiler][ddl]") {
  auto& a = orca::table_of<A>();
  auto& b = orca::table_of<B>();
  CHECK(orca::sql::create_table(a, false, postgresql) ==
        "CREATE TABLE a (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, data VARCHAR, create_date "
        "TIMESTAMP WITHOUT TIME ZONE DEFAULT (now() AT TIME ZONE 'utc') NOT NULL)");
  CHECK(orca::sql::create_table(b, false, postgresql) ==
        "CREATE TABLE b (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, a_id BIGINT NOT NULL, data "
        "VARCHAR, FOREIGN KEY(a_id) REFERENCES a (id))");
  CHECK(orca::sql::create_indexes(b, true, postgresql) ==
        std::vector<std::string>{"CREATE INDEX IF NOT EXISTS ix_b_a_id ON b (a_id)"});
}

TEST_CASE("DDL quotes names and writes literal defaults, escaping quotes", "[compiler][ddl]") {
  auto& user = orca::table_of<compiler_test::account>();
  // "user" is reserved on PostgreSQL only.
  CHECK(orca::sql::create_table(user, false, sqlite) ==
        "CREATE TABLE user (id INTEGER NOT NULL PRIMARY KEY, \"order\" VARCHAR NOT NULL UNIQUE, "
        "\"Display Name\" VARCHAR DEFAULT 'it''s \"me\"', active BOOLEAN DEFAULT TRUE NOT NULL, "
        "score FLOAT DEFAULT -0.25 NOT NULL, avatar BLOB DEFAULT X'0aff' NOT NULL)");
  CHECK(orca::sql::create_table(user, false, postgresql) ==
        "CREATE TABLE \"user\" (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \"order\" VARCHAR NOT "
        "NULL UNIQUE, \"Display Name\" VARCHAR DEFAULT 'it''s \"me\"', active BOOLEAN DEFAULT TRUE NOT NULL, "
        "score DOUBLE PRECISION DEFAULT -0.25 NOT NULL, avatar BYTEA DEFAULT '\\x0aff'::BYTEA NOT NULL)");
  CHECK(orca::sql::create_indexes(user, false, postgresql) ==
        std::vector<std::string>{"CREATE INDEX ix_user_score ON \"user\" (score)"});
  CHECK(orca::sql::update(user, {column(user, "Display Name")}, postgresql) ==
        "UPDATE \"user\" SET \"Display Name\" = $1 WHERE \"user\".id = $2");
}

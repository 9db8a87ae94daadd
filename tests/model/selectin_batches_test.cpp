// Selectin loads in batches (orca::sync_session, every backend): selectin_batch_size parents
// a statement, a range for a batch of consecutive keys, a list of keys for the others.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "model/session_test_support.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

using seed::A;
using seed::B;
using session_test::object_of;
using session_test::recording_connection;
using session_test::reset_schema;

namespace {

// Commits 25 As with data "0" to "24" (keys 1 to 25); A i has children(i) Bs with its data.
void insert_parents(orca::drivers::connection& conn, const std::function<int(int)>& children) {
  reset_schema(conn, orca::metadata::of<A, B>());
  orca::sync_session setup;
  for (int i = 0; i < 25; ++i) {
    auto a = std::make_shared<A>(A{.data = std::to_string(i)});
    for (int j = 0; j < children(i); ++j) a->bs.add(std::make_shared<B>(B{.data = std::to_string(i)}));
    setup.add(object_of(a));
  }
  setup.commit(conn);
}

}  // namespace

TEST_CASE("selectin loads go in batches of selectin_batch_size parents", "[loading]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  insert_parents(conn, [](int) { return 1; });
  orca::sync_session s{{.selectin_batch_size = 10}};
  conn.clear();
  auto objects = s.execute(conn, orca::select<A>().options(orca::selectinload(&A::bs)).spec());
  REQUIRE(objects.size() == 25);
  CHECK(conn.count_starting_with("SELECT") == 1 + 3);
  for (auto& o : objects) {
    auto a = std::static_pointer_cast<A>(o.object);
    REQUIRE(a->bs.size() == 1);
    CHECK(a->bs[0]->data == a->data);
  }
}

// A batch of parents whose keys are consecutive integers asks for its children by one
// range (`a_id BETWEEN 11 AND 20`); a batch with a gap lists its keys. Either way each child
// goes to its parent, and the children of parents the query left out go nowhere.
TEST_CASE("selectin batches of consecutive keys ask for a range, batches with gaps list their keys", "[loading]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  insert_parents(conn, [](int i) { return i % 3; });
  auto count_containing = [&](std::string_view text) {
    return std::count_if(conn.statements().begin(), conn.statements().end(),
                         [&](const std::string& sql) { return sql.find(text) != std::string::npos; });
  };
  auto check_children = [](const std::vector<orca::object_ref>& objects) {
    std::size_t children = 0;
    for (auto& o : objects) {
      auto a = std::static_pointer_cast<A>(o.object);
      CHECK(a->bs.size() == static_cast<std::size_t>(std::stoi(*a->data) % 3));
      for (auto& b : a->bs) CHECK(b->data == a->data);
      children += a->bs.size();
    }
    return children;
  };
  SECTION("every parent: three ranges") {
    orca::sync_session s{{.selectin_batch_size = 10}};
    conn.clear();
    auto objects = s.execute(conn, orca::select<A>().options(orca::selectinload(&A::bs)).spec());
    REQUIRE(objects.size() == 25);
    CHECK(count_containing("BETWEEN") == 3);
    CHECK(count_containing(" IN (") == 0);
    CHECK(check_children(objects) == 24);  // 0 + 1 + 2 + 0 + 1 + 2 ...
  }
  SECTION("every parent in another order: sorted into three ranges") {
    orca::sync_session s{{.selectin_batch_size = 10}};
    conn.clear();
    // "0", "1", "10", "11", ...: the keys 1, 2, 11, 12, ... come first.
    auto objects = s.execute(conn, orca::select<A>().order_by(&A::data).options(orca::selectinload(&A::bs)).spec());
    REQUIRE(objects.size() == 25);
    CHECK(std::static_pointer_cast<A>(objects[2].object)->data == "10");
    CHECK(count_containing("BETWEEN") == 3);
    CHECK(count_containing(" IN (") == 0);
    CHECK(check_children(objects) == 24);
  }
  SECTION("parents with a gap: that batch lists its keys") {
    orca::sync_session s{{.selectin_batch_size = 10}};
    conn.clear();
    auto objects = s.execute(
        conn, orca::select<A>().where(orca::col(&A::data) != "4").options(orca::selectinload(&A::bs)).spec());
    REQUIRE(objects.size() == 24);
    CHECK(count_containing(" IN (") == 1);
    CHECK(count_containing("BETWEEN") == 2);
    CHECK(check_children(objects) == 23);  // parent 4's child is left out
  }
}

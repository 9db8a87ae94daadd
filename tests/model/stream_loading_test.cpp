// Streams of objects through orca::sync_session on every backend: one batch held at a time,
// several streams open on one connection, queries while a stream is open, and streams closed
// by the transaction's end.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "model/session_test_support.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

using seed::A;
using seed::B;
using session_test::data_of;
using session_test::new_a;
using session_test::object_of;
using session_test::reset_schema;
using session_test::reset_with_seed;

TEST_CASE("a stream of 10,000 rows in batches of 100 holds one batch at a time", "[loading][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  {
    orca::sync_session setup;
    for (int i = 0; i < 10'000; ++i) setup.add(object_of(new_a(std::to_string(i))));
    setup.commit(*conn);
  }

  orca::sync_session s;
  auto id = s.open_stream(*conn, orca::select<A>().order_by(&A::id).spec(), 100);
  CHECK(s.open_streams() == 1);
  std::int64_t previous = 0;
  std::size_t rows = 0, batches = 0, largest_map = 0;
  bool more = true;
  while (more) {
    auto batch = s.fetch_stream(*conn, id, more);
    CHECK(batch.size() <= 100);
    ++batches;
    for (auto& o : batch) {
      auto a = std::static_pointer_cast<A>(o.object);
      CHECK(a->id > previous);
      CHECK(a->data == std::to_string(rows));
      previous = a->id;
      ++rows;
    }
    largest_map = std::max(largest_map, s.objects().size());
  }
  CHECK(rows == 10'000);
  CHECK(batches >= 100);
  CHECK(batches <= 101);
  // Dropped objects are swept from the map as the stream goes: bounded, not 10,000.
  CHECK(largest_map <= 1024 + 100);
  CHECK(s.open_streams() == 0);
  try {
    s.fetch_stream(*conn, id, more);
    FAIL("an exhausted stream should be closed");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::closed);
  }
}

TEST_CASE("two streams open at once on one connection can be read interleaved", "[loading][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  {
    orca::sync_session setup;
    for (int i = 0; i < 300; ++i)
      setup.add(object_of(std::make_shared<A>(A{.data = std::to_string(i), .bs = {B{.data = std::to_string(i)}}})));
    setup.commit(*conn);
  }

  orca::sync_session s;
  auto as = s.open_stream(*conn, orca::select<A>().order_by(&A::id).spec(), 100);
  auto bs = s.open_stream(*conn, orca::select<B>().order_by(orca::desc(&B::id)).spec(), 30);
  CHECK(s.open_streams() == 2);
  std::size_t a_rows = 0, b_rows = 0;
  bool a_more = true, b_more = true;
  while (a_more || b_more) {
    if (a_more) a_rows += s.fetch_stream(*conn, as, a_more).size();
    if (b_more) b_rows += s.fetch_stream(*conn, bs, b_more).size();
  }
  CHECK(a_rows == 300);
  CHECK(b_rows == 300);
}

TEST_CASE("a stream of As can run a query per A while it is open, with selectinload per batch", "[loading][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_with_seed(*conn);

  orca::sync_session s;
  auto id = s.open_stream(*conn, orca::select<A>().order_by(&A::id).options(orca::selectinload(&A::bs)).spec(), 2);
  std::vector<std::shared_ptr<A>> seen;
  bool more = true;
  while (more)
    for (auto& o : s.fetch_stream(*conn, id, more)) {
      auto a = std::static_pointer_cast<A>(o.object);
      seen.push_back(a);
      auto inner = s.open_stream(*conn, orca::select<B>().where(orca::col(&B::a_id) == a->id).spec());
      bool inner_more = true;
      std::size_t count = 0;
      while (inner_more) count += s.fetch_stream(*conn, inner, inner_more).size();
      CHECK(count == a->bs.size());
    }
  REQUIRE(seen.size() == 3);
  CHECK(data_of(seen[0]->bs) == std::set<std::string>{"b1", "b2"});
  CHECK(data_of(seen[2]->bs) == std::set<std::string>{"b4", "b5"});
}

TEST_CASE("commit and rollback close the streams the transaction had open", "[loading][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_with_seed(*conn);

  orca::sync_session s;
  bool more = true;
  auto id = s.open_stream(*conn, orca::select<A>().spec(), 1);
  CHECK(s.fetch_stream(*conn, id, more).size() == 1);
  CHECK(more);
  s.commit(*conn);
  CHECK(s.open_streams() == 0);
  CHECK_THROWS_AS(s.fetch_stream(*conn, id, more), orca::error);

  id = s.open_stream(*conn, orca::select<A>().spec(), 1);
  s.rollback(*conn);
  CHECK(s.open_streams() == 0);
  CHECK_THROWS_AS(s.fetch_stream(*conn, id, more), orca::error);

  id = s.open_stream(*conn, orca::select<A>().spec(), 1);
  s.close_stream(id);
  s.close_stream(id);
  CHECK(s.open_streams() == 0);
  s.commit(*conn);
}

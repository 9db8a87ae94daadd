// Streams of objects through orca::sync_session on every backend: one batch held at a time,
// several streams open on one connection, queries while a stream is open, and streams closed
// by the transaction's end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "orca/model/compiler.hpp"
#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "orca/model/table_of.hpp"
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

TEST_CASE("a stream batch's objects join the session only if its consumer still holds them when the batch settles",
          "[loading][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  {
    orca::sync_session setup;
    for (int i = 0; i < 300; ++i) setup.add(object_of(new_a("a" + std::to_string(i))));
    setup.commit(*conn);
  }
  auto& dialect = conn->sql_dialect();
  orca::sync_session s;
  constexpr std::uint64_t stream = 7;
  // Three batches of stream 7, as a stream actor hands them to its session; the consumer
  // keeps the first two objects of each batch and drops the rest.
  std::vector<std::shared_ptr<A>> kept;
  std::vector<std::int64_t> dropped_ids;
  for (int k = 0; k < 3; ++k) {
    auto spec = orca::select<A>().order_by(&A::id).limit(100).offset(100 * k).spec();
    auto statement = orca::sql::compile_select(spec, dialect);
    auto rows = conn->execute(statement.text, statement.parameters);
    auto batch = orca::drive(s.load_batch(spec, std::move(rows), dialect, stream), *conn);
    REQUIRE(batch.size() == 100);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto a = std::static_pointer_cast<A>(batch[i].object);
      CHECK(a->data == "a" + std::to_string(100 * k + static_cast<int>(i)));
      if (i < 2)
        kept.push_back(a);
      else
        dropped_ids.push_back(a->id);
    }
    // A batch waits through the next one's merge (its consumer may still be reading it);
    // the ones before settled then: a record for each object kept, none for the 98 dropped.
    CHECK(s.objects().deferred() == static_cast<std::size_t>(100 * std::min(k + 1, 2)));
    CHECK(s.objects().size() == static_cast<std::size_t>(2 * std::max(k - 1, 0)));
  }
  kept[0]->data = "changed";
  // Any other call settles the last batch: the kept object is persistent, the same object
  // under its key; a dropped row loads as a new object.
  CHECK(s.state_of(kept[4].get()) == orca::object_state::persistent);
  CHECK(s.objects().deferred() == 0);
  CHECK(s.objects().size() == 6);
  for (auto& a : kept) CHECK(s.get(*conn, orca::table_of<A>(), orca::key{a->id}).object == a);
  auto again = std::static_pointer_cast<A>(s.get(*conn, orca::table_of<A>(), orca::key{dropped_ids[50]}).object);
  REQUIRE(again);
  CHECK(again->data == "a52");  // the 51st dropped: batch 0's rows 2..99 come first
  CHECK(s.objects().size() == 7);
  // The snapshots are the rows' (a server-defaulted timestamp in its loaded form): only the
  // changed object is written.
  s.commit(*conn);
  CHECK(s.last_flush().updated == 1);
  auto other = target.connect();
  CHECK(other->execute("SELECT data FROM a WHERE id = " + std::to_string(kept[0]->id)).at(0, 0).as_text() == "changed");
  CHECK(session_test::scalar(*other, "SELECT count(*) FROM a WHERE data LIKE 'a%'") == 299);
}

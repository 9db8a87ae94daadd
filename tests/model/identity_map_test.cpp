// Tests of the identity map behind orca::sync_session on every backend: get() without SQL,
// one object per key, the weak map (dropped objects leave, pending ones stay alive).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/model/identity_map.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "model/session_test_support.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

using seed::A;
using seed::B;
using session_test::new_a;
using session_test::object_of;
using session_test::recording_connection;
using session_test::reset_schema;
using session_test::scalar;

namespace identity_map_test {

/// A new A with `data` (its collection left empty).

/// Commits `n` As with data "0", "1", ... and returns their keys in that order.
std::vector<std::int64_t> insert_as(orca::drivers::connection& conn, int n) {
  orca::sync_session s;
  std::vector<std::shared_ptr<A>> as;
  for (int i = 0; i < n; ++i) {
    as.push_back(new_a(std::to_string(i)));
    s.add(object_of(as.back()));
  }
  s.commit(conn);
  std::vector<std::int64_t> keys;
  keys.reserve(as.size());
  for (auto& a : as) keys.push_back(a->id);
  return keys;
}

}  // namespace identity_map_test

using namespace identity_map_test;

TEST_CASE("get() finds a loaded object in the identity map without SQL", "[identity_map][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  recording_connection conn{target.connect()};
  reset_schema(conn, orca::metadata::of<A, B>());
  auto keys = insert_as(conn, 2);

  orca::sync_session s{{.expire_on_commit = false}};
  auto loaded = s.get(conn, orca::table_of<A>(), keys[0]);
  REQUIRE(loaded);
  auto a = std::static_pointer_cast<A>(loaded.object);
  CHECK(a->data == "0");
  s.commit(conn);

  // The row disappears behind the session's back; the map still answers, so no SQL ran.
  auto other = target.connect();
  other->execute("DELETE FROM a WHERE id = " + std::to_string(keys[0]));
  conn.clear();
  auto again = s.get(conn, orca::table_of<A>(), keys[0]);
  CHECK(again.object == a);
  CHECK(conn.statements().empty());

  // Unknown keys and expired objects go to the database.
  CHECK_FALSE(s.get(conn, orca::table_of<A>(), 999999));
  CHECK(conn.count_starting_with("SELECT") == 1);
  s.expire({&orca::table_of<A>(), a});
  auto missing = s.get(conn, orca::table_of<A>(), keys[0]);
  CHECK_FALSE(missing);
  auto second = s.get(conn, orca::table_of<A>(), keys[1]);
  REQUIRE(second);
  CHECK(std::static_pointer_cast<A>(second.object)->data == "1");
}

TEST_CASE("objects the application dropped leave the identity map", "[identity_map]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  insert_as(*conn, 50);

  orca::sync_session s;
  auto objects = s.execute(*conn, orca::select<A>().spec());
  REQUIRE(objects.size() == 50);
  CHECK(s.objects().size() == 50);
  auto kept = objects[7];
  auto kept_key = std::static_pointer_cast<A>(kept.object)->id;
  objects.clear();
  s.objects().purge();
  CHECK(s.objects().size() == 1);
  CHECK(s.objects().find(orca::table_of<A>(), kept_key) != nullptr);
  CHECK(s.state_of(kept.object.get()) == orca::object_state::persistent);

  // A dropped object's row loads into a new object, and the kept one is reused.
  auto again = s.execute(*conn, orca::select<A>().spec());
  REQUIRE(again.size() == 50);
  int reused = 0;
  for (auto& o : again) reused += o.object == kept.object ? 1 : 0;
  CHECK(reused == 1);
}

TEST_CASE("the session keeps pending objects alive until they are flushed", "[identity_map][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());

  orca::sync_session s{{.expire_on_commit = false}};
  std::weak_ptr<A> watch;
  {
    auto a = std::make_shared<A>(A{.data = "only the session holds me", .bs = {B{.data = "me too"}}});
    watch = a;
    s.add(object_of(a));
  }
  CHECK_FALSE(watch.expired());
  s.objects().purge();
  CHECK(s.objects().size() == 1);
  s.commit(*conn);

  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a").at(0, 0).as_text() == "only the session holds me");
  CHECK(check->execute("SELECT data FROM b").at(0, 0).as_text() == "me too");
  // Persistent now, so held weakly: nobody else holds it, so it is gone.
  CHECK(watch.expired());
  s.objects().purge();
  CHECK(s.objects().size() == 0);
}

TEST_CASE("inserted objects only the session holds leave it at the end of their flush", "[identity_map][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());

  orca::sync_session s{{.expire_on_commit = false}};
  auto held = std::make_shared<A>(A{.data = "held", .bs = {B{.data = "held's child"}}});
  s.add(object_of(held));
  std::weak_ptr<A> dropped;
  std::weak_ptr<B> dropped_child;
  std::shared_ptr<B> held_child;
  {
    auto a = std::make_shared<A>(A{.data = "dropped", .bs = {B{.data = "c1"}, B{.data = "c2"}}});
    dropped = a;
    dropped_child = a->bs[0];
    s.add(object_of(a));
    auto b = std::make_shared<A>(A{.data = "dropped too", .bs = {B{.data = "held by the application"}}});
    held_child = b->bs[0];
    s.add(object_of(b));
  }
  CHECK_FALSE(dropped.expired());  // pending: the session keeps them alive
  CHECK(s.objects().size() == 3);  // the parents; their children join at the flush
  s.flush(*conn);

  // Gone with the flush, no purge needed: the dropped parents and the children only they held.
  CHECK(dropped.expired());
  CHECK(dropped_child.expired());
  CHECK(s.objects().size() == 3);
  CHECK(s.state_of(held.get()) == orca::object_state::persistent);
  CHECK(s.state_of(held->bs[0].get()) == orca::object_state::persistent);
  CHECK(s.state_of(held_child.get()) == orca::object_state::persistent);
  CHECK(held_child->a_id != 0);

  // The ones that stayed are persistent with snapshots: their changes are found.
  held->data = "held, changed";
  held_child->data = "changed too";
  s.commit(*conn);
  CHECK(s.last_flush().updated == 2);
  CHECK(s.last_flush().inserted == 0);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 3);
  CHECK(scalar(*check, "SELECT count(*) FROM b") == 4);
  CHECK(check->execute("SELECT data FROM a WHERE id = " + std::to_string(held->id)).at(0, 0).as_text() ==
        "held, changed");
  CHECK(check->execute("SELECT data FROM b WHERE id = " + std::to_string(held_child->id)).at(0, 0).as_text() ==
        "changed too");
  CHECK(scalar(*check, "SELECT count(*) FROM b WHERE a_id = " + std::to_string(held_child->a_id)) == 1);

  // A later load of a dropped row makes a new object, persistent and clean.
  auto again = s.execute(*conn, orca::select<A>().where(orca::col(&A::data) == "dropped").spec());
  REQUIRE(again.size() == 1);
  CHECK(s.state_of(again[0].object.get()) == orca::object_state::persistent);
}

TEST_CASE("an object marked for deletion is kept alive until the flush deletes its row", "[identity_map][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  auto keys = insert_as(*conn, 1);

  orca::sync_session s;
  {
    auto loaded = s.get(*conn, orca::table_of<A>(), keys[0]);
    REQUIRE(loaded);
    s.remove(loaded);
  }
  s.objects().purge();
  CHECK(s.objects().size() == 1);
  s.commit(*conn);
  CHECK(s.last_flush().deleted == 1);
  auto check = target.connect();
  CHECK(scalar(*check, "SELECT count(*) FROM a") == 0);
}

TEST_CASE("an object whose deletion was rolled back is held weakly again", "[identity_map][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  auto keys = insert_as(*conn, 1);

  orca::sync_session s;
  std::weak_ptr<void> watch;
  {
    auto loaded = s.get(*conn, orca::table_of<A>(), keys[0]);
    REQUIRE(loaded);
    watch = loaded.object;
    s.remove(loaded);
    s.rollback(*conn);
    CHECK(s.state_of(loaded.object.get()) == orca::object_state::persistent);
  }
  CHECK(watch.expired());
  s.objects().purge();
  CHECK(s.objects().size() == 0);
}

TEST_CASE("a record whose object died does not answer for its key once the address is reused", "[identity_map]") {
  // Placement new stands in for the allocator handing a new object a dead one's address.
  auto& table = orca::table_of<A>();
  alignas(A) unsigned char storage[sizeof(A)];
  auto at_storage = [&storage](std::int64_t id) {
    auto* a = new (storage) A{};
    a->id = id;
    return std::shared_ptr<A>(a, [](A* p) { p->~A(); });
  };
  orca::identity_map map;

  SECTION("by a loaded object") {
    map.add_persistent({&table, at_storage(1)}, 1, {});  // dropped at once
    auto second = at_storage(2);
    map.add_persistent({&table, second}, 2, {});
    CHECK(map.find(table, 1) == nullptr);
    REQUIRE(map.find(table, 2) != nullptr);
    CHECK(map.find(table, 2)->key == 2);
  }
  SECTION("by a pending object") {
    map.add_persistent({&table, at_storage(1)}, 1, {});
    auto fresh = at_storage(0);
    map.add_pending({&table, fresh});
    CHECK(map.find(table, 1) == nullptr);
    CHECK(map.find(fresh.get())->state == orca::object_state::pending);
  }
}

TEST_CASE("a record names its object's address however it holds the object", "[identity_map]") {
  // The record keeps no address of its own: it reads the pointer its reference holds.
  auto& table = orca::table_of<A>();
  orca::identity_map map;
  auto pending = std::make_shared<A>();
  auto& held = map.add_pending({&table, pending});
  CHECK(held.held());
  CHECK(held.address() == pending.get());
  held.hold_weakly();
  CHECK(held.address() == pending.get());

  auto loaded = std::make_shared<A>();
  loaded->id = 7;
  auto& weak = map.add_persistent({&table, loaded}, 7, {});
  CHECK(weak.address() == loaded.get());
  CHECK(map.find(loaded.get()) == &weak);  // the address index is built from the records
  const void* gone = loaded.get();
  loaded.reset();
  CHECK(weak.dead());
  CHECK(weak.address() == gone);  // a dead record still names its address until erased
  CHECK(map.find(table, 7) == nullptr);
  CHECK(map.find(pending.get()) == &held);

  // Erased records are reused: a new object's record names the new address.
  auto next = std::make_shared<A>();
  next->id = 8;
  auto& reused = map.add_persistent({&table, next}, 8, {});
  CHECK(reused.address() == next.get());
  CHECK(map.find(next.get()) == &reused);
  CHECK(map.size() == 2);
}

TEST_CASE("after a stream dropped its objects, get() returns each key's own object", "[identity_map][stream]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  auto keys = insert_as(*conn, 1000);

  // Each batch's objects die before the next batch is loaded, so the allocator is free to
  // give new objects the addresses of dead ones; the last batch stays alive.
  orca::sync_session s{{.expire_on_commit = false}};
  auto id = s.open_stream(*conn, orca::select<A>().order_by(&A::id).spec(), 100);
  std::vector<orca::object_ref> last;
  for (bool more = true; more;) {
    auto batch = s.fetch_stream(*conn, id, more);
    if (!batch.empty()) last = std::move(batch);
  }
  REQUIRE(last.size() == 100);
  std::size_t wrong = 0;
  for (auto key : keys) {
    auto a = s.get(*conn, orca::table_of<A>(), key);
    REQUIRE(a);
    if (std::static_pointer_cast<A>(a.object)->id != key) ++wrong;
  }
  CHECK(wrong == 0);
}

TEST_CASE("expunge() and close() detach objects without touching the database", "[identity_map][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  auto keys = insert_as(*conn, 2);

  orca::sync_session s{{.expire_on_commit = false}};
  auto objects = s.execute(*conn, orca::select<A>().order_by(&A::id).spec());
  REQUIRE(objects.size() == 2);
  s.expunge(objects[0]);
  std::static_pointer_cast<A>(objects[0].object)->data = "not saved";
  std::static_pointer_cast<A>(objects[1].object)->data = "saved";
  s.commit(*conn);
  CHECK(s.state_of(objects[0].object.get()) == orca::object_state::transient);
  auto reloaded = s.get(*conn, orca::table_of<A>(), keys[0]);
  CHECK(reloaded.object != objects[0].object);
  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a WHERE id = " + std::to_string(keys[0])).at(0, 0).as_text() == "0");
  CHECK(check->execute("SELECT data FROM a WHERE id = " + std::to_string(keys[1])).at(0, 0).as_text() == "saved");
  // close() detaches every object without flushing: a change made before it is never
  // written, and the session refuses further calls.
  std::static_pointer_cast<A>(objects[1].object)->data = "changed before close";
  s.close(conn.get());
  CHECK(s.transaction() == orca::sync_session::transaction_state::closed);
  CHECK(s.state_of(objects[1].object.get()) == orca::object_state::transient);
  CHECK(s.state_of(reloaded.object.get()) == orca::object_state::transient);
  try {
    s.commit(*conn);
    FAIL("a closed session committed");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::closed);
  }
  CHECK(conn->execute("SELECT data FROM a WHERE id = " + std::to_string(keys[1])).at(0, 0).as_text() == "saved");
  CHECK(check->execute("SELECT data FROM a WHERE id = " + std::to_string(keys[1])).at(0, 0).as_text() == "saved");
}

TEST_CASE("adds keep their order when sequence numbers would wrap", "[identity_map][session]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());

  orca::sync_session s;
  // The fourth add finds the numbers used up: the three before it are numbered again from 0.
  s.objects().skip_sequence(std::numeric_limits<std::uint32_t>::max() - 3);
  std::vector<std::shared_ptr<A>> as;
  for (int i = 0; i < 6; ++i) {
    as.push_back(new_a(std::to_string(i)));
    s.add(object_of(as.back()));
  }
  s.commit(*conn);

  // Inserted in the order added: the keys the database generated ascend with it.
  auto other = target.connect();
  std::vector<std::int64_t> keys;
  for (int i = 0; i < 6; ++i)
    keys.push_back(scalar(*other, "SELECT id FROM a WHERE data = '" + std::to_string(i) + "'"));
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  CHECK(keys.front() < keys.back());
}

TEST_CASE("records of objects dropped during a transaction leave at its end", "[identity_map][session]") {
  // Every later flush walks the records: the dead of a transaction must not stay for them,
  // whether some objects are still held or none.
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto conn = target.connect();
  reset_schema(*conn, orca::metadata::of<A, B>());
  insert_as(*conn, 50);

  orca::sync_session s{{.expire_on_commit = false}};
  auto objects = s.execute(*conn, orca::select<A>().spec());
  REQUIRE(objects.size() == 50);
  auto kept = objects[3].object;
  objects.clear();
  CHECK(s.objects().size() == 50);  // dead records stay until a sweep or the transaction's end
  s.commit(*conn);
  CHECK(s.objects().size() == 1);
  CHECK(s.state_of(kept.get()) == orca::object_state::persistent);

  auto again = s.execute(*conn, orca::select<A>().spec());
  REQUIRE(again.size() == 50);
  again.clear();
  kept.reset();
  s.rollback(*conn);
  CHECK(s.objects().size() == 0);
}

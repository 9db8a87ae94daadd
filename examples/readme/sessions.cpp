// The README's session calls, each once. Run by ctest (readme_sessions); exits 1 if a
// result is not what the calls before it wrote.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <orca/orca.hpp>

struct item {
  std::int64_t id = 0;
  std::string name;
  std::int64_t stock = 0;
  std::optional<double> price{};  // nullable
  orca::timestamp created{};
};

void orca_table(orca::table_builder<item>& t) {
  t.table("item");
  t.column("id", &item::id).primary_key();
  t.column("name", &item::name).unique();
  t.column("stock", &item::stock).index();
  t.column("price", &item::price);
  t.column("created", &item::created).server_default(orca::now);
}

orca::task<int> sessions(orca::engine engine) {
  int failures = 0;
  auto expect = [&failures](bool ok, const char* what) {
    if (!ok) {
      std::cerr << "readme_sessions: " << what << "\n";
      ++failures;
    }
  };
  // [setup]
  // DDL and raw SQL run on a driver connection, in a transaction, inside its connection actor.
  co_await engine.begin().run_sync([](orca::connection& c) {
    orca::metadata::of<item>().drop_all(c);
    orca::metadata::of<item>().create_all(c);
    c.execute("INSERT INTO item (name, stock) VALUES (?, ?)", {"bolt", std::int64_t{10}});
  });
  auto make_session = orca::async_sessionmaker(engine, {.expire_on_commit = false});  // orca::session_options
  auto session = make_session();
  // [setup]

  // [write]
  auto nut = session.add(item{.name = "nut", .stock = 5, .price = 0.1});
  session.add_all({item{.name = "washer", .stock = 0}, item{.name = "screw", .stock = 7}});
  co_await session.flush();  // INSERT ... RETURNING: nut->id and nut->created are set
  nut->stock = 4;
  co_await session.commit();  // UPDATE item SET stock = ? WHERE id = ?; then COMMIT
  {
    auto tx = co_await session.begin();  // an explicit transaction: commit, or rolled back when dropped
    auto washer = (co_await session.scalars(orca::select<item>().where(orca::col(&item::name) == "washer"))).one();
    co_await session.remove(washer);  // DELETE at the next flush
    co_await tx.commit();
  }
  // [write]
  expect(nut->id > 0 && nut->created != orca::timestamp{}, "flush wrote back the key and the server default");

  // [read]
  auto same = co_await session.get<item>(nut->id);  // the session's own object: no SQL
  auto in_stock = co_await session.scalars(orca::select<item>()
                                               .where(orca::col(&item::stock) > 0 && orca::col(&item::price).is_null())
                                               .order_by(orca::desc(&item::stock))
                                               .limit(10));
  std::vector<std::string> names;
  for (auto& i : in_stock) names.push_back(i->name);                                     // bolt (10), screw (7)
  auto stream = co_await session.stream(orca::select<item>().order_by(&item::id), 100);  // a cursor
  std::size_t streamed = 0;
  while (auto i = co_await stream.next()) ++streamed;
  // [read]
  expect(same == nut, "get() returned the session's object");
  expect(names == std::vector<std::string>{"bolt", "screw"}, "where / order_by / limit");
  expect(streamed == 3, "the stream saw the three remaining items");

  // [undo]
  nut->stock = 100;
  co_await session.refresh(nut);  // reloads the row: stock is 4 again
  nut->stock = 50;
  co_await session.flush();
  co_await session.rollback();   // the UPDATE is rolled back; the session expires its objects
  co_await session.expire(nut);  // (explicitly too) the next load overwrites it
  auto reloaded = co_await session.get<item>(nut->id);
  bool duplicate = false;
  try {
    session.add(item{.name = "nut"});  // name is UNIQUE
    co_await session.commit();
  } catch (const orca::error& e) {  // e.code(), e.what(), e.details(): SQL, SQLSTATE, constraint
    duplicate = e.code() == orca::errc::constraint_violation;
  }
  if (duplicate) co_await session.rollback();  // a failed flush leaves the session refusing work until then
  co_await session.close();
  // [undo]
  expect(reloaded->stock == 4, "rollback undid the update");
  expect(duplicate, "the duplicate name failed with constraint_violation");

  // [nested]
  auto other = make_session();
  auto bolt = co_await other.get_one<item>(1);  // errc::no_result if there is no such row
  bool open = false;
  {
    auto tx = co_await other.begin();  // a second begin() before this one ends raises invalid_state
    open = co_await other.in_transaction();
    auto savepoint = co_await other.begin_nested();  // flushes, then SAVEPOINT
    bolt->stock = 0;
    auto rivet = other.add(item{.name = "rivet"});
    co_await other.flush();
    co_await savepoint.rollback();  // ROLLBACK TO SAVEPOINT: rivet->id is 0 again, bolt->stock is 10
    expect(rivet->id == 0, "the savepoint's new object is transient again");
    co_await tx.commit();
  }
  // [nested]
  expect(open, "in_transaction() inside begin()");
  expect(bolt->stock == 10, "the savepoint's change was undone in the object");

  // [state]
  item edited{.id = bolt->id, .name = "bolt", .stock = 12};  // e.g. from a form or another session
  auto merged = co_await other.merge(edited);                // copied onto bolt, returned
  co_await other.commit();       // UPDATE item SET stock = ?: an unset server-defaulted column is not copied
  co_await other.expunge(bolt);  // leaves the session: later changes to it are not written
  co_await other.close();        // later calls raise errc::closed
  auto count = co_await make_session.begin([](orca::async_session& s) -> orca::task<std::size_t> {
    s.add(item{.name = "rivet", .stock = 1});  // committed when the block returns, rolled back if it throws
    co_return (co_await s.scalars(orca::select<item>())).size();
  });
  // [state]
  expect(merged == bolt && bolt->stock == 12, "merge() copied onto the session's object");
  expect(count == 4, "async_sessionmaker::begin() committed the rivet");

  co_await engine.dispose();
  co_return failures == 0 ? 0 : 1;
}

int main() {
  // [engine]
  auto engine = orca::create_engine("sqlite:///readme_sessions.db",
                                    {.echo = true, .pool_size = 2, .request_timeout = std::chrono::seconds{5}});
  return orca::run(sessions(engine));
  // [engine]
}

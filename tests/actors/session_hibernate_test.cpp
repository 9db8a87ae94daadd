// An idle session holds no actor: the session actor is spawned on first use and quits when a
// commit or rollback leaves it holding nothing; a session that holds objects keeps them.
#include <chrono>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using seed::A;

namespace {

// The actors running once those that were told to quit are gone: an actor quits after its
// last reply went out, so a count taken at once may still include it.
// Asked again for up to 10 s (a loaded machine may run the quitting actors late).
orca::task<std::size_t> settled_actors(orca::engine engine, std::size_t expected) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  auto status = co_await engine.status();
  while (status.actors != expected && std::chrono::steady_clock::now() < deadline) status = co_await engine.status();
  co_return status.actors;
}

// The actor count once it stopped moving (unchanged through 100 ms of reads, for up to 10 s):
// a session that hibernated quits after its last reply, so a count taken at once may still
// include it and drop later.
orca::task<std::size_t> stable_actors(orca::engine engine) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds{10};
  auto count = (co_await engine.status()).actors;
  auto since = clock::now();
  while (clock::now() - since < std::chrono::milliseconds{100} && clock::now() < deadline) {
    auto now = (co_await engine.status()).actors;
    if (now != count) {
      count = now;
      since = clock::now();
    }
  }
  co_return count;
}

}  // namespace

TEST_CASE("sessions that hold nothing after rollback or commit hold no actor", "[actors][session][hibernate]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    {
      auto warm = make();  // the pool opens its connection
      co_await warm.get<A>(1);
      co_await warm.rollback();
    }
    auto before = co_await stable_actors(engine);  // the warm session's actor is gone
    std::vector<orca::async_session> sessions;
    for (int i = 0; i < 50; ++i) sessions.push_back(make());
    auto constructed = (co_await engine.status()).actors;
    CHECK(constructed == before);  // constructed: no actor yet
    bool open = co_await sessions[9].in_transaction();
    CHECK(!open);
    auto asked = (co_await engine.status()).actors;
    CHECK(asked == before);  // in_transaction() of a session with no actor spawns none
    // Eight of them in a transaction at once (one connection each).
    for (int i = 0; i < 8; ++i) {
      auto none = co_await sessions[i].get<A>(1);
      CHECK(none == nullptr);
    }
    auto during = (co_await engine.status()).actors;  // sessions, and the connections they took
    CHECK(during >= before + 8);
    for (int i = 0; i < 8; ++i) {
      if (i % 2 == 0)
        co_await sessions[i].rollback();
      else
        co_await sessions[i].commit();
    }
    auto settled = co_await settled_actors(engine, during - 8);
    CHECK(settled == during - 8);
    auto checked_out = (co_await engine.status()).checked_out;
    CHECK(checked_out == 0);
    // A hibernated session works again: its next call spawns a new actor.
    sessions[0].add(A{.data = "after hibernation"});
    co_await sessions[0].commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url, {.pool_size = 8, .max_overflow = 0, .sqlite_begin_immediate = false})));
  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a WHERE data = 'after hibernation'").at(0, 0).as_integer() == 1);
}

TEST_CASE("a session that holds an object after commit keeps it and its changes", "[actors][session][hibernate]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto a = session.add(A{.data = "first"});
    co_await session.commit();
    auto id = a->id;
    auto actors = (co_await engine.status()).actors;
    // Same object: the session (and its identity map) lived on through the commit.
    auto again = co_await session.get<A>(id);
    CHECK(again == a);
    a->data = "second";
    co_await session.commit();
    auto settled = co_await settled_actors(engine, actors);
    CHECK(settled == actors);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a").at(0, 0).as_text() == "second");
}

TEST_CASE("a closed session refuses calls with errc::closed, before and after its actor existed",
          "[actors][session][hibernate]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto make = orca::async_sessionmaker(engine);
    auto never_used = make();
    auto used = make();
    co_await used.get<A>(1);
    for (auto* s : {&never_used, &used}) {
      co_await s->close();
      co_await s->close();  // closing twice is harmless
      try {
        co_await s->get<A>(1);
        FAIL("get() on a closed session succeeded");
      } catch (const orca::error& e) {
        CHECK(e.code() == orca::errc::closed);
      }
    }
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
}

// Explicit transactions and the session's life cycle through the facade: what a rollback
// discards, one explicit transaction at a time, closed sessions, and how add() keeps the
// caller's object — on every backend, effects checked through a second connection.
#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/row_count.hpp"

using orca::test::count_rows;
using seed::A;
using seed::B;

namespace {

// Runs `call` and returns the errc of the orca::error it throws (errc::none if none).
template <class Call>
orca::task<orca::errc> code_of(Call call) {
  try {
    co_await call();
  } catch (const orca::error& e) {
    co_return e.code();
  }
  co_return orca::errc::none;
}

}  // namespace

TEST_CASE("an object added in a begin() block that ends without commit is not inserted by a later commit",
          "[actors][session][transaction]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  enum class ending { exception, rollback, dropped, flushed_then_exception };
  auto how = GENERATE(ending::exception, ending::rollback, ending::dropped, ending::flushed_then_exception);
  INFO("ending: " << static_cast<int>(how));
  actor_test::run([](orca::engine engine, ending how) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    std::shared_ptr<A> discarded;
    try {
      auto tx = co_await session.begin();
      discarded = session.add(A{.data = "discarded", .bs = {B{.data = "discarded child"}}});
      if (how == ending::flushed_then_exception) co_await session.flush();
      if (how == ending::rollback) co_await tx.rollback();
      if (how == ending::exception || how == ending::flushed_then_exception) throw std::runtime_error("user error");
    } catch (const std::runtime_error&) {
    }
    auto kept = session.add(A{.data = "kept"});
    co_await session.commit();
    CHECK(kept->id > 0);
    CHECK(discarded->id == 0);
    co_await engine.dispose();
  }(orca::create_engine(target.url), how));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'kept'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM b") == 0);
}

TEST_CASE("session.rollback() discards objects added since the last commit", "[actors][session][transaction]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    session.add(A{.data = "discarded"});
    co_await session.rollback();
    session.add(A{.data = "kept"});
    co_await session.commit();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE data = 'kept'") == 1);
}

TEST_CASE("begin() while the session's transaction is open raises invalid_state, and the open one still commits",
          "[actors][session][transaction]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    {
      auto tx = co_await session.begin();
      session.add(A{.data = "first"});
      auto second = co_await code_of([&]() -> orca::task<void> { auto again = co_await session.begin(); });
      CHECK(second == orca::errc::invalid_state);
      co_await tx.commit();
      auto after_commit = co_await code_of([&]() -> orca::task<void> { co_await tx.commit(); });
      CHECK(after_commit == orca::errc::invalid_state);
    }
    {
      auto tx = co_await session.begin();  // the first one ended: a new one may begin
      session.add(A{.data = "second"});
      co_await session.commit();  // the session's commit ends it too
      auto tx_commit = co_await code_of([&]() -> orca::task<void> { co_await tx.commit(); });
      CHECK(tx_commit == orca::errc::invalid_state);
    }  // dropping an ended transaction rolls nothing back
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 2);
}

TEST_CASE("calls on a closed session fail with errc::closed", "[actors][session][transaction]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto a = session.add(A{.data = "committed"});
    co_await session.commit();
    session.add(A{.data = "never committed"});
    co_await session.close();
    co_await session.close();  // closing twice does nothing
    // Each awaited outside CHECK: its macro would await the expression twice.
    std::vector<orca::errc> codes;
    codes.push_back(co_await code_of([&]() -> orca::task<void> { co_await session.scalars(orca::select<A>()); }));
    codes.push_back(co_await code_of([&]() -> orca::task<void> { co_await session.get<A>(a->id); }));
    codes.push_back(co_await code_of([&]() -> orca::task<void> { co_await session.commit(); }));
    codes.push_back(co_await code_of([&]() -> orca::task<void> { co_await session.rollback(); }));
    codes.push_back(co_await code_of([&]() -> orca::task<void> { co_await session.flush(); }));
    codes.push_back(co_await code_of([&]() -> orca::task<void> { co_await session.begin(); }));
    codes.push_back(co_await code_of([&]() -> orca::task<void> {
      session.add(A{.data = "late"});
      co_return;
    }));
    CHECK(codes == std::vector<orca::errc>(7, orca::errc::closed));
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a") == 1);
}

TEST_CASE(
    "add() of a shared_ptr writes the key into the caller's object, and add() of a temporary returns the kept one",
    "[actors][session][transaction]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::int64_t pointer_id = 0;
  std::int64_t moved_id = 0;
  actor_test::run([](orca::engine engine, std::int64_t& pointer_id, std::int64_t& moved_id) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    auto mine = std::make_shared<A>(A{.data = "by pointer"});
    session.add(mine);
    A local{.data = "moved"};
    auto kept = session.add(std::move(local));  // a named object must be moved (or wrapped)
    co_await session.commit();
    pointer_id = mine->id;
    moved_id = kept->id;
    co_await engine.dispose();
  }(orca::create_engine(target.url), pointer_id, moved_id));
  CHECK(pointer_id > 0);
  CHECK(moved_id > 0);
  auto check = target.connect();
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE id = " + std::to_string(pointer_id) +
                               " AND data = 'by pointer'") == 1);
  CHECK(count_rows(*check, "SELECT count(*) FROM a WHERE id = " + std::to_string(moved_id) + " AND data = 'moved'") ==
        1);
}

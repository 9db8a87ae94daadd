// engine.begin().run_sync with the callables g++ 12 handles (a named capturing lambda, a
// lambda without captures, a function pointer), and the guard that refuses the one it does
// not. Run under scripts/sanitize.sh address,undefined to show the allowed forms run clean.
#include <string>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

namespace {

void insert_from_function_pointer(orca::connection& c) {
  c.execute("INSERT INTO run_sync_rows (source) VALUES ('function pointer')");
}

// The forms the guard accepts, and the one it refuses on g++ 12.
[[maybe_unused]] auto capturing = [text = std::string(100, 'x')](orca::connection&) { (void)text; };
[[maybe_unused]] auto captureless = [](orca::connection&) {};
using capturing_type = decltype(capturing);
using captureless_type = decltype(captureless);
static_assert(orca::detail::safe_in_co_await<capturing_type&>);
static_assert(orca::detail::safe_in_co_await<const capturing_type&>);
static_assert(orca::detail::safe_in_co_await<captureless_type>);
static_assert(orca::detail::safe_in_co_await<void (*)(orca::connection&)>);
static_assert(orca::detail::safe_in_co_await<void (&)(orca::connection&)>);
static_assert(orca::detail::safe_in_co_await<capturing_type> == !orca::detail::guard_co_await_temporaries);

}  // namespace

TEST_CASE("run_sync runs a named capturing lambda, a lambda without captures and a function pointer",
          "[actors][run_sync]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_test::run([](orca::engine engine) -> orca::task<void> {
    auto reset = [](orca::connection& c) {
      c.execute_script("DROP TABLE IF EXISTS run_sync_rows");
      c.execute_script("CREATE TABLE run_sync_rows (source VARCHAR(100))");
    };
    co_await engine.begin().run_sync(reset);
    // A capture that owns heap memory: destroying it twice is a double free (ASan).
    std::string source = "named capturing lambda, with a capture longer than any small-string buffer";
    auto named = [source](orca::connection& c) {
      c.execute("INSERT INTO run_sync_rows (source) VALUES (" + std::string{"'"} + source + "')");
    };
    co_await engine.begin().run_sync(named);
    co_await engine.begin().run_sync(named);  // a named lambda can run twice: run_sync copies it
    co_await engine.begin().run_sync(
        [](orca::connection& c) { c.execute("INSERT INTO run_sync_rows (source) VALUES ('captureless')"); });
    co_await engine.begin().run_sync(&insert_from_function_pointer);
    co_await engine.begin().run_sync(insert_from_function_pointer);
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  auto check = target.connect();
  auto counted = [&](const std::string& source) {
    return check->execute("SELECT count(*) FROM run_sync_rows WHERE source LIKE '" + source + "%'")
        .at(0, 0)
        .as_integer();
  };
  CHECK(counted("named capturing lambda") == 2);
  CHECK(counted("captureless") == 1);
  CHECK(counted("function pointer") == 2);
}

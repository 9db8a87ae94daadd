// Must NOT compile: a capturing lambda written inside a co_await of run_sync, the form g++ 12
// destroys twice. The guard is forced on so that the check holds on every compiler; the test
// passes when the build fails with the static_assert's advice (tests/compile_fail/CMakeLists.txt).
#define ORCA_GUARD_CO_AWAIT_TEMPORARIES 1
#include <string>

#include <orca/orca.hpp>

orca::task<void> create(orca::engine engine) {
  std::string table = "t";
  co_await engine.begin().run_sync([table](orca::connection& c) { c.execute("CREATE TABLE " + table + " (x)"); });
}

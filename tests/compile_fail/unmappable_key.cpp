// Must NOT compile: session.get() with a key that no mapped member type can hold. The test
// passes when the build fails with the named static_assert (tests/compile_fail/CMakeLists.txt).
#include <vector>

#include <orca/orca.hpp>

struct thing {
  std::int64_t id = 0;
};

void orca_table(orca::table_builder<thing>& t) {
  t.table("thing");
  t.column("id", &thing::id).primary_key();
}

orca::task<void> fetch(orca::async_session& session) {
  std::vector<int> key{1, 2};
  co_await session.get<thing>(key);
}

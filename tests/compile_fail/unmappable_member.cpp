// Must NOT compile: a member whose type orca cannot map, named as a column. The test passes
// when the build fails with the named static_assert (tests/compile_fail/CMakeLists.txt).
#include <vector>

#include <orca/orca.hpp>

struct bag {
  std::int64_t id = 0;
  std::vector<int> items;
};

void orca_table(orca::table_builder<bag>& t) {
  t.table("bag");
  t.column("id", &bag::id).primary_key();
  t.column("items", &bag::items);
}

const orca::table_info& table() { return orca::table_of<bag>(); }

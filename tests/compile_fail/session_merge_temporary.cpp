// Must not compile: session.merge() of a temporary, which g++ 12 would destroy twice in the
// co_await operand (compile_fail_session_merge_temporary expects the static_assert).
#include <cstdint>
#include <string>

#include <orca/orca.hpp>

struct note {
  std::int64_t id = 0;
  std::string text;
};

void orca_table(orca::table_builder<note>& t) {
  t.table("note");
  t.column("id", &note::id).primary_key();
  t.column("text", &note::text);
}

orca::task<void> merge_temporary(orca::async_session& session) { co_await session.merge(note{.text = "temporary"}); }

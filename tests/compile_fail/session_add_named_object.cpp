// Must not compile: session.add() of a named object would save a copy and leave the
// caller's key at 0 (compile_fail_session_add_named_object expects the static_assert).
#include <cstdint>

#include <orca/orca.hpp>

struct note {
  std::int64_t id = 0;
};

void orca_table(orca::table_builder<note>& t) {
  t.table("note");
  t.column("id", &note::id).primary_key();
}

void add_named(orca::async_session& session) {
  note n;
  session.add(n);
}

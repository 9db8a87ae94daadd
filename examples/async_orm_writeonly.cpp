// The second seed program, step for step. Like the seed, it changes a1.data at the end and
// never commits that change: the database keeps "a1".
#include "async_orm_writeonly.hpp"

#include <vector>

#include "print.hpp"

namespace async_orm_writeonly {

std::ostream& operator<<(std::ostream& out, const A& a) { return examples::print_a(out, a); }
std::ostream& operator<<(std::ostream& out, const B& b) { return examples::print_b(out, b); }

orca::task<void> async_main(orca::engine engine, std::ostream& out) {
  co_await engine.begin().run_sync([](orca::connection& c) { metadata().drop_all(c); });
  co_await engine.begin().run_sync([](orca::connection& c) { metadata().create_all(c); });

  auto async_session = orca::async_sessionmaker(engine, {.expire_on_commit = false});
  {
    auto session = async_session();
    {
      auto tx = co_await session.begin();
      // A write-only collection may be populated from any range: lists, sets, vectors...
      session.add_all({
          A{.data = "a1", .bs = orca::write_only<B>(std::vector<B>{B{}, B{}})},
          A{.data = "a2", .bs = {B{}}},
          A{.data = "a3", .bs = {B{}, B{}}},
      });
      co_await tx.commit();
    }

    auto stmt = orca::select<A>();
    auto result = co_await session.scalars(stmt);
    for (auto& a1 : result) {
      out << *a1 << "\n";
      out << "created at: " << orca::format_timestamp(a1->create_date) << "\n";
      // To iterate a collection, emit a SELECT statement.
      for (auto& b1 : co_await session.scalars(a1->bs.select())) out << *b1 << "\n";
    }

    auto streamed = co_await session.stream(stmt);
    while (auto a1 = co_await streamed.scalars().next()) {
      out << *a1 << "\n";
      // Similar, streaming (server-side cursors), nested inside the outer stream.
      auto children = co_await session.stream(a1->bs.select());
      while (auto b1 = co_await children.scalars().next()) out << *b1 << "\n";
    }

    co_await session.commit();

    auto first = co_await session.scalars(orca::select<A>().order_by(&A::id));
    auto a1 = first.first();
    a1->data = "new data";
    // As in the seed, this change is never committed: closing the session discards it.
  }
  co_await engine.dispose();
}

}  // namespace async_orm_writeonly

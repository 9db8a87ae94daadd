// The first seed program, step for step (the Python it ports is quoted in the comments).
#include "async_orm.hpp"

#include "print.hpp"

namespace async_orm {

std::ostream& operator<<(std::ostream& out, const A& a) { return examples::print_a(out, a); }
std::ostream& operator<<(std::ostream& out, const B& b) { return examples::print_b(out, b); }

orca::task<void> async_main(orca::engine engine, std::ostream& out) {
  // async with engine.begin() as conn: await conn.run_sync(Base.metadata.drop_all)
  co_await engine.begin().run_sync([](orca::connection& c) { metadata().drop_all(c); });
  co_await engine.begin().run_sync([](orca::connection& c) { metadata().create_all(c); });

  // expire_on_commit=False will prevent attributes from being expired after commit.
  auto async_session = orca::async_sessionmaker(engine, {.expire_on_commit = false});
  {
    auto session = async_session();
    {
      // async with session.begin(): session.add_all([...])
      auto tx = co_await session.begin();
      session.add_all({
          A{.data = "a1", .bs = {B{}, B{}}},
          A{.data = "a2", .bs = {B{}}},
          A{.data = "a3", .bs = {B{}, B{}}},
      });
      co_await tx.commit();
    }

    // For relationship loading, eager loading should be applied.
    auto stmt = orca::select<A>().options(orca::selectinload(&A::bs));

    // result is a buffered result.
    auto result = co_await session.scalars(stmt);
    for (auto& a1 : result) {
      out << *a1 << "\n";
      out << "created at: " << orca::format_timestamp(a1->create_date) << "\n";
      for (auto& b1 : a1->bs) out << *b1 << "\n";
    }

    // For streaming ORM results, session.stream() reads from a server-side cursor.
    auto streamed = co_await session.stream(stmt);
    while (auto a1 = co_await streamed.scalars().next()) {
      out << *a1 << "\n";
      for (auto& b1 : a1->bs) out << *b1 << "\n";
    }

    auto first = co_await session.scalars(orca::select<A>().order_by(&A::id));
    auto a1 = first.first();
    a1->data = "new data";
    co_await session.commit();

    // Access an attribute after commit: this is what expire_on_commit=false allows.
    out << examples::quoted(a1->data) << "\n";
  }
  // For an engine created in function scope, close and clean up pooled connections.
  co_await engine.dispose();
}

}  // namespace async_orm

// A bulk add through the async session on every backend: objects the application lets go
// of become rows as it adds (freed before the commit), objects it keeps stay objects and
// get their keys, and a rollback writes nothing. Effects are read back through a second,
// raw connection.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

using seed::A;
using seed::B;

namespace {

struct writer;

struct article {
  std::int64_t id = 0;
  std::int64_t writer_id = 0;
  std::string title{};
  orca::reference<writer> by{};
};

struct writer {
  std::int64_t id = 0;
  std::string name{};
  orca::collection<article> articles{};
};

void orca_table(orca::table_builder<writer>& t) {
  t.table("pr_writer");
  t.column("id", &writer::id).primary_key();
  t.column("name", &writer::name);
  t.relationship("articles", &writer::articles, &article::writer_id).back_populates("by");
}

void orca_table(orca::table_builder<article>& t) {
  t.table("pr_article");
  t.column("id", &article::id).primary_key();
  t.column("writer_id", &article::writer_id).foreign_key(&writer::id);
  t.column("title", &article::title);
  t.relationship("by", &article::by, &article::writer_id).back_populates("articles");
}

std::int64_t count(orca::drivers::connection& c, const std::string& sql) {
  return c.execute(sql).at(0, 0).as_integer();
}

std::string data(int i) { return "a" + std::to_string(i); }

orca::task<void> recreate(orca::engine& engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<A, B, writer, article>();
    meta.drop_all(c);
    meta.create_all(c);
  });
}

}  // namespace

TEST_CASE("objects added and let go of are freed before the commit and written with their children",
          "[actors][session][pending_rows]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  constexpr int parents = 5000;
  struct seen {
    bool first_freed_before_commit = false;
    std::vector<std::shared_ptr<A>> kept;
  } out;
  actor_test::run([](orca::engine engine, seen* out) -> orca::task<void> {
    co_await recreate(engine);
    auto session = orca::async_sessionmaker(engine, {.expire_on_commit = false})();
    auto tx = co_await session.begin();
    std::weak_ptr<A> first;
    for (int i = 0; i < parents; ++i) {
      auto a = session.add(A{.data = data(i), .bs = {B{.data = data(i) + "-b0"}, B{.data = data(i) + "-b1"}}});
      if (i == 0) first = a;
      if (i % 100 == 7) out->kept.push_back(a);  // held: stays an object
    }
    out->first_freed_before_commit = first.expired();
    co_await tx.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), &out));
  CHECK(out.first_freed_before_commit);
  auto raw = target.connect();
  CHECK(count(*raw, "SELECT count(*) FROM a") == parents);
  CHECK(count(*raw, "SELECT count(*) FROM b") == 2 * parents);
  CHECK(count(*raw,
              "SELECT count(*) FROM b LEFT JOIN a ON a.id = b.a_id "
              "WHERE a.id IS NULL OR substr(b.data, 1, length(a.data) + 1) <> a.data || '-'") == 0);
  REQUIRE(out.kept.size() == parents / 100);
  for (auto& a : out.kept) {
    REQUIRE(a->id != 0);
    CHECK(count(*raw,
                "SELECT count(*) FROM a WHERE id = " + std::to_string(a->id) + " AND data = '" + *a->data + "'") == 1);
    for (auto& b : a->bs) CHECK(b->a_id == a->id);
  }
}

TEST_CASE("children that point back at their parent (back_populates) are packed with it and a rollback writes nothing",
          "[actors][session][pending_rows]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  bool freed = false;
  actor_test::run([](orca::engine engine, bool* freed) -> orca::task<void> {
    co_await recreate(engine);
    auto session = orca::async_sessionmaker(engine)();
    std::weak_ptr<writer> first;
    for (int round = 0; round < 2; ++round) {
      auto tx = co_await session.begin();
      for (int i = 0; i < 3000; ++i) {
        auto w = session.add(writer{.name = "w" + std::to_string(i)});
        w->articles.add(article{.title = "t" + std::to_string(i)});  // sets article.by, weakly
        if (round == 0 && i == 0) first = w;
      }
      if (round == 0) *freed = first.expired();
      if (round == 0)
        co_await tx.rollback();
      else
        co_await tx.commit();
    }
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), &freed));
  CHECK(freed);
  auto raw = target.connect();
  CHECK(count(*raw, "SELECT count(*) FROM pr_writer") == 3000);
  CHECK(count(*raw, "SELECT count(*) FROM pr_article") == 3000);
  CHECK(count(*raw,
              "SELECT count(*) FROM pr_article JOIN pr_writer ON pr_writer.id = pr_article.writer_id "
              "WHERE substr(pr_article.title, 2) = substr(pr_writer.name, 2)") == 3000);
}

// Relationships through the async session on every backend: back_populates after a commit,
// a reference that raises until session.load() fills it, and a cascade remove of a parent
// whose children are not loaded. Effects are read back through a second, raw connection.
#include <cstdint>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

namespace {

struct article;

struct writer {
  std::int64_t id = 0;
  std::string name{};
  orca::collection<article> articles{};
};

struct article {
  std::int64_t id = 0;
  std::int64_t writer_id = 0;
  std::string title{};
  orca::reference<writer> by{};
};

void orca_table(orca::table_builder<writer>& t) {
  t.table("rs_writer");
  t.column("id", &writer::id).primary_key();
  t.column("name", &writer::name);
  t.relationship("articles", &writer::articles, &article::writer_id).back_populates("by").cascade(orca::cascade::all);
}

void orca_table(orca::table_builder<article>& t) {
  t.table("rs_article");
  t.column("id", &article::id).primary_key();
  t.column("writer_id", &article::writer_id).foreign_key(&writer::id);
  t.column("title", &article::title);
  t.relationship("by", &article::by, &article::writer_id).back_populates("articles");
}

}  // namespace

TEST_CASE("through the async session: back_populates after commit, session.load of a reference, cascade remove",
          "[actors][relationships]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto raw = target.connect();
  std::int64_t writer_id = 0;
  actor_test::run([](orca::engine engine, std::int64_t& id) -> orca::task<void> {
    auto create = [](orca::connection& c) {
      auto meta = orca::metadata::of<writer, article>();
      meta.drop_all(c);
      meta.create_all(c);
    };
    co_await engine.begin().run_sync(create);
    auto make = orca::async_sessionmaker(engine, {.expire_on_commit = false});
    auto session = make();
    auto ann = session.add(writer{.name = "ann", .articles = {article{.title = "one"}}});
    session.add(article{.title = "two", .by = ann});
    co_await session.commit();
    id = ann->id;
    REQUIRE(ann->articles.size() == 2);  // "two" joined the loaded collection at the flush
    CHECK(ann->articles[0]->by == ann);
    CHECK(ann->articles[1]->by == ann);
    CHECK(ann->articles[1]->writer_id == ann->id);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), writer_id));
  CHECK(raw->execute("SELECT count(*) FROM rs_article WHERE writer_id = " + std::to_string(writer_id))
            .at(0, 0)
            .as_integer() == 2);

  actor_test::run([](orca::engine engine) -> orca::task<void> {
    auto session = orca::async_sessionmaker(engine)();
    auto first = (co_await session.scalars(orca::select<article>().order_by(&article::id))).first();
    REQUIRE(first != nullptr);
    CHECK_FALSE(first->by.is_loaded());
    CHECK_THROWS_AS(first->by->name, orca::error);
    co_await session.load(first, &article::by);
    REQUIRE(first->by.is_loaded());
    CHECK(first->by->name == "ann");
    // The writer's articles are not loaded: the cascade loads them to delete them.
    CHECK_FALSE(first->by->articles.is_loaded());
    co_await session.remove(first->by.get());
    co_await session.commit();
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url)));
  CHECK(raw->execute("SELECT count(*) FROM rs_writer").at(0, 0).as_integer() == 0);
  CHECK(raw->execute("SELECT count(*) FROM rs_article").at(0, 0).as_integer() == 0);
}

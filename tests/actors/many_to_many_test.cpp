// Many-to-many through the async session on every backend: add and remove written by the
// commit, session.load of the collection, back_populates in memory, removing an owner whose
// collection is not loaded, and an add inside a rolled-back transaction. Each effect is read
// through a second, raw connection.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"
#include "support/row_count.hpp"

namespace {

struct label;

struct document {
  std::int64_t id = 0;
  std::string title{};
  orca::collection<label> labels{};
};

struct label {
  std::int64_t id = 0;
  std::string name{};
  orca::collection<document> documents{};
};

struct document_label {
  std::int64_t document_id = 0;
  std::int64_t label_id = 0;
};

void orca_table(orca::table_builder<document>& t) {
  t.table("mm_document");
  t.column("id", &document::id).primary_key();
  t.column("title", &document::title);
  t.relationship("labels", &document::labels)
      .secondary(&document_label::document_id, &document_label::label_id)
      .back_populates("documents");
}

void orca_table(orca::table_builder<label>& t) {
  t.table("mm_label");
  t.column("id", &label::id).primary_key();
  t.column("name", &label::name);
  t.relationship("documents", &label::documents)
      .secondary(&document_label::label_id, &document_label::document_id)
      .back_populates("labels");
}

void orca_table(orca::table_builder<document_label>& t) {
  t.table("mm_document_label");
  t.column("document_id", &document_label::document_id)
      .primary_key()
      .foreign_key(&document::id, orca::on_delete::cascade);
  t.column("label_id", &document_label::label_id).primary_key().foreign_key(&label::id, orca::on_delete::cascade);
}

std::int64_t rows_of(orca::drivers::connection& c, std::int64_t document_id) {
  return orca::test::count_rows(
      c, "SELECT count(*) FROM mm_document_label WHERE document_id = " + std::to_string(document_id));
}

}  // namespace

TEST_CASE("many-to-many through the async session: add, load, remove, remove of an owner",
          "[actors][relationships][many_to_many]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto raw = target.connect();
  actor_test::run([](orca::engine engine, orca::drivers::connection& raw) -> orca::task<void> {
    auto create = [](orca::connection& c) {
      auto meta = orca::metadata::of<document, label>();
      meta.drop_all(c);
      meta.create_all(c);
    };
    co_await engine.begin().run_sync(create);
    auto make = orca::async_sessionmaker(engine, {.expire_on_commit = false});

    // Add: a new document with two new labels; both labels learn of it in memory.
    std::int64_t doc_id = 0;
    {
      auto session = make();
      auto doc = session.add(document{.title = "spec"});
      auto red = doc->labels.add(label{.name = "red"});
      auto blue = doc->labels.add(label{.name = "blue"});
      co_await session.commit();
      doc_id = doc->id;
      CHECK(red->documents.size() == 1);
      CHECK(blue->documents[0] == doc);
      co_await session.close();
    }
    CHECK(rows_of(raw, doc_id) == 2);

    // Load in a new session, remove one label, add an existing one from the other side.
    {
      auto session = make();
      auto doc = co_await session.get<document>(doc_id);
      REQUIRE(doc != nullptr);
      CHECK_FALSE(doc->labels.is_loaded());
      co_await session.load(doc, &document::labels);
      REQUIRE(doc->labels.size() == 2);
      auto red = *std::find_if(doc->labels.begin(), doc->labels.end(), [](auto& l) { return l->name == "red"; });
      doc->labels.remove(red);
      auto other = session.add(document{.title = "notes"});
      co_await session.flush();
      co_await session.load(red, &label::documents);
      CHECK(red->documents.empty());  // the removal was flushed
      red->documents.add(other);
      CHECK(std::find(other->labels.begin(), other->labels.end(), red) != other->labels.end());
      co_await session.commit();
      CHECK(rows_of(raw, doc_id) == 1);
      CHECK(rows_of(raw, other->id) == 1);
      CHECK(orca::test::count_rows(raw, "SELECT count(*) FROM mm_label") == 2);
      co_await session.close();
    }

    // A rolled-back add is not written.
    {
      auto session = make();
      auto doc = (co_await session.scalars(orca::select<document>()
                                               .where(orca::col(&document::id) == doc_id)
                                               .options(orca::selectinload(&document::labels))))
                     .first();
      REQUIRE(doc != nullptr);
      auto green = std::make_shared<label>(label{.name = "green"});
      {
        auto tx = co_await session.begin();
        doc->labels.add(green);
        co_await session.flush();
        co_await tx.rollback();
      }
      CHECK_FALSE(doc->labels.is_loaded());
      co_await session.commit();
      CHECK(rows_of(raw, doc_id) == 1);
      CHECK(orca::test::count_rows(raw, "SELECT count(*) FROM mm_label WHERE name = 'green'") == 0);
      co_await session.close();
    }

    // Removing a document whose labels are not loaded deletes its rows, not its labels.
    {
      auto session = make();
      auto doc = co_await session.get<document>(doc_id);
      co_await session.remove(doc);
      co_await session.commit();
      co_await session.close();
    }
    CHECK(rows_of(raw, doc_id) == 0);
    CHECK(orca::test::count_rows(raw, "SELECT count(*) FROM mm_document_label") == 1);
    CHECK(orca::test::count_rows(raw, "SELECT count(*) FROM mm_label") == 2);
    co_await engine.dispose();
  }(orca::create_engine(target.url), *raw));
}

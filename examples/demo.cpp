// orca-demo [URL]: runs both seed programs on the embedded SQLite default (or on URL) with
// SQL echo on, then the actor backend and the blog, and shows what each left through a plain
// connection.
#include <iostream>

#include "actor_backend.hpp"
#include "async_orm.hpp"
#include "async_orm_writeonly.hpp"
#include "blog.hpp"

namespace {

void banner(const std::string& text) { std::cout << "\n=== " << text << " ===\n" << std::flush; }

// Prints the rows of a query.
void show_rows(const orca::drivers::rowset& rows) {
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::cout << "  ";
    for (std::size_t c = 0; c < rows.width(); ++c)
      std::cout << (c ? ", " : "") << rows.columns()[c] << "=" << orca::to_string(rows.at(r, c));
    std::cout << "\n";
  }
}

// What the tables hold, read through the driver (no ORM, no actors).
void show_tables(const std::string& url) {
  auto connection = orca::drivers::connect(orca::parse_url(url));
  for (auto* table : {"a", "b"}) {
    auto rows = connection->execute(std::string{"SELECT * FROM "} + table + " ORDER BY id");
    std::cout << "table " << table << " (" << rows.size() << " rows)\n";
    show_rows(rows);
  }
}

// The orders per customer, summed by the database (to compare with the actors' report).
void show_order_totals(const std::string& url) {
  auto connection = orca::drivers::connect(orca::parse_url(url));
  show_rows(
      connection->execute("SELECT customer, count(*) AS orders, sum(amount_cents) AS total_cents "
                          "FROM orders GROUP BY customer ORDER BY customer"));
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = argc > 1 ? argv[1] : "sqlite:///orca_demo.db";
  try {
    banner("orca demo on " + orca::parse_url(url).redacted());
    std::cout << "Each seed program drops and creates tables a and b, saves three A objects with\n"
                 "their B children in one transaction, loads them back (buffered, then streamed),\n"
                 "and changes the first A. Lines prefixed 'orca.sql' are the SQL orca runs.\n"
                 "Then a backend made only of CAF actors creates and lists orders, one session\n"
                 "per request, and a report actor streams every order to total them per customer.\n"
                 "Last, the blog: users with UUID keys, posts, comments and many-to-many tags.\n";

    banner("1/4 async_orm: one-to-many collection, selectinload, streaming");
    if (int rc = orca::run(async_orm::async_main(orca::create_engine(url, {.echo = true}), std::cout)); rc != 0)
      return rc;
    banner("what async_orm left (a1 was renamed and committed)");
    show_tables(url);

    banner("2/4 async_orm_writeonly: write-only collection, nested streams");
    if (int rc = orca::run(async_orm_writeonly::async_main(orca::create_engine(url, {.echo = true}), std::cout));
        rc != 0)
      return rc;
    banner("what async_orm_writeonly left (its rename was never committed)");
    show_tables(url);

    banner("3/4 actor_backend: CAF actors on orca's session, pool and stream actors");
    if (int rc = actor_backend::run_actor_backend(url, std::cout, std::cerr); rc != 0) return rc;
    banner("what actor_backend left, summed by the database (compare with the report)");
    show_order_totals(url);

    banner("4/4 blog: UUID keys, back_populates, cascades, many-to-many tags, a unique violation");
    if (int rc = orca::run(blog::async_main(orca::create_engine(url, {.echo = true}), std::cout)); rc != 0) return rc;
    banner("what blog left: posts and their tags, joined by the database");
    show_rows(orca::drivers::connect(orca::parse_url(url))
                  ->execute("SELECT p.title, t.name AS tag FROM blog_post p JOIN blog_post_tag pt ON pt.post_id = "
                            "p.id JOIN blog_tag t ON t.id = pt.tag_id ORDER BY p.title, t.name"));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "orca-demo: " << e.what() << "\n";
    return 1;
  }
}

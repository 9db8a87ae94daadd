// orca-demo [URL]: runs both seed programs on the embedded SQLite default (or on URL) with
// SQL echo on, then shows what they left in the database through a plain connection.
#include <iostream>

#include "async_orm.hpp"
#include "async_orm_writeonly.hpp"

namespace {

void banner(const std::string& text) { std::cout << "\n=== " << text << " ===\n" << std::flush; }

// What the tables hold, read through the driver (no ORM, no actors).
void show_tables(const std::string& url) {
  auto connection = orca::drivers::connect(orca::parse_url(url));
  for (auto* table : {"a", "b"}) {
    auto rows = connection->execute(std::string{"SELECT * FROM "} + table + " ORDER BY id");
    std::cout << "table " << table << " (" << rows.size() << " rows)\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::cout << "  ";
      for (std::size_t c = 0; c < rows.width(); ++c)
        std::cout << (c ? ", " : "") << rows.columns()[c] << "=" << orca::to_string(rows.at(r, c));
      std::cout << "\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = argc > 1 ? argv[1] : "sqlite:///orca_demo.db";
  try {
    banner("orca demo on " + orca::parse_url(url).redacted());
    std::cout << "Each seed program drops and creates tables a and b, saves three A objects with\n"
                 "their B children in one transaction, loads them back (buffered, then streamed),\n"
                 "and changes the first A. Lines prefixed 'orca.sql' are the SQL orca runs.\n";

    banner("1/2 async_orm: one-to-many collection, selectinload, streaming");
    if (int rc = orca::run(async_orm::async_main(orca::create_engine(url, {.echo = true}), std::cout)); rc != 0)
      return rc;
    banner("what async_orm left (a1 was renamed and committed)");
    show_tables(url);

    banner("2/2 async_orm_writeonly: write-only collection, nested streams");
    if (int rc = orca::run(async_orm_writeonly::async_main(orca::create_engine(url, {.echo = true}), std::cout));
        rc != 0)
      return rc;
    banner("what async_orm_writeonly left (its rename was never committed)");
    show_tables(url);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "orca-demo: " << e.what() << "\n";
    return 1;
  }
}

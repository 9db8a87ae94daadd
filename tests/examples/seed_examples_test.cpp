// The two seed programs, run through orca on every backend, leave exactly the rows their
// SQLAlchemy originals leave — checked through a second, independent connection.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "async_orm.hpp"
#include "async_orm_writeonly.hpp"
#include "support/backends.hpp"
#include "support/example_runs.hpp"

using orca::test::rows_of;
using orca::test::run_program;

TEST_CASE("async_orm leaves a1 renamed, a2, a3 and five children", "[examples][seed]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::ostringstream out;
  orca::run_or_throw(async_orm::async_main(orca::create_engine(target.url), out));

  auto check = target.connect();
  CHECK(rows_of(*check, "SELECT id, data FROM a ORDER BY id") == "1,'new data';2,'a2';3,'a3';");
  CHECK(rows_of(*check, "SELECT id, a_id, data FROM b ORDER BY id") == "1,1,NULL;2,1,NULL;3,2,NULL;4,3,NULL;5,3,NULL;");
  CHECK(rows_of(*check, "SELECT count(*) FROM a WHERE create_date IS NOT NULL") == "3;");

  // What the seed prints: each A, its creation date and its Bs (buffered, then streamed).
  auto printed = out.str();
  CHECK(printed.find("A(id=1, data='a1')\ncreated at: ") != std::string::npos);
  CHECK(printed.find("B(id=5, a_id=3, data=None)") != std::string::npos);
  CHECK(printed.rfind("'new data'\n") == printed.size() - 11);
}

TEST_CASE("async_orm_writeonly leaves a1 unchanged because the seed never commits its rename", "[examples][seed]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::ostringstream out;
  orca::run_or_throw(async_orm_writeonly::async_main(orca::create_engine(target.url), out));

  auto check = target.connect();
  CHECK(rows_of(*check, "SELECT id, data FROM a ORDER BY id") == "1,'a1';2,'a2';3,'a3';");
  CHECK(rows_of(*check, "SELECT a_id, count(*) FROM b GROUP BY a_id ORDER BY a_id") == "1,2;2,1;3,2;");

  // Children were read twice: once per buffered parent, once inside the stream of parents.
  auto printed = out.str();
  std::size_t count = 0;
  for (auto at = printed.find("B(id=4, a_id=3"); at != std::string::npos; at = printed.find("B(id=4, a_id=3", at + 1))
    ++count;
  CHECK(count == 2);
}

TEST_CASE("the seed programs exit 0 on every backend, print the SQL they run and leave the seed's rows",
          "[examples][seed]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  auto writeonly = GENERATE(false, true);
  auto program = std::string{writeonly ? ORCA_EXAMPLE_ASYNC_ORM_WRITEONLY : ORCA_EXAMPLE_ASYNC_ORM};
  INFO("backend: " << target.name << ", program: " << program);
  auto dir = std::filesystem::temp_directory_path() / ("orca-example-" + std::to_string(::getpid()));
  auto [status, text] = run_program(program, "'" + target.url + "'", dir);
  std::filesystem::remove_all(dir);
  INFO(text);
  REQUIRE(status == 0);
  CHECK(text.find("orca.sql") != std::string::npos);
  CHECK(text.find("INSERT INTO a (data) ") != std::string::npos);
  auto check = target.connect();
  if (writeonly) {
    CHECK(rows_of(*check, "SELECT id, data FROM a ORDER BY id") == "1,'a1';2,'a2';3,'a3';");
    CHECK(rows_of(*check, "SELECT a_id, count(*) FROM b GROUP BY a_id ORDER BY a_id") == "1,2;2,1;3,2;");
  } else {
    CHECK(text.find("UPDATE a SET data") != std::string::npos);
    CHECK(rows_of(*check, "SELECT id, data FROM a ORDER BY id") == "1,'new data';2,'a2';3,'a3';");
    CHECK(rows_of(*check, "SELECT count(*) FROM b") == "5;");
  }
}

TEST_CASE("the seed programs without a URL write orca_demo.db in the current directory", "[examples][seed]") {
  auto writeonly = GENERATE(false, true);
  auto program = std::string{writeonly ? ORCA_EXAMPLE_ASYNC_ORM_WRITEONLY : ORCA_EXAMPLE_ASYNC_ORM};
  INFO("program: " << program);
  auto dir = std::filesystem::temp_directory_path() / ("orca-example-default-" + std::to_string(::getpid()));
  auto [status, text] = run_program(program, "", dir);
  INFO(text);
  CHECK(status == 0);
  CHECK(std::filesystem::exists(dir / "orca_demo.db"));
  std::filesystem::remove_all(dir);
}

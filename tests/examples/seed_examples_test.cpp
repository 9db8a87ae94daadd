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

namespace {

std::string rows_of(orca::drivers::connection& c, const std::string& sql) {
  auto rows = c.execute(sql);
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t k = 0; k < rows.width(); ++k) out += (k ? "," : "") + orca::to_string(rows.at(r, k));
    out += ";";
  }
  return out;
}

}  // namespace

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

namespace {

// Runs an example program as a user would (echo on) in a scratch directory; its exit
// status, and what it printed.
std::pair<int, std::string> run_program(const std::string& program, const std::string& arguments,
                                        const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto command = "cd '" + dir.string() + "' && '" + program + "' " + arguments + " > out.txt 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(dir / "out.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {status, text};
}

}  // namespace

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

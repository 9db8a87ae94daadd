// The blog example on every backend: in process, it reads back what it wrote (exit code 0)
// and leaves the rows it says; run as a program, it exits 0 and prints its SQL. The rows are
// checked through a second, independent connection.
#include <filesystem>
#include <sstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "blog.hpp"
#include "support/backends.hpp"
#include "support/example_runs.hpp"

namespace {

using orca::test::rows_of;

// What the blog leaves: Hello deleted with its comments and tag rows; orm moved to Second.
void check_rows(const orca::test::backend_target& target) {
  auto check = target.connect();
  CHECK(rows_of(*check, "SELECT title FROM blog_post ORDER BY title") == "'Bob''s';'Second';");
  CHECK(rows_of(*check, "SELECT text FROM blog_comment") == "'first!';");
  CHECK(rows_of(*check,
                "SELECT t.name FROM blog_post_tag pt JOIN blog_post p ON p.id = pt.post_id JOIN blog_tag t ON t.id = "
                "pt.tag_id ORDER BY t.name") == "'c++';'orm';");
  CHECK(rows_of(*check,
                "SELECT p.title FROM blog_post_tag pt JOIN blog_post p ON p.id = pt.post_id GROUP BY "
                "p.title") == "'Second';");
  CHECK(rows_of(*check, "SELECT name FROM blog_user ORDER BY name") == "'Ann';'Bob';");
}

}  // namespace

TEST_CASE("the blog example reads back what it wrote and leaves its rows", "[examples][blog]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  std::ostringstream out;
  auto rc = orca::run(blog::async_main(orca::create_engine(target.url), out));
  INFO(out.str());
  CHECK(rc == 0);
  CHECK(out.str().find("WRONG") == std::string::npos);
  CHECK(out.str().find("refused: constraint_violation") != std::string::npos);
  check_rows(target);
}

TEST_CASE("the blog program exits 0 on every backend and prints the SQL it runs", "[examples][blog]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto dir = std::filesystem::temp_directory_path() / ("orca-blog-" + std::to_string(::getpid()));
  auto [status, text] = orca::test::run_program(ORCA_EXAMPLE_BLOG, "'" + target.url + "'", dir);
  std::filesystem::remove_all(dir);
  INFO(text);
  REQUIRE(status == 0);
  CHECK(text.find("orca.sql") != std::string::npos);
  CHECK(text.find("INSERT INTO blog_post_tag") != std::string::npos);
  CHECK(text.find("DELETE FROM blog_post_tag") != std::string::npos);
  check_rows(target);
}

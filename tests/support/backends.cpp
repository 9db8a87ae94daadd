// The backends a parameterised test runs against (see backends.hpp).
#include "support/backends.hpp"

#include <atomic>
#include <random>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include "orca/drivers/error.hpp"

namespace orca::test {

namespace {

// Process id, a per-process counter and a random part: schemas on a long-lived server
// outlive their processes, and process ids come back.
std::string unique_suffix() {
  static std::atomic<int> counter{0};
  static const auto random = std::random_device{}();
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(random % 100000);
}

// What this process created: dropped and removed when the test run ends (a Catch listener,
// before static destruction, while logging and libpq still work), so that test schemas and
// files do not pile up on a long-lived server or in the temp directory. A lock left behind
// by a broken test makes a drop give up after lock_timeout rather than hang the exit.
class created_databases {
public:
  static created_databases& instance() {
    static created_databases registry;
    return registry;
  }
  void add_file(std::filesystem::path file) { files_.push_back(std::move(file)); }
  void add_schema(std::string server, std::string schema) {
    schemas_.emplace_back(std::move(server), std::move(schema));
  }

  void clean() {
    for (auto& file : files_)
      for (auto suffix : {"", "-wal", "-shm", "-journal"}) {
        std::error_code ignored;
        std::filesystem::remove(file.string() + suffix, ignored);
      }
    for (auto& [server, schema] : schemas_) {
      try {
        auto conn = drivers::connect(parse_url(server));
        conn->execute_script("SET lock_timeout = '2s'; DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      } catch (const std::exception&) {  // the server is gone or the schema locked: leave it
      }
    }
    files_.clear();
    schemas_.clear();
  }

private:
  std::vector<std::filesystem::path> files_;
  std::vector<std::pair<std::string, std::string>> schemas_;
};

struct cleanup_at_run_end : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats&) override { created_databases::instance().clean(); }
};

std::string fresh_sqlite_url() {
  auto dir = std::filesystem::temp_directory_path() / "orca-tests";
  std::filesystem::create_directories(dir);
  auto file = dir / ("db_" + unique_suffix() + ".sqlite");
  for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  created_databases::instance().add_file(file);
  return "sqlite:///" + file.string();  // absolute path: sqlite:////tmp/...
}

// A fresh schema on the shared test server, so that tests may run in parallel.
std::string fresh_postgresql_url(const std::string& base) {
  auto schema = "t_" + unique_suffix();
  auto conn = drivers::connect(parse_url(base));
  created_databases::instance().add_schema(base, schema);
  conn->execute_script("CREATE SCHEMA " + schema);
  auto separator = base.find('?') == std::string::npos ? "?" : "&";
  return base + separator + "options=-csearch_path%3D" + schema;
}

}  // namespace

CATCH_REGISTER_LISTENER(cleanup_at_run_end)

std::unique_ptr<drivers::connection> backend_target::connect() const { return drivers::connect(parse_url(url)); }

std::vector<backend_target> backends() {
  std::vector<backend_target> result;
  result.push_back({"sqlite", fresh_sqlite_url()});
  const char* only = std::getenv("ORCA_TEST_BACKENDS");
  if (only != nullptr && std::string_view{only} == "sqlite") return result;
  const char* pg = std::getenv("ORCA_TEST_POSTGRESQL_URL");
  if (pg == nullptr || *pg == '\0') {
    // A failure, not a skip. Recorded without throwing: an exception escaping a GENERATE
    // expression crashes Catch2 v2 at exit instead of reporting.
    FAIL_CHECK(
        "ORCA_TEST_POSTGRESQL_URL is not set: run the suite with scripts/test.sh (it starts a "
        "throwaway PostgreSQL), point the variable at a server you own, or set "
        "ORCA_TEST_BACKENDS=sqlite to run SQLite only");
    return result;
  }
  try {
    result.push_back({"postgresql", fresh_postgresql_url(pg)});
  } catch (const std::exception& e) {
    FAIL_CHECK("the PostgreSQL test server at ORCA_TEST_POSTGRESQL_URL cannot be used: " << e.what());
  }
  return result;
}

bool skip_unless_postgresql(const backend_target& target, std::string_view why) {
  if (target.name == "postgresql") return false;
  const char* only = std::getenv("ORCA_TEST_BACKENDS");
  if (only != nullptr && std::string_view{only} == "sqlite")
    WARN("ORCA_TEST_SKIPPED: ORCA_TEST_BACKENDS=sqlite opts out of PostgreSQL; " << why);
  else
    SUCCEED(why);
  return true;
}

}  // namespace orca::test

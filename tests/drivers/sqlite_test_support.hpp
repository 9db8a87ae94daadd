// Helpers for the SQLite driver tests: throwaway database files and error capture.
// Used by tests/drivers/sqlite_*_test.cpp only.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "orca/drivers/connection.hpp"
#include "orca/drivers/error.hpp"

namespace orca::test {

/// A database file under the temp directory, removed (with its -wal and -shm) at scope end.
class temp_database {
public:
  temp_database() {
    static std::atomic<int> counter{0};
    auto dir = std::filesystem::temp_directory_path() / "orca-tests";
    std::filesystem::create_directories(dir);
    path_ = dir / ("drivers_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".db");
    remove_files();
  }
  ~temp_database() { remove_files(); }
  temp_database(const temp_database&) = delete;
  temp_database& operator=(const temp_database&) = delete;

  /// The file's path.
  const std::filesystem::path& path() const noexcept { return path_; }
  /// A sqlite:// URL naming the file by its absolute path.
  std::string url() const { return "sqlite:///" + path_.string(); }
  /// Opens a new, independent connection to the file.
  std::unique_ptr<drivers::connection> connect(const drivers::connection_options& options = {}) const {
    return drivers::connect(parse_url(url()), options);
  }

private:
  void remove_files() {
    for (auto suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path_.string() + suffix);
  }

  std::filesystem::path path_;
};

/// A private in-memory database.
inline std::unique_ptr<drivers::connection> memory_database(const drivers::connection_options& options = {}) {
  return drivers::connect(parse_url("sqlite://"), options);
}

/// The orca::error `call` throws; fails the test if it throws none.
inline orca::error error_from(const std::function<void()>& call) {
  try {
    call();
  } catch (const orca::error& failed) {
    return failed;
  }
  FAIL("the call threw no orca::error");
  return orca::error{errc::none, ""};
}

}  // namespace orca::test

// A PostgreSQL server of a test's own (scripts/pg-throwaway.sh in a temporary directory),
// for fault tests that stop and restart it without disturbing the tests that share the
// suite's server. Used by tests/actors/server_restart_test.cpp and
// tests/actors/restart_recovery_test.cpp; needs ORCA_SOURCE_DIR (the actor tests define it).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace orca::test {

/// Starts a throwaway PostgreSQL server on construction and removes it on destruction.
class own_server {
public:
  /// `tag` names the temporary directory, so that two servers of one process do not meet.
  explicit own_server(const std::string& tag = "restart")
      : dir_(std::filesystem::temp_directory_path() / ("orca-" + tag + "-" + std::to_string(::getpid()))) {
    url_ = script("start");
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
  }
  ~own_server() { script("stop"); }
  own_server(const own_server&) = delete;
  own_server& operator=(const own_server&) = delete;

  /// postgresql://orca@127.0.0.1:PORT/orca, or empty if the server did not start.
  const std::string& url() const { return url_; }
  /// Stops the server as a restart does (fast shutdown: its sessions are told and closed).
  void halt() { script("halt"); }
  /// Starts it again, on the same port.
  void resume() { script("resume"); }

private:
  std::string script(const std::string& command) {
    auto line = std::string{ORCA_SOURCE_DIR} + "/scripts/pg-throwaway.sh " + command + " " + dir_.string();
    std::string out;
    if (FILE* pipe = ::popen(line.c_str(), "r")) {
      char buffer[256];
      while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
      ::pclose(pipe);
    }
    return out;
  }

  std::filesystem::path dir_;
  std::string url_;
};

}  // namespace orca::test

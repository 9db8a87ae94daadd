// connect_server: a libpq connection opened from an orca URL, with orca's session settings.
// Used by open_postgresql(); failures name the server, never the password.
#include "postgresql_connect.hpp"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <poll.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "orca/drivers/error.hpp"
#include "postgresql_result.hpp"

namespace orca::drivers::postgresql {

namespace {

// Notices (e.g. "relation already exists, skipping" from IF NOT EXISTS) are not errors;
// they go to spdlog at debug level instead of libpq's default, stderr.
void log_notice(void*, const char* message) { spdlog::debug("postgresql: {}", one_line(message)); }

// The password is never part of a libpq message; masking it anyway is cheap insurance
// (too short a password would mask ordinary letters, so those are left alone).
std::string mask(std::string text, const std::string& password) {
  if (password.size() < 3) return text;
  for (auto at = text.find(password); at != std::string::npos; at = text.find(password, at + 3))
    text.replace(at, password.size(), "***");
  return text;
}

}  // namespace

connection_ptr connect_server(const url& target, const connection_options& options) {
  // URL parts first, then orca's defaults, then the query's keywords, which may override
  // the defaults (libpq takes the last value of a repeated keyword).
  std::vector<std::pair<std::string, std::string>> settings;
  auto query = target.query;
  auto take = [&query](const std::string& key, std::string fallback) {
    auto found = query.find(key);
    if (found == query.end()) return fallback;
    auto taken = std::move(found->second);
    query.erase(found);
    return taken;
  };
  std::string host = take("host", target.host);
  std::string port = take("port", target.port != 0 ? std::to_string(target.port) : "");
  std::string password = take("password", target.password);
  std::string user = take("user", target.user);
  std::string database = take("dbname", target.database);
  // UTC and ISO dates so that timestamps read back exactly; shortest exact floats on
  // servers older than 12. The URL's own `options` come last and win.
  std::string server_options = "-c TimeZone=UTC -c DateStyle=ISO,MDY -c extra_float_digits=3";
  if (auto extra = take("options", ""); !extra.empty()) server_options += " " + extra;
  for (auto& [key, value] : std::initializer_list<std::pair<std::string, std::string>>{
           {"host", host},
           {"port", port},
           {"user", user},
           {"password", password},
           {"dbname", database},
           {"options", server_options},
           {"client_encoding", "UTF8"},
           {"fallback_application_name", "orca"},
           {"connect_timeout", std::to_string(options.connect_timeout.count())}})
    if (!value.empty()) settings.emplace_back(key, value);
  for (auto& [key, value] : query) settings.emplace_back(key, value);

  std::vector<const char*> keywords, values;
  for (const auto& [key, value] : settings) {
    keywords.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  connection_ptr conn{PQconnectdbParams(keywords.data(), values.data(), 0)};
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    std::string where = host.empty()            ? "the default socket directory"
                        : host.starts_with('/') ? "socket directory " + host
                                                : host;
    std::string reason = conn != nullptr ? one_line(PQerrorMessage(conn.get()))
                                         : "libpq could not allocate a connection";
    // libpq 14+ starts with 'connection to server at "host", port 5432 failed: ', which
    // the message below says already.
    if (auto failed = reason.find(" failed: ");
        reason.starts_with("connection to server ") && failed != std::string::npos)
      reason.erase(0, failed + 9);
    throw orca::error{
        errc::connection_failed,
        mask(fmt::format("cannot connect to PostgreSQL database \"{}\" at {}, port {}, as user "
                         "\"{}\": {}",
                         database.empty() ? user : database, where, port.empty() ? "5432" : port, user, reason),
             password)};
  }
  PQsetNoticeProcessor(conn.get(), log_notice, nullptr);
  return conn;
}

bool idle_connection_alive(PGconn* conn) noexcept {
  // Each read takes what has arrived; the end of the stream shows only on the read after
  // the server's last message, so read while the socket stays readable (a few times at
  // most: an idle connection receives a handful of messages, not a stream).
  for (int reads = 0; reads < 8; ++reads) {
    if (PQstatus(conn) != CONNECTION_OK) return false;
    pollfd socket{PQsocket(conn), POLLIN, 0};
    int ready = ::poll(&socket, 1, 0);
    if (ready <= 0) return ready == 0;  // nothing (more) arrived: alive as far as can be known without a round trip
    // The server's FATAL message is read as a notice (logged at debug level); the end of
    // the stream after it makes the read fail and the connection bad.
    if (PQconsumeInput(conn) != 1) return false;
    PQisBusy(conn);  // parses what arrived, so that libpq acts on it
  }
  return PQstatus(conn) == CONNECTION_OK;
}

}  // namespace orca::drivers::postgresql

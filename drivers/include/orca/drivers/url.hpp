// orca::url: a parsed database URL. Used by connect() and the engine to pick a backend.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace orca {

/// The backends orca speaks.
enum class backend : std::uint8_t { sqlite, postgresql };

/// A database URL, percent-decoded.
///
/// Forms: `sqlite:///relative.db`, `sqlite:////absolute/path.db`, `sqlite://` (memory),
/// `postgresql://user:password@host:port/dbname?host=/socket/dir&connect_timeout=5`.
struct url {
  orca::backend backend = orca::backend::sqlite;
  std::string user;
  std::string password;
  std::string host;
  std::uint16_t port = 0;                    ///< 0: the backend's default
  std::string database;                      ///< SQLite: the file path ("" or ":memory:" is memory)
  std::map<std::string, std::string> query;  ///< query parameters, decoded

  /// True for an in-memory SQLite database.
  bool is_memory() const noexcept;
  /// The URL as text with the password masked ("***"), for messages and logs.
  std::string redacted() const;
};

/// Parses a URL; throws orca::error(errc::invalid_url) quoting the URL (password masked)
/// and saying what is wrong.
url parse_url(std::string_view text);

}  // namespace orca

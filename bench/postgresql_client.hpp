// Thin RAII over libpq for the raw PostgreSQL baseline: a connection, results, prepared
// statements, binary values and a pipeline runner. Used by postgresql_phases.cpp only.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <endian.h>
#include <libpq-fe.h>

namespace orca_bench::pg {

/// Owns a PGresult.
using result = std::unique_ptr<PGresult, decltype(&PQclear)>;

/// Text or binary parameters of one statement, kept alive until it is sent.
class parameters {
public:
  /// Reserves room for `count` parameters.
  void reserve(std::size_t count);
  /// Appends text (copied).
  void text(std::string_view x);
  /// Appends a binary int8.
  void int8(std::int64_t x);
  /// Number of parameters.
  int count() const noexcept { return static_cast<int>(lengths_.size()); }
  /// The value pointers libpq's PQsend*/PQexec* functions take (valid until the next append).
  const char* const* values();
  /// The value lengths, for the same calls.
  const int* lengths() const noexcept { return lengths_.data(); }
  /// The value formats (0 text, 1 binary), for the same calls.
  const int* formats() const noexcept { return formats_.data(); }
  /// Forgets every parameter (keeps the memory).
  void clear() noexcept;

private:
  std::string bytes_;  ///< every value, back to back
  std::vector<std::size_t> offsets_;
  std::vector<int> lengths_, formats_;
  std::vector<const char*> pointers_;
};

/// One libpq connection (the URL text goes to PQconnectdb as is).
class connection {
public:
  explicit connection(const std::string& url);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// The handle for libpq.
  PGconn* get() const noexcept { return conn_; }
  /// Runs SQL with no parameters (simple protocol); throws on failure.
  result exec(const char* sql);
  /// Runs SQL with parameters, results in binary; throws on failure.
  result query(const char* sql, parameters& params);
  /// Prepares `sql` as `name` once per connection (types inferred).
  void prepare(const std::string& name, const std::string& sql);
  /// Runs a prepared statement, binary results; throws on failure.
  result exec_prepared(const std::string& name, parameters& params);
  /// Throws std::runtime_error with libpq's message unless `r` succeeded.
  void check(const PGresult* r, std::string_view what) const;

private:
  PGconn* conn_ = nullptr;
  std::set<std::string> prepared_;
};

/// Runs `count` statements in pipeline mode (non-blocking socket, at most `window` of them
/// awaiting results): `send(i)` queues statement i with a PQsend* call, `receive(i, r)`
/// gets its result. One Sync at the end; throws after draining if a statement failed.
void pipeline(connection& c, std::size_t count, const std::function<void(std::size_t)>& send,
              const std::function<void(std::size_t, const PGresult*)>& receive, std::size_t window = 64);

/// A binary int8 column value.
inline std::int64_t int8(const PGresult* r, int row, int column) noexcept {
  std::uint64_t be = 0;
  std::memcpy(&be, PQgetvalue(r, row, column), sizeof be);
  return static_cast<std::int64_t>(be64toh(be));
}

/// A text column value (binary text is the bytes themselves).
inline std::string_view text(const PGresult* r, int row, int column) noexcept {
  return {PQgetvalue(r, row, column), static_cast<std::size_t>(PQgetlength(r, row, column))};
}

/// A binary timestamp as microseconds since 1970 (PostgreSQL counts from 2000-01-01).
inline std::int64_t timestamp_micros(const PGresult* r, int row, int column) noexcept {
  return int8(r, row, column) + 946684800LL * 1000000LL;
}

}  // namespace orca_bench::pg

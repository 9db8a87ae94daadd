// orca::drivers::cursor: incremental fetching of a query's rows.
// Opened by a connection; several may be open at once on one connection.
#pragma once

#include <cstddef>

#include "orca/drivers/rowset.hpp"

namespace orca::drivers {

/// A query being read in batches. SQLite steps a prepared statement; PostgreSQL
/// uses a server-side cursor (DECLARE / FETCH) inside the current transaction.
/// A cursor must be destroyed before the connection that opened it.
class cursor {
public:
  virtual ~cursor() = default;
  /// Appends up to `max_rows` rows to `out` (columns set on first call);
  /// returns false once the result is exhausted.
  virtual bool fetch(std::size_t max_rows, rowset& out) = 0;
  /// Releases the statement / server-side cursor early (the destructor does it too).
  virtual void close() noexcept = 0;
  /// Forgets the cursor without any I/O, for a caller about to end its transaction (which
  /// closes server-side cursors) or to close the connection. The default closes it.
  virtual void abandon() noexcept { close(); }
};

}  // namespace orca::drivers

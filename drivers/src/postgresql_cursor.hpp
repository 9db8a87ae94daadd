// Server-side cursors of the PostgreSQL backend (DECLARE / FETCH / CLOSE), and the
// bookkeeping a connection shares with them. Used by postgresql_connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "orca/drivers/cursor.hpp"
#include "orca/drivers/value.hpp"
#include "postgresql_parameters.hpp"
#include "postgresql_types.hpp"

namespace orca::drivers::postgresql {

class postgresql_cursor;

/// What a connection and its cursors share. PostgreSQL closes every cursor when the
/// transaction ends, so a cursor must know whether its transaction is still the current
/// one before it sends FETCH or CLOSE (a CLOSE of a vanished cursor would abort the next
/// transaction). The connection calls observe() after every command it runs.
struct cursor_registry {
  std::uint64_t last_cursor = 0;            ///< numbers orca_cur_N
  std::uint64_t transaction_epoch = 0;      ///< +1 each time the connection is seen idle
  bool cursor_owns_transaction = false;     ///< the open transaction was begun by a cursor
  std::size_t owned_transaction_users = 0;  ///< open cursors relying on that transaction
  std::vector<postgresql_cursor*> open;     ///< detached if the connection closes first

  /// Notes the transaction status after a command: when idle, every cursor is gone and no
  /// transaction is owned by a cursor.
  void observe(PGconn* conn) noexcept;
};

/// Opens `DECLARE orca_cur_N NO SCROLL CURSOR FOR <sql>` with the parameters bound.
///
/// Inside a transaction the cursor lives in it. Outside one, a cursor begins a transaction
/// that the cursors own: later cursors join it, statements run meanwhile run in it, and the
/// last of them to close commits it (rolls it back if it failed). A begin() meanwhile
/// adopts it as the caller's transaction. Throws the DECLARE's error with `sql`.
std::unique_ptr<cursor> open_cursor(PGconn* conn, cursor_registry& registry, parameter_buffer& buffer,
                                    std::string_view sql, const params& parameters);

/// A cursor's next FETCH, to go through the connection's pipeline (no blocking call).
struct fetch_plan {
  std::string sql;      ///< the FETCH to send; empty when the answer needs no round trip
  bool binary = false;  ///< ask for binary rows
  rowset rows;          ///< the answer without a round trip (columns set if known)
  bool more = false;
};

/// Plans the next fetch of `from` (a cursor of this backend), or answers it at once; throws
/// errc::closed as fetch() does. Sends nothing.
fetch_plan plan_fetch(cursor& from, std::size_t max_rows);
/// Takes a successful FETCH's result: appends its rows to `out` and returns whether more
/// may follow, as fetch() does. A cursor it exhausts owes the server its CLOSE: close() it.
bool take_fetched(cursor& from, const PGresult* result, std::size_t max_rows, rowset& out);
/// The FETCH failed: the cursor is closed, and owes the server its release (close() it).
void fetch_failed(cursor& from) noexcept;

/// Cuts every open cursor off its connection (which is closing): a later fetch throws
/// errc::closed instead of using the freed connection.
void detach_cursors(cursor_registry& registry) noexcept;

}  // namespace orca::drivers::postgresql

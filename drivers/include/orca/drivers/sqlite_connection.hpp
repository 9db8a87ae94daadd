// The SQLite backend of drivers::connection, on sqlite3. Reached through drivers::connect().
#pragma once

#include <memory>

#include "orca/drivers/connection.hpp"

namespace orca::drivers {

/// Opens a SQLite database: WAL and foreign keys on for files, busy timeout set,
/// extended result codes on. `sqlite://` or `:memory:` opens a private memory database.
std::unique_ptr<connection> open_sqlite(const url& target, const connection_options& options);

}  // namespace orca::drivers

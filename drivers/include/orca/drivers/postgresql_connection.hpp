// The PostgreSQL backend of drivers::connection, on libpq. Reached through drivers::connect().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "orca/drivers/connection.hpp"

namespace orca::drivers {

/// Connects to PostgreSQL (TCP or unix socket, connect timeout from the options);
/// throws orca::error(connection_failed) naming the host and database, never the password.
std::unique_ptr<connection> open_postgresql(const url& target, const connection_options& options);

/// What became of a transaction whose COMMIT got no answer.
struct commit_outcome {
  enum class kind : std::uint8_t { committed, rolled_back, unknown };
  kind outcome = kind::unknown;
  std::string detail;  ///< how it was learned, or why it could not be
};

/// Asks the server, over a new connection, what became of transaction `xid`
/// (`txid_status`): committed, rolled back, or unknown. While the transaction is still in
/// progress (its server process has not ended yet) or the server cannot be reached (it is
/// restarting), it asks again, for up to `patience`. Blocks; never throws.
commit_outcome look_up_commit(const url& target, const connection_options& options, std::int64_t xid,
                              std::chrono::milliseconds patience);

}  // namespace orca::drivers

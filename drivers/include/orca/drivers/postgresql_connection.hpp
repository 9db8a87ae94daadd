// The PostgreSQL backend of drivers::connection, on libpq. Reached through drivers::connect().
#pragma once

#include <memory>

#include "orca/drivers/connection.hpp"

namespace orca::drivers {

/// Connects to PostgreSQL (TCP or unix socket, connect timeout from the options);
/// throws orca::error(connection_failed) naming the host and database, never the password.
std::unique_ptr<connection> open_postgresql(const url& target, const connection_options& options);

}  // namespace orca::drivers

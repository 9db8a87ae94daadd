// connect_server: opens the libpq connection behind a postgresql_connection.
// Used by open_postgresql() in postgresql_connection.cpp.
#pragma once

#include "orca/drivers/connection.hpp"
#include "orca/drivers/url.hpp"
#include "postgresql_types.hpp"

namespace orca::drivers::postgresql {

/// Connects to the server a URL names. The URL's user, password, host, port and database
/// come first, then orca's defaults (connect_timeout from the options, UTF8, session time
/// zone UTC and ISO dates through `options`), then the URL's query keywords, passed to libpq
/// as they are (`host=/socket/dir`, `sslmode`, `application_name`, `connect_timeout`, and
/// `options`, appended to orca's). Notices go to spdlog at debug level.
/// Throws orca::error(connection_failed) naming database, host, port and user.
connection_ptr connect_server(const url& target, const connection_options& options);

/// For an idle connection: false if the server has closed it, learned without sending
/// anything. An idle connection's socket has nothing to read unless the server spoke on its
/// own (a FATAL before it closed, a notice, a NOTIFY); only then is the input consumed,
/// and the connection is dead if libpq then finds it closed.
bool idle_connection_alive(PGconn* conn) noexcept;

}  // namespace orca::drivers::postgresql

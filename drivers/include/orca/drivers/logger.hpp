// orca's spdlog loggers: `orca.sql` (echo: statements, parameters, time, failures) and
// `orca.pool` (the pool's connects, checkout waits, replacements and backoff, at debug).
// Used by drivers::connection, the pool actor, and applications that tune or redirect them.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace orca::drivers {

/// The `orca.sql` logger (created on first use: stdout, level info). Statements log at
/// info, failed statements at warn; the engine's `echo` option turns it on per connection.
std::shared_ptr<spdlog::logger> sql_logger();

/// The `orca.pool` logger (created on first use: stdout, spdlog's global level, info by
/// default). Pool events log at debug: `orca::drivers::pool_logger()->set_level(spdlog::level::debug)`
/// (or `spdlog::set_level(spdlog::level::debug)` before the first engine) shows them.
std::shared_ptr<spdlog::logger> pool_logger();

}  // namespace orca::drivers

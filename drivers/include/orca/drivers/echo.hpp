// Echo: the `orca.sql` spdlog logger that shows every statement, its parameters and time.
// Used by drivers::connection when connection_options::echo is set.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "orca/drivers/value.hpp"

namespace spdlog { class logger; }

namespace orca::drivers {

/// The `orca.sql` logger (created on first use, stdout, level info).
std::shared_ptr<spdlog::logger> sql_logger();

/// Logs one statement: "[1.23 ms] INSERT INTO a ... | params: ('a1', NULL)".
void echo_statement(std::string_view sql, const params& parameters,
                    std::chrono::nanoseconds elapsed);

/// Logs a batch: "[1.23 ms] UPDATE a SET ... | 500 parameter sets".
void echo_batch(std::string_view sql, std::size_t sets, std::chrono::nanoseconds elapsed);

}  // namespace orca::drivers

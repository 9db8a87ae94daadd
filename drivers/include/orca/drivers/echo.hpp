// Echo: lines on the `orca.sql` logger that show every statement, its parameters, its time,
// and its error if it failed. Used by drivers::connection when connection_options::echo is set.
#pragma once

#include <chrono>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "orca/drivers/logger.hpp"
#include "orca/drivers/value.hpp"

namespace orca::drivers {

/// Logs one statement: "[1.23 ms] INSERT INTO a ... | ('a1', NULL)" at info, or with
/// " | failed: <failure>" appended at warn when `failure` is not empty.
void echo_statement(std::string_view sql, const params& parameters, std::chrono::nanoseconds elapsed,
                    std::string_view failure = {});

/// Logs a batch: "[1.23 ms] UPDATE a SET ... | 500 parameter sets: (...), (...), (...) ... and
/// 497 more", failed or not as echo_statement.
void echo_batch(std::string_view sql, const std::vector<params>& parameter_sets, std::chrono::nanoseconds elapsed,
                std::string_view failure = {});

/// What an echo line says of a statement that threw: for orca::error its code, message and
/// SQLSTATE / SQLite code (not the SQL, which the line shows already); what() otherwise.
std::string echo_failure(const std::exception& failure);

}  // namespace orca::drivers

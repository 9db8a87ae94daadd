// drivers::connection's public calls (echo, timing, transaction checks) and connect().
// Used by the connection actors and tests; backends only implement the do_* hooks.
#include "orca/drivers/connection.hpp"

#include <algorithm>
#include <string>

#include "orca/drivers/echo.hpp"
#include "orca/drivers/error.hpp"
#include "orca/drivers/postgresql_connection.hpp"
#include "orca/drivers/sqlite_connection.hpp"

namespace orca::drivers {

namespace {

using clock = std::chrono::steady_clock;

const params no_params;

// Runs `call`, and when echo is on logs the statement with its time, failed or not: a
// failing statement is the one a reader most wants to see, so its line carries the error.
// With echo off nothing is timed, so the fast path pays for one branch.
template <class Call, class Log>
auto echoed(bool echo, Call&& call, Log&& log) {
  if (!echo)
    return call();
  auto start = clock::now();
  try {
    auto result = call();
    log(clock::now() - start, std::string_view{});
    return result;
  } catch (const std::exception& e) {
    log(clock::now() - start, echo_failure(e));
    throw;
  } catch (...) {
    log(clock::now() - start, "an exception that is not a std::exception");
    throw;
  }
}

template <class Call>
void echoed_void(bool echo, std::string_view sql, Call&& call) {
  echoed(
      echo, [&] { call(); return 0; },
      [&](clock::duration elapsed, std::string_view failure) { echo_statement(sql, no_params, elapsed, failure); });
}

void check_savepoint_name(std::string_view name) {
  auto is_start = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  // The name is spliced into SQL, so anything but a plain identifier is refused.
  if (name.empty() || !is_start(name.front()) || !std::all_of(name.begin() + 1, name.end(), is_rest))
    throw error{errc::invalid_argument,
                "savepoint name '" + std::string{name}
                    + "' is not an identifier (use letters, digits and '_', not starting with a digit)"};
}

}  // namespace

rowset connection::execute(std::string_view sql, const params& parameters) {
  return echoed(
      options_.echo, [&] { return do_execute(sql, parameters); },
      [&](clock::duration elapsed, std::string_view failure) { echo_statement(sql, parameters, elapsed, failure); });
}

std::int64_t connection::execute_many(std::string_view sql, const std::vector<params>& parameter_sets) {
  return echoed(
      options_.echo, [&] { return do_execute_many(sql, parameter_sets); },
      [&](clock::duration elapsed, std::string_view failure) { echo_batch(sql, parameter_sets, elapsed, failure); });
}

std::vector<rowset> connection::execute_batch(
    const std::vector<std::pair<std::string, params>>& statements) {
  // A batch may run in one round trip, so its statements cannot be timed one by one:
  // every line shows the whole batch's time.
  return echoed(
      options_.echo, [&] { return do_execute_batch(statements); },
      [&](clock::duration elapsed, std::string_view failure) {
        for (const auto& [sql, parameters] : statements)
          echo_statement(sql, parameters, elapsed);
        // Which statement failed is in the error's SQL; the batch's own line says it failed.
        if (!failure.empty())
          echo_statement("batch of " + std::to_string(statements.size()) + " statements", no_params, elapsed, failure);
      });
}

std::unique_ptr<cursor> connection::open_cursor(std::string_view sql, const params& parameters) {
  return echoed(
      options_.echo, [&] { return do_open_cursor(sql, parameters); },
      [&](clock::duration elapsed, std::string_view failure) { echo_statement(sql, parameters, elapsed, failure); });
}

void connection::execute_script(std::string_view sql) {
  echoed_void(options_.echo, sql, [&] { do_execute_script(sql); });
}

void connection::begin() {
  if (in_transaction())
    throw error{errc::invalid_state,
                "cannot BEGIN: a transaction is already open on this connection; commit or roll "
                "it back first, or use a savepoint"};
  echoed_void(options_.echo, "BEGIN", [&] { do_begin(); });
}

void connection::commit() {
  echoed_void(options_.echo, "COMMIT", [&] { do_commit(); });
}

void connection::rollback() {
  // Rolling back nothing is what a pool does when a connection comes back clean.
  if (!in_transaction())
    return;
  echoed_void(options_.echo, "ROLLBACK", [&] { do_rollback(); });
}

void connection::savepoint(std::string_view name) {
  check_savepoint_name(name);
  execute("SAVEPOINT " + std::string{name});
}

void connection::release_savepoint(std::string_view name) {
  check_savepoint_name(name);
  execute("RELEASE SAVEPOINT " + std::string{name});
}

void connection::rollback_to_savepoint(std::string_view name) {
  check_savepoint_name(name);
  execute("ROLLBACK TO SAVEPOINT " + std::string{name});
}

std::vector<rowset> connection::do_execute_batch(
    const std::vector<std::pair<std::string, params>>& statements) {
  std::vector<rowset> results;
  results.reserve(statements.size());
  for (const auto& [sql, parameters] : statements)
    results.push_back(do_execute(sql, parameters));
  return results;
}

void connection::do_begin() {
  do_execute("BEGIN", no_params);
}

void connection::do_commit() {
  do_execute("COMMIT", no_params);
}

void connection::do_rollback() {
  do_execute("ROLLBACK", no_params);
}

std::unique_ptr<connection> connect(const url& target, const connection_options& options) {
  switch (target.backend) {
    case backend::sqlite: return open_sqlite(target, options);
    case backend::postgresql: return open_postgresql(target, options);
  }
  throw error{errc::invalid_url, "unknown backend in URL '" + target.redacted() + "'"};
}

}  // namespace orca::drivers

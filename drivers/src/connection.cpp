// drivers::connection's public calls (echo, timing, transaction checks) and connect().
// Used by the connection actors and tests; backends only implement the do_* hooks.
#include "orca/drivers/connection.hpp"

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>

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
  if (!echo) return call();
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
      echo,
      [&] {
        call();
        return 0;
      },
      [&](clock::duration elapsed, std::string_view failure) { echo_statement(sql, no_params, elapsed, failure); });
}

void check_savepoint_name(std::string_view name) {
  auto is_start = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  // The name is spliced into SQL, so anything but a plain identifier is refused.
  if (name.empty() || !is_start(name.front()) || !std::all_of(name.begin() + 1, name.end(), is_rest))
    throw error{errc::invalid_argument,
                "savepoint name '" + std::string{name} +
                    "' is not an identifier (use letters, digits and '_', not starting with a digit)"};
}

// Refuses, before anything is sent, a value the backend would store as something else or
// not at all; the error names the parameter, and the model adds the column.
void check_parameters(const dialect& backend, std::string_view sql, const params& parameters) {
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    auto reason = backend.refusal(parameters[i]);
    if (reason.empty()) continue;
    error_details details;
    details.sql = std::string{sql};
    details.parameter = i + 1;
    throw error{errc::type_mismatch, "parameter " + std::to_string(i + 1) + ": " + reason, std::move(details)};
  }
}

void check_expected_rows(const std::vector<std::pair<std::string, params>>& statements,
                         const std::vector<std::int64_t>& expected_rows) {
  if (!expected_rows.empty() && expected_rows.size() != statements.size())
    throw error{errc::invalid_argument, "a batch of " + std::to_string(statements.size()) + " statements was given " +
                                            std::to_string(expected_rows.size()) +
                                            " expected row counts: give none, or one per statement"};
}

}  // namespace

rowset connection::execute(std::string_view sql, const params& parameters) {
  check_parameters(sql_dialect(), sql, parameters);
  return echoed(
      options_.echo, [&] { return do_execute(sql, parameters); },
      [&](clock::duration elapsed, std::string_view failure) { echo_statement(sql, parameters, elapsed, failure); });
}

std::int64_t connection::execute_many(std::string_view sql, const std::vector<params>& parameter_sets) {
  for (const auto& parameters : parameter_sets) check_parameters(sql_dialect(), sql, parameters);
  return echoed(
      options_.echo, [&] { return do_execute_many(sql, parameter_sets); },
      [&](clock::duration elapsed, std::string_view failure) { echo_batch(sql, parameter_sets, elapsed, failure); });
}

std::vector<rowset> connection::execute_batch(const std::vector<std::pair<std::string, params>>& statements) {
  for (const auto& [sql, parameters] : statements) check_parameters(sql_dialect(), sql, parameters);
  // A batch may run in one round trip, so its statements cannot be timed one by one:
  // every line shows the whole batch's time.
  return echoed(
      options_.echo, [&] { return do_execute_batch(statements); },
      [&](clock::duration elapsed, std::string_view failure) {
        for (const auto& [sql, parameters] : statements) echo_statement(sql, parameters, elapsed);
        // Which statement failed is in the error's SQL; the batch's own line says it failed.
        if (!failure.empty())
          echo_statement("batch of " + std::to_string(statements.size()) + " statements", no_params, elapsed, failure);
      });
}

std::vector<rowset> connection::execute_batch_and_commit(const std::vector<std::pair<std::string, params>>& statements,
                                                         const std::vector<std::int64_t>& expected_rows) {
  check_expected_rows(statements, expected_rows);
  for (const auto& [sql, parameters] : statements) check_parameters(sql_dialect(), sql, parameters);
  return echoed(
      options_.echo, [&] { return do_execute_batch_and_commit(statements, expected_rows); },
      [&](clock::duration elapsed, std::string_view failure) {
        for (const auto& [sql, parameters] : statements) echo_statement(sql, parameters, elapsed);
        echo_statement("COMMIT", no_params, elapsed);
        if (!failure.empty())
          echo_statement("batch of " + std::to_string(statements.size()) + " statements and COMMIT", no_params, elapsed,
                         failure);
      });
}

std::unique_ptr<cursor> connection::open_cursor(std::string_view sql, const params& parameters) {
  check_parameters(sql_dialect(), sql, parameters);
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
  if (!in_transaction()) return;
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

std::vector<rowset> connection::do_execute_batch(const std::vector<std::pair<std::string, params>>& statements) {
  std::vector<rowset> results;
  results.reserve(statements.size());
  for (const auto& [sql, parameters] : statements) results.push_back(do_execute(sql, parameters));
  return results;
}

std::vector<rowset> connection::do_execute_batch_and_commit(
    const std::vector<std::pair<std::string, params>>& statements, const std::vector<std::int64_t>& expected_rows) {
  auto results = do_execute_batch(statements);
  check_row_counts(statements, expected_rows, results);
  do_commit();
  return results;
}

void connection::do_begin() { do_execute("BEGIN", no_params); }

void connection::do_commit() { do_execute("COMMIT", no_params); }

void connection::do_rollback() { do_execute("ROLLBACK", no_params); }

// The non-blocking API: start() records the call and hands it to the backend; settle()
// turns an exception into the call's error; the finish_*() calls log it and give its result.

io_wait connection::start(call::kind what) {
  if (call_.what != call::kind::none)
    throw error{errc::invalid_state, "a call is already in flight on this connection; finish it first"};
  call_.what = what;
  call_.result = std::monostate{};
  call_.error = nullptr;
  if (options_.echo) call_.started = clock::now();
  io_wait wait = io_wait::done;
  try {
    wait = do_start(call_);
  } catch (...) {
    call_.error = std::current_exception();
  }
  return wait;
}

io_wait connection::start_execute(std::string_view sql, const params& parameters) {
  check_parameters(sql_dialect(), sql, parameters);
  call_.sql = sql;
  call_.parameters = &parameters;
  return start(call::kind::execute);
}

io_wait connection::start_execute_many(std::string_view sql, const std::vector<params>& sets) {
  for (const auto& parameters : sets) check_parameters(sql_dialect(), sql, parameters);
  call_.sql = sql;
  call_.sets = &sets;
  return start(call::kind::many);
}

io_wait connection::start_execute_batch(const std::vector<std::pair<std::string, params>>& statements) {
  for (const auto& [sql, parameters] : statements) check_parameters(sql_dialect(), sql, parameters);
  call_.statements = &statements;
  return start(call::kind::batch);
}

io_wait connection::start_execute_batch_and_commit(const std::vector<std::pair<std::string, params>>& statements,
                                                   const std::vector<std::int64_t>& expected_rows) {
  check_expected_rows(statements, expected_rows);
  for (const auto& [sql, parameters] : statements) check_parameters(sql_dialect(), sql, parameters);
  call_.sql = "COMMIT";
  call_.statements = &statements;
  call_.expected_rows = &expected_rows;
  return start(call::kind::batch_commit);
}

io_wait connection::start_begin() {
  if (in_transaction())
    throw error{errc::invalid_state,
                "cannot BEGIN: a transaction is already open on this connection; commit or roll "
                "it back first, or use a savepoint"};
  call_.sql = "BEGIN";
  return start(call::kind::begin);
}

io_wait connection::start_commit() {
  call_.sql = "COMMIT";
  return start(call::kind::commit);
}

io_wait connection::start_rollback() {
  call_.sql = "ROLLBACK";
  if (!in_transaction()) {
    call_.what = call::kind::rollback;
    call_.result = std::monostate{};
    call_.error = nullptr;
    call_.started = {};
    return io_wait::done;
  }
  return start(call::kind::rollback);
}

io_wait connection::start_fetch(cursor& from, std::size_t max_rows) {
  call_.sql = "FETCH";
  call_.fetched = &from;
  call_.max_rows = max_rows;
  return start(call::kind::fetch);
}

io_wait connection::advance() {
  try {
    return do_advance(call_);
  } catch (...) {
    call_.error = std::current_exception();
    return io_wait::done;
  }
}

// Logs the call that ended as the blocking calls do: with its error, if it failed.
void connection::echo_call() {
  if (!options_.echo || call_.started == clock::time_point{}) return;
  auto elapsed = clock::now() - call_.started;
  std::string failure;
  if (call_.error) {
    try {
      std::rethrow_exception(call_.error);
    } catch (const std::exception& e) {
      failure = echo_failure(e);
    } catch (...) {
      failure = "an exception that is not a std::exception";
    }
  }
  switch (call_.what) {
    case call::kind::many: echo_batch(call_.sql, *call_.sets, elapsed, failure); break;
    case call::kind::batch:
    case call::kind::batch_commit: {
      bool commit = call_.what == call::kind::batch_commit;
      for (const auto& [sql, parameters] : *call_.statements) echo_statement(sql, parameters, elapsed);
      if (commit) echo_statement("COMMIT", no_params, elapsed);
      if (!failure.empty())
        echo_statement(
            "batch of " + std::to_string(call_.statements->size()) + " statements" + (commit ? " and COMMIT" : ""),
            no_params, elapsed, failure);
      break;
    }
    case call::kind::execute: echo_statement(call_.sql, *call_.parameters, elapsed, failure); break;
    default: echo_statement(call_.sql, no_params, elapsed, failure); break;
  }
}

template <class T>
T connection::take() {
  echo_call();
  call_.what = call::kind::none;
  if (auto failed = std::exchange(call_.error, nullptr)) std::rethrow_exception(failed);
  if constexpr (!std::is_void_v<T>) return std::get<T>(std::move(call_.result));
}

rowset connection::finish_rows() { return take<rowset>(); }
std::int64_t connection::finish_count() { return take<std::int64_t>(); }
std::vector<rowset> connection::finish_rowsets() { return take<std::vector<rowset>>(); }
void connection::finish() { take<void>(); }
std::pair<rowset, bool> connection::finish_fetch() { return take<std::pair<rowset, bool>>(); }

io_wait connection::do_start(call& c) {
  switch (c.what) {
    case call::kind::execute: c.result = do_execute(c.sql, *c.parameters); break;
    case call::kind::many: c.result = do_execute_many(c.sql, *c.sets); break;
    case call::kind::batch: c.result = do_execute_batch(*c.statements); break;
    case call::kind::batch_commit: c.result = do_execute_batch_and_commit(*c.statements, *c.expected_rows); break;
    case call::kind::begin: do_begin(); break;
    case call::kind::commit: do_commit(); break;
    case call::kind::rollback: do_rollback(); break;
    case call::kind::fetch: {
      rowset rows;
      bool more = c.fetched->fetch(c.max_rows, rows);
      c.result = std::pair<rowset, bool>{std::move(rows), more};
      break;
    }
    case call::kind::none: break;
  }
  return io_wait::done;
}

io_wait connection::do_advance(call&) { return io_wait::done; }

error unexpected_row_count(std::string_view sql, std::int64_t expected, std::int64_t affected) {
  auto matched = affected < 0 ? std::string{"another number of rows"} : std::to_string(affected);
  return error{errc::stale_data,
               "a statement expected to affect " + std::to_string(expected) + " rows affected " + matched +
                   "; nothing was committed",
               {std::string{sql}, {}, {}, false}};
}

void check_row_counts(const std::vector<std::pair<std::string, params>>& statements,
                      const std::vector<std::int64_t>& expected_rows, const std::vector<rowset>& results) {
  for (std::size_t i = 0; i < expected_rows.size() && i < results.size(); ++i)
    if (expected_rows[i] >= 0 && results[i].affected_rows != expected_rows[i])
      throw unexpected_row_count(statements[i].first, expected_rows[i], results[i].affected_rows);
}

std::unique_ptr<connection> connect(const url& target, const connection_options& options) {
  switch (target.backend) {
    case backend::sqlite: return open_sqlite(target, options);
    case backend::postgresql: return open_postgresql(target, options);
  }
  throw error{errc::invalid_url, "unknown backend in URL '" + target.redacted() + "'"};
}

}  // namespace orca::drivers

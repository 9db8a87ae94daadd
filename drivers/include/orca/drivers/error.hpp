// orca::error and orca::errc: the one error type every layer throws and every actor replies.
// Drivers fill in the SQL, SQLSTATE / SQLite code and constraint; the actors carry it as data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace orca {

/// What went wrong, as one enumeration shared by all layers.
enum class errc : std::uint8_t {
  none = 0,
  invalid_url,             ///< a URL that cannot be parsed or names an unknown backend
  invalid_argument,        ///< a call with arguments that make no sense
  connection_failed,       ///< could not connect (refused, bad password, missing database)
  connection_lost,         ///< the server closed the connection; it must be replaced
  constraint_violation,    ///< unique, foreign key, not null or check constraint failed
  statement_error,         ///< the database rejected the statement (syntax, missing table)
  type_mismatch,           ///< a value could not be converted without loss
  database_busy,           ///< locked or busy past the busy timeout
  interrupted,             ///< the statement was cancelled
  no_result,               ///< one() / scalar_one() found no row
  multiple_results,        ///< one() found more than one row
  not_loaded,              ///< an unloaded relationship was touched (lazy="raise")
  invalid_state,           ///< an operation not allowed in the object's or session's state
  stale_data,              ///< an UPDATE/DELETE matched fewer rows than expected
  pending_rollback,        ///< the transaction failed; call rollback() before going on
  pool_timeout,            ///< no connection became free within the checkout timeout
  request_timeout,         ///< an actor did not answer within the request timeout
  disposed,                ///< the engine was disposed while the request was in flight
  closed,                  ///< the session, stream or connection is closed
  commit_outcome_unknown,  ///< COMMIT was sent but whether it took effect cannot be learned
  internal,                ///< a bug in orca: please report it
};

/// Names an errc ("constraint_violation", ...).
std::string_view to_string(errc code) noexcept;

/// Details a driver attaches to an error.
struct error_details {
  /// Details in the order drivers fill them in; the later ones are rarely known.
  error_details(std::string sql = {}, std::string sqlstate = {}, std::string constraint = {},
                bool connection_poisoned = false, std::size_t parameter = 0, std::string column = {})
      : sql(std::move(sql)),
        sqlstate(std::move(sqlstate)),
        constraint(std::move(constraint)),
        connection_poisoned(connection_poisoned),
        parameter(parameter),
        column(std::move(column)) {}

  std::string sql;                   ///< the statement that failed, if any
  std::string sqlstate;              ///< PostgreSQL SQLSTATE, or "sqlite:<extended code>"
  std::string constraint;            ///< the constraint (or table.column) the database named
  bool connection_poisoned = false;  ///< the connection must not be reused
  std::size_t parameter = 0;         ///< the 1-based bound parameter a refused value was in, or 0
  std::string column;                ///< the column ("table.column") a refused value was for, if known
};

/// The exception orca throws: a code, a message saying what failed, and driver details.
class error : public std::runtime_error {
public:
  error(errc code, std::string message, error_details details = {});

  /// What went wrong.
  errc code() const noexcept { return code_; }
  /// The message without the details appended.
  const std::string& message() const noexcept { return message_; }
  /// The SQL, SQLSTATE, constraint and connection state the driver reported.
  const error_details& details() const noexcept { return details_; }

private:
  errc code_;
  std::string message_;
  error_details details_;
};

}  // namespace orca

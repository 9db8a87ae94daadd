// orca::error's readable what() and the names of errc values.
// Thrown by every layer; the actors layer carries the same data as replies.
#include "orca/drivers/error.hpp"

namespace orca {

namespace {

// what() is what ends up in logs and uncaught-exception reports, so it carries everything
// a reader needs: "UNIQUE constraint failed: a.data [constraint a.data; sqlite:2067] in: ...".
std::string describe(std::string_view message, const error_details& details) {
  std::string out{message};
  std::string notes;
  auto note = [&notes](std::string_view text) {
    if (!notes.empty()) notes += "; ";
    notes += text;
  };
  if (!details.constraint.empty()) {
    notes += "constraint ";
    notes += details.constraint;
  }
  if (!details.column.empty()) note("column " + details.column);
  if (details.parameter != 0) note("parameter " + std::to_string(details.parameter));
  if (!details.sqlstate.empty()) note(details.sqlstate);
  if (details.connection_poisoned) note("connection unusable");
  if (!notes.empty()) {
    out += " [";
    out += notes;
    out += ']';
  }
  if (!details.sql.empty()) {
    out += " in: ";
    out += details.sql;
  }
  return out;
}

}  // namespace

error::error(errc code, std::string message, error_details details)
    : std::runtime_error(describe(message, details)),
      code_(code),
      message_(std::move(message)),
      details_(std::move(details)) {}

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::none: return "none";
    case errc::invalid_url: return "invalid_url";
    case errc::invalid_argument: return "invalid_argument";
    case errc::connection_failed: return "connection_failed";
    case errc::connection_lost: return "connection_lost";
    case errc::constraint_violation: return "constraint_violation";
    case errc::statement_error: return "statement_error";
    case errc::type_mismatch: return "type_mismatch";
    case errc::database_busy: return "database_busy";
    case errc::interrupted: return "interrupted";
    case errc::no_result: return "no_result";
    case errc::multiple_results: return "multiple_results";
    case errc::not_loaded: return "not_loaded";
    case errc::invalid_state: return "invalid_state";
    case errc::stale_data: return "stale_data";
    case errc::pending_rollback: return "pending_rollback";
    case errc::pool_timeout: return "pool_timeout";
    case errc::request_timeout: return "request_timeout";
    case errc::disposed: return "disposed";
    case errc::closed: return "closed";
    case errc::commit_outcome_unknown: return "commit_outcome_unknown";
    case errc::internal: return "internal";
  }
  return "unknown";
}

}  // namespace orca

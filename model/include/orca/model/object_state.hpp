// orca::object_state: where a mapped object stands relative to a session.
// Kept by the identity map; changed by sync_session and the unit of work.
#pragma once

#include <cstdint>
#include <string_view>

namespace orca {

/// The life cycle of a mapped object (SQLAlchemy's object states):
///
///   transient --add()--> pending --flush()--> persistent --remove()--> deleted
///   deleted --flush()--> detached;   persistent --close()/expunge()--> detached
///   pending --rollback()--> transient;   deleted --rollback()--> persistent
enum class object_state : std::uint8_t {
  transient,   ///< not in any session, no row
  pending,     ///< added to a session, INSERT at the next flush
  persistent,  ///< has a row and belongs to a session
  deleted,     ///< DELETE at the next flush
  detached,    ///< has (or had) a row, no longer in a session
};

/// Names a state ("pending", ...).
constexpr std::string_view to_string(object_state s) noexcept {
  switch (s) {
    case object_state::transient: return "transient";
    case object_state::pending: return "pending";
    case object_state::persistent: return "persistent";
    case object_state::deleted: return "deleted";
    case object_state::detached: return "detached";
  }
  return "unknown";
}

}  // namespace orca

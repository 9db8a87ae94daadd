// A savepoint message's operation on a driver connection, shared by both connection actors.
#pragma once

#include <string>

#include "orca/actors/atoms.hpp"
#include "orca/drivers/connection.hpp"
#include "orca/drivers/error.hpp"

namespace orca::actors {

/// Runs `op` ("set", "release" or "rollback") on savepoint `name`; throws invalid_argument
/// for any other operation.
inline ok_atom apply_savepoint(drivers::connection& c, const std::string& op, const std::string& name) {
  if (op == "set")
    c.savepoint(name);
  else if (op == "release")
    c.release_savepoint(name);
  else if (op == "rollback")
    c.rollback_to_savepoint(name);
  else
    throw error(errc::invalid_argument, "unknown savepoint operation '" + op + "'");
  return ok_atom::value;
}

}  // namespace orca::actors

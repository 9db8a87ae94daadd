// count_rows(): one integer a test reads through its own connection (a count, a version),
// to check what a session wrote from outside. Used by the actor tests.
#pragma once

#include <cstdint>
#include <string>

#include "orca/drivers/connection.hpp"

namespace orca::test {

/// The integer in the first column of the first row of `sql` (e.g. `SELECT count(*) ...`).
inline std::int64_t count_rows(drivers::connection& c, const std::string& sql) {
  return c.execute(sql).at(0, 0).as_integer();
}

}  // namespace orca::test

// The backends a parameterised test runs against, and a throwaway database per test.
// Used by the model, actor and example tests:
// `auto target = GENERATE(from_range(orca::test::backends()));`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "orca/drivers/connection.hpp"

namespace orca::test {

/// One backend to run a test against.
struct backend_target {
  std::string name;  ///< "sqlite" or "postgresql"
  std::string url;   ///< a URL to a database this test may drop and create tables in

  /// Opens an independent connection to the same database (to check effects from outside).
  std::unique_ptr<drivers::connection> connect() const;
};

/// The backends selected for this run.
///
/// SQLite always (a fresh file per call under the build's temp dir). PostgreSQL from
/// ORCA_TEST_POSTGRESQL_URL (scripts/test.sh starts a throwaway server and sets it). If that
/// variable is unset the calling test *fails* (FAIL_CHECK) with a message saying how to run
/// it, unless ORCA_TEST_BACKENDS=sqlite opts out explicitly.
std::vector<backend_target> backends();

}  // namespace orca::test

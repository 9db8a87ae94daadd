// The backends a parameterised test runs against, and a throwaway database per test.
// Used by the model, actor and example tests:
// `auto target = GENERATE(from_range(orca::test::backends()));`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
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

/// Whether a test of PostgreSQL-only behaviour passes over `target` (any backend but
/// PostgreSQL), saying `why`. When ORCA_TEST_BACKENDS=sqlite leaves PostgreSQL out of the
/// run, it prints ORCA_TEST_SKIPPED too, so that ctest reports the test as skipped, not as
/// passed.
bool skip_unless_postgresql(const backend_target& target, std::string_view why);

}  // namespace orca::test

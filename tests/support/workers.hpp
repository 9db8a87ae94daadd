// Chooses the number of scheduler workers (ORCA_WORKERS) of the runtimes created while it
// lives; none may be alive when it is made.
#pragma once

#include <cstdlib>

namespace orca::test {

class scheduler_workers {
public:
  explicit scheduler_workers(const char* count) { ::setenv("ORCA_WORKERS", count, 1); }
  ~scheduler_workers() { ::unsetenv("ORCA_WORKERS"); }
  scheduler_workers(const scheduler_workers&) = delete;
  scheduler_workers& operator=(const scheduler_workers&) = delete;
};

}  // namespace orca::test

// orca::run: drives a coroutine to completion on orca's actor system and returns its exit
// status — the asyncio.run of orca. Used by main() functions and tests.
#pragma once

#include "orca/task.hpp"

namespace orca {

/// Runs `main` on a host actor until it finishes. Returns 0 (task<void>) or the task's
/// value (task<int>); an exception escaping `main` is printed to stderr ("orca: ...") and
/// gives 1.
int run(task<void> main);
/// \copydoc run(task<void>)
int run(task<int> main);

/// Like run(task<void>), but an escaping exception is rethrown to the caller (for tests).
void run_or_throw(task<void> main);

}  // namespace orca

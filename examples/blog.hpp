// The blog example: users with UUID keys and unique emails, their posts (many-to-one author,
// back-populated), comments deleted with their post, and tags (many-to-many). Used by its
// main (examples/blog), orca-demo and tests/examples.
#pragma once

#include <ostream>

#include "orca/orca.hpp"

namespace blog {

/// Creates the blog's tables, then shows each capability in a few steps, printing what it
/// does to `out`. Returns 0 if everything read back is what was written, else 1 (and says
/// what differed).
orca::task<int> async_main(orca::engine engine, std::ostream& out);

}  // namespace blog

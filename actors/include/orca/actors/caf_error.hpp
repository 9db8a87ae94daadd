// orca::error <-> caf::error: orca's errors cross actors as category "orca" with their
// message and driver details as context. Used by every actor and by the facade.
#pragma once

#include <string_view>

#include <caf/error.hpp>

#include "orca/drivers/error.hpp"

namespace orca::actors {

/// Turns an orca::error into a caf::error of category "orca" (code and details kept).
caf::error to_caf_error(const orca::error& e);
/// Turns an exception in flight into a caf::error (orca::error keeps its code).
caf::error current_exception_to_caf_error();
/// Turns an exception pointer into a caf::error (orca::error keeps its code).
caf::error to_caf_error(std::exception_ptr e);
/// Turns any caf::error into an orca::error with a clear message: orca's own errors
/// come back as they were; timeouts and dead receivers get orca codes.
orca::error from_caf_error(const caf::error& e, std::string_view during);

}  // namespace orca::actors

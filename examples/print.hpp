// Small printing helpers shared by the example programs.
#pragma once

#include <optional>
#include <string>

namespace examples {

/// 'text' for a value, None for an empty optional (as Python prints them).
inline std::string quoted(const std::optional<std::string>& x) { return x ? "'" + *x + "'" : "None"; }

}  // namespace examples

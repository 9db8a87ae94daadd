// orca::drivers::dialect's shared part: identifier quoting, the same rule on every backend.
// The backends' own spellings live in sqlite_dialect.cpp and postgresql_dialect.cpp.
#include "orca/drivers/dialect.hpp"

namespace orca::drivers {

namespace {

// Unquoted identifiers fold to lower case on PostgreSQL, so anything but lower-case letters,
// digits and underscores (or a leading digit) must be quoted to keep its spelling.
bool needs_quotes(std::string_view name) noexcept {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9'))
    return true;
  for (char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!plain)
      return true;
  }
  return false;
}

}  // namespace

void dialect::identifier(std::string& out, std::string_view name) const {
  if (!needs_quotes(name) && !is_reserved(name)) {
    out.append(name);
    return;
  }
  out.push_back('"');
  for (char c : name) {
    if (c == '"')
      out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace orca::drivers

// hex_digit(): the value of one hexadecimal digit. Private to the drivers (URL percent-
// decoding and PostgreSQL's bytea hex format).
#pragma once

namespace orca::drivers::detail {

/// 0–15 for '0'–'9', 'a'–'f', 'A'–'F'; -1 for anything else.
constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace orca::drivers::detail

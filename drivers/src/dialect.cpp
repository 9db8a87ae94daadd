// orca::drivers::dialect's shared part: identifier quoting and the text values refused,
// the same rules on every backend. The backends' own spellings live in sqlite_dialect.cpp
// and postgresql_dialect.cpp.
#include "orca/drivers/dialect.hpp"

#include <fmt/format.h>

namespace orca::drivers {

namespace {

// Unquoted identifiers fold to lower case on PostgreSQL, so anything but lower-case letters,
// digits and underscores (or a leading digit) must be quoted to keep its spelling.
bool needs_quotes(std::string_view name) noexcept {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return true;
  for (char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!plain) return true;
  }
  return false;
}

// The offset of the first byte that does not continue well-formed UTF-8 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or npos. PostgreSQL refuses
// such text in a UTF8 database; SQLite would store it and hand it back unchanged.
std::size_t invalid_utf8_at(std::string_view text) noexcept {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  auto continuation = [&](std::size_t i, unsigned char low = 0x80, unsigned char high = 0xbf) {
    return i < text.size() && byte(i) >= low && byte(i) <= high;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = byte(i);
    if (lead < 0x80) {
      ++i;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      if (!continuation(i + 1)) return i;
      i += 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      unsigned char low = lead == 0xe0 ? 0xa0 : 0x80;   // overlong
      unsigned char high = lead == 0xed ? 0x9f : 0xbf;  // surrogates
      if (!continuation(i + 1, low, high) || !continuation(i + 2)) return i;
      i += 3;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      unsigned char low = lead == 0xf0 ? 0x90 : 0x80;   // overlong
      unsigned char high = lead == 0xf4 ? 0x8f : 0xbf;  // above U+10FFFF
      if (!continuation(i + 1, low, high) || !continuation(i + 2) || !continuation(i + 3)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string dialect::refusal(const value& x) const {
  auto text = std::get_if<std::string>(&x.data());
  if (text == nullptr) return {};
  if (auto nul = text->find('\0'); nul != std::string::npos)
    return fmt::format(
        "text holds a NUL byte (at byte {}), which SQL text cannot hold on "
        "PostgreSQL; orca refuses it on every backend (map bytes to orca::blob)",
        nul);
  if (auto bad = invalid_utf8_at(*text); bad != std::string_view::npos)
    return fmt::format(
        "text is not valid UTF-8 (at byte {}); orca refuses it on every backend "
        "(map bytes to orca::blob)",
        bad);
  return {};
}

void dialect::identifier(std::string& out, std::string_view name) const {
  if (!needs_quotes(name) && !is_reserved(name)) {
    out.append(name);
    return;
  }
  out.push_back('"');
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace orca::drivers

// orca::uuid: a 128-bit UUID value type (RFC 9562), with parsing, formatting and random
// version-4 generation. Mapped to PostgreSQL's uuid and to a 16-byte blob on SQLite.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orca {

/// A UUID: 16 bytes in network order. The default value is the nil UUID.
struct uuid {
  std::array<std::uint8_t, 16> bytes{};

  /// A random version-4 UUID (122 random bits from a per-thread generator seeded by
  /// std::random_device).
  static uuid random_v4();
  /// Parses the canonical form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case; also
  /// without hyphens, or in braces); nullopt if the text is not a UUID.
  static std::optional<uuid> parse(std::string_view text);
  /// Parses as parse(), throwing orca::error (errc::invalid_argument) if the text is not a UUID.
  static uuid from_string(std::string_view text);

  /// True for the nil UUID (all zero).
  bool is_nil() const noexcept;
  /// The version number (4 for random_v4()).
  int version() const noexcept { return bytes[6] >> 4; }

  friend bool operator==(const uuid&, const uuid&) = default;
  friend auto operator<=>(const uuid&, const uuid&) = default;
};

/// The canonical lower-case form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
std::string to_string(const uuid& x);

}  // namespace orca

template <>
struct std::hash<orca::uuid> {
  std::size_t operator()(const orca::uuid& x) const noexcept {
    std::uint64_t a = 0, b = 0;
    for (int i = 0; i < 8; ++i) {
      a = a << 8 | x.bytes[static_cast<std::size_t>(i)];
      b = b << 8 | x.bytes[static_cast<std::size_t>(i + 8)];
    }
    return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
  }
};

// orca::value: one SQL value as it crosses the driver boundary, and the time type orca uses.
// Used by every layer: drivers bind and read values, the model converts them to members.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "orca/drivers/uuid.hpp"

namespace orca {

/// A point in time in UTC with microsecond precision (what both backends store).
using timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// Binary data, kept apart from text so that neither is mistaken for the other.
struct blob {
  std::vector<std::uint8_t> bytes;
  friend bool operator==(const blob&, const blob&) = default;
};

/// The SQL type families orca maps; the dialects turn them into DDL type names.
/// `date` and `json` are column types only: their values travel as text.
enum class value_type : std::uint8_t { null, integer, real, text, binary, boolean, time, uuid, date, json };

/// Names a value_type for messages ("integer", "text", ...).
std::string_view to_string(value_type type) noexcept;

/// One SQL value: NULL, 64-bit integer, double, text, blob, boolean, timestamp or UUID.
/// Conversions never truncate silently: asking for the wrong type throws orca::error
/// with errc::type_mismatch.
class value {
public:
  value() noexcept = default;
  value(std::nullptr_t) noexcept {}
  value(std::int64_t x) noexcept : data_(x) {}
  value(int x) noexcept : data_(static_cast<std::int64_t>(x)) {}
  value(double x) noexcept : data_(x) {}
  value(bool x) noexcept : data_(x) {}
  value(std::string x) noexcept : data_(std::move(x)) {}
  value(std::string_view x) : data_(std::string{x}) {}
  value(const char* x) : data_(std::string{x}) {}
  value(blob x) noexcept : data_(std::move(x)) {}
  value(timestamp x) noexcept : data_(x) {}
  value(orca::uuid x) noexcept : data_(x) {}

  /// The family of the value held.
  value_type type() const noexcept { return static_cast<value_type>(data_.index()); }
  /// True when the value is SQL NULL.
  bool is_null() const noexcept { return data_.index() == 0; }

  /// The integer held (a boolean reads as 0/1); throws type_mismatch otherwise.
  std::int64_t as_integer() const;
  /// The number held (integers widen); throws type_mismatch otherwise.
  double as_real() const;
  /// The text held; throws type_mismatch otherwise.
  const std::string& as_text() const;
  /// The blob held; throws type_mismatch otherwise.
  const blob& as_blob() const;
  /// The boolean held (integers 0/1 accepted); throws type_mismatch otherwise.
  bool as_boolean() const;
  /// The timestamp held, or parsed from ISO-8601 text ("2026-11-21 12:00:00.123456");
  /// throws type_mismatch otherwise.
  timestamp as_timestamp() const;
  /// The UUID held, or read from a 16-byte blob (SQLite) or UUID text; throws type_mismatch
  /// otherwise.
  orca::uuid as_uuid() const;

  friend bool operator==(const value&, const value&) = default;

  /// The underlying variant, for visitors.
  const auto& data() const noexcept { return data_; }

private:
  std::variant<std::monostate, std::int64_t, double, std::string, blob, bool, timestamp, orca::uuid> data_;
};

/// Renders a value for logs and messages: NULL, 42, 'text', X'0a0b', true, '2026-...'.
std::string to_string(const value& x);

/// Formats a timestamp as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC).
std::string format_timestamp(timestamp t);
/// Parses "YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}][Z|+00[:00]]"; nullopt if the text is not one.
std::optional<timestamp> parse_timestamp(std::string_view text);

/// Bound parameters of one statement, in placeholder order.
using params = std::vector<value>;

}  // namespace orca

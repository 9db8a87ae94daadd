// orca::value_traits<M>: how a C++ member type converts to and from orca::value.
// Used by the mapping (mapping.hpp) and by typed where-expressions (expression.hpp).
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "orca/drivers/error.hpp"
#include "orca/drivers/value.hpp"
#include "orca/model/json.hpp"

namespace orca {

namespace detail {
[[noreturn]] void throw_out_of_range(std::int64_t x, const char* type_name);
/// A system_clock time as a timestamp; type_mismatch if it has sub-microsecond precision.
timestamp to_timestamp(std::chrono::system_clock::time_point x);
/// A timestamp as a system_clock time; type_mismatch outside system_clock's range.
std::chrono::system_clock::time_point from_timestamp(timestamp x);
/// "YYYY-MM-DD" for a valid date of the years 1 to 9999; type_mismatch otherwise.
std::string format_date(std::chrono::year_month_day x);
/// Reads "YYYY-MM-DD" text; type_mismatch otherwise.
std::chrono::year_month_day parse_date(const value& x);
/// M itself, or the T of std::optional<T> (a nullable member's value type).
template <class M>
struct unwrap_optional {
  using type = M;
};
template <class M>
struct unwrap_optional<std::optional<M>> {
  using type = M;
};

}  // namespace detail

/// Conversion of one member type; specialised for every type orca can map.
/// Unsupported types have no `type` member (see `is_mappable`).
template <class M, class = void>
struct value_traits {};

/// True when M can be a mapped column member.
template <class M>
concept mappable = requires {
  value_traits<M>::type;
};

template <std::integral M>
requires(!std::same_as<M, bool>) struct value_traits<M> {
  static constexpr value_type type = value_type::integer;
  static constexpr bool nullable = false;
  static value to_value(M x) {
    if constexpr (std::is_unsigned_v<M> && sizeof(M) >= sizeof(std::int64_t)) {
      if (x > static_cast<M>(std::numeric_limits<std::int64_t>::max()))
        throw error(errc::type_mismatch, "unsigned value " + std::to_string(x) + " does not fit a 64-bit SQL integer");
    }
    return value{static_cast<std::int64_t>(x)};
  }
  static M from_value(const value& x) {
    auto i = x.as_integer();
    if constexpr (!std::same_as<M, std::int64_t>) {
      if (i < static_cast<std::int64_t>(std::numeric_limits<M>::min()) ||
          (i > 0 && static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(std::numeric_limits<M>::max())))
        detail::throw_out_of_range(i, "the member's integer type");
    }
    return static_cast<M>(i);
  }
};

template <>
struct value_traits<bool> {
  static constexpr value_type type = value_type::boolean;
  static constexpr bool nullable = false;
  static value to_value(bool x) { return value{x}; }
  static bool from_value(const value& x) { return x.as_boolean(); }
};

template <std::floating_point M>
struct value_traits<M> {
  static constexpr value_type type = value_type::real;
  static constexpr bool nullable = false;
  static value to_value(M x) { return value{static_cast<double>(x)}; }
  static M from_value(const value& x) { return static_cast<M>(x.as_real()); }
};

template <>
struct value_traits<std::string> {
  static constexpr value_type type = value_type::text;
  static constexpr bool nullable = false;
  static value to_value(const std::string& x) { return value{x}; }
  static std::string from_value(const value& x) { return x.as_text(); }
};

template <>
struct value_traits<blob> {
  static constexpr value_type type = value_type::binary;
  static constexpr bool nullable = false;
  static value to_value(const blob& x) { return value{x}; }
  static blob from_value(const value& x) { return x.as_blob(); }
};

template <>
struct value_traits<timestamp> {
  static constexpr value_type type = value_type::time;
  static constexpr bool nullable = false;
  static value to_value(timestamp x) { return value{x}; }
  static timestamp from_value(const value& x) { return x.as_timestamp(); }
};

template <>
struct value_traits<uuid> {
  static constexpr value_type type = value_type::uuid;
  static constexpr bool nullable = false;
  static value to_value(const uuid& x) { return value{x}; }
  static uuid from_value(const value& x) { return x.as_uuid(); }
};

/// Enumerations are stored as their underlying integer, unless the column says
/// `.as_text({...})` (mapping.hpp).
template <class E>
requires std::is_enum_v<E>
struct value_traits<E> {
  using underlying = std::underlying_type_t<E>;
  static constexpr value_type type = value_type::integer;
  static constexpr bool nullable = false;
  static value to_value(E x) { return value_traits<underlying>::to_value(static_cast<underlying>(x)); }
  static E from_value(const value& x) { return static_cast<E>(value_traits<underlying>::from_value(x)); }
};

/// std::chrono::system_clock::time_point, stored as a timestamp (UTC, microseconds).
template <>
struct value_traits<std::chrono::system_clock::time_point> {
  static constexpr value_type type = value_type::time;
  static constexpr bool nullable = false;
  static value to_value(std::chrono::system_clock::time_point x) { return value{detail::to_timestamp(x)}; }
  static std::chrono::system_clock::time_point from_value(const value& x) {
    return detail::from_timestamp(x.as_timestamp());
  }
};

/// A calendar date: SQL DATE (text "YYYY-MM-DD" on SQLite).
template <>
struct value_traits<std::chrono::year_month_day> {
  static constexpr value_type type = value_type::date;
  static constexpr bool nullable = false;
  static value to_value(std::chrono::year_month_day x) { return value{detail::format_date(x)}; }
  static std::chrono::year_month_day from_value(const value& x) { return detail::parse_date(x); }
};

/// A JSON document: jsonb on PostgreSQL, TEXT on SQLite.
template <>
struct value_traits<json> {
  static constexpr value_type type = value_type::json;
  static constexpr bool nullable = false;
  static value to_value(const json& x) { return value{x.text}; }
  static json from_value(const value& x) { return json{x.as_text()}; }
};

template <class M>
requires mappable<M>
struct value_traits<std::optional<M>> {
  static constexpr value_type type = value_traits<M>::type;
  static constexpr bool nullable = true;
  static value to_value(const std::optional<M>& x) { return x ? value_traits<M>::to_value(*x) : value{}; }
  static std::optional<M> from_value(const value& x) {
    if (x.is_null()) return std::nullopt;
    return value_traits<M>::from_value(x);
  }
};

/// True when a member of type M gives back exactly the value it was loaded from, for a
/// value of the member's own family (`value_traits<M>::type`, or NULL for an optional): then
/// the loaded row value can serve as the snapshot without reading the member again.
template <class M>
inline constexpr bool exact_round_trip = std::integral<M> || std::same_as<M, double> || std::same_as<M, std::string> ||
                                         std::same_as<M, blob> || std::same_as<M, timestamp> || std::same_as<M, uuid>;
template <class M>
inline constexpr bool exact_round_trip<std::optional<M>> = exact_round_trip<M>;

}  // namespace orca

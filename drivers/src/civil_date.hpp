// Proleptic Gregorian dates over the whole range of orca::timestamp (about ±292,000 years).
// std::chrono::year stops at ±32,767; PostgreSQL holds years up to 294,276, so the
// timestamp formats and parsers of the drivers convert through these instead.
#pragma once

#include <cstdint>

namespace orca::drivers::detail {

/// A date in the proleptic Gregorian calendar; year 0 is 1 BC (astronomical numbering).
struct civil_date {
  std::int64_t year;
  unsigned month;  ///< 1..12
  unsigned day;    ///< 1..31
};

/// The date `days` days after 1970-01-01 (negative: before). Howard Hinnant's
/// civil_from_days, which is exact for every 64-bit day count used here.
constexpr civil_date civil_from_days(std::int64_t days) noexcept {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  auto day_of_era = static_cast<std::uint64_t>(days - era * 146097);
  auto year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  auto day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  auto month_from_march = (5 * day_of_year + 2) / 153;
  auto day = static_cast<unsigned>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  auto month = static_cast<unsigned>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  auto year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

/// Days from 1970-01-01 to a date (Hinnant's days_from_civil); the date must be valid.
constexpr std::int64_t days_from_civil(civil_date date) noexcept {
  std::int64_t year = date.year - (date.month <= 2 ? 1 : 0);
  std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  auto year_of_era = static_cast<std::uint64_t>(year - era * 400);
  std::uint64_t month_from_march = date.month > 2 ? date.month - 3 : date.month + 9;
  auto day_of_year = (153 * month_from_march + 2) / 5 + date.day - 1;
  auto day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

/// True if the date exists (month 1..12, day within the month, leap years counted).
constexpr bool is_valid(civil_date date) noexcept {
  if (date.month < 1 || date.month > 12 || date.day < 1) return false;
  constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = date.year % 4 == 0 && (date.year % 100 != 0 || date.year % 400 == 0);
  unsigned last = date.month == 2 && leap ? 29 : lengths[date.month - 1];
  return date.day <= last;
}

static_assert(days_from_civil({1970, 1, 1}) == 0);
static_assert(days_from_civil({2000, 3, 1}) == 11017);
static_assert(civil_from_days(-719528).year == 0);  // 0000-01-01, 1 BC
static_assert(civil_from_days(days_from_civil({-4713, 11, 24})).day == 24);
static_assert(civil_from_days(days_from_civil({294276, 12, 31})).year == 294276);

}  // namespace orca::drivers::detail

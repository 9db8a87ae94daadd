// The non-template conversions of value_traits.hpp: system_clock times and calendar dates.
#include "orca/model/value_traits.hpp"

#include <cstdio>

namespace orca::detail {

using namespace std::chrono;

timestamp to_timestamp(system_clock::time_point x) {
  auto micro = floor<microseconds>(x);
  if (micro != x)
    throw error(errc::type_mismatch, "the time " + format_timestamp(micro) +
                                         " has sub-microsecond precision, which neither backend stores; round it "
                                         "with std::chrono::floor<std::chrono::microseconds>");
  return timestamp{micro};
}

system_clock::time_point from_timestamp(timestamp x) {
  constexpr auto low = duration_cast<microseconds>(system_clock::duration::min()) + microseconds{1};
  constexpr auto high = duration_cast<microseconds>(system_clock::duration::max()) - microseconds{1};
  if (x.time_since_epoch() < low || x.time_since_epoch() > high)
    throw error(errc::type_mismatch, "the timestamp " + format_timestamp(x) +
                                         " is outside std::chrono::system_clock's range; map it to orca::timestamp");
  return time_point_cast<system_clock::duration>(x);
}

std::string format_date(year_month_day x) {
  int y = static_cast<int>(x.year());
  if (!x.ok() || y < 1 || y > 9999)
    throw error(errc::type_mismatch, "a date must be valid and of the years 1 to 9999 (found year " +
                                         std::to_string(y) + ", month " +
                                         std::to_string(static_cast<unsigned>(x.month())) + ", day " +
                                         std::to_string(static_cast<unsigned>(x.day())) + ")");
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", y, static_cast<unsigned>(x.month()),
                static_cast<unsigned>(x.day()));
  return text;
}

year_month_day parse_date(const value& x) {
  if (x.type() == value_type::text) {
    const auto& t = x.as_text();
    auto digits = [&](std::size_t from, std::size_t n, int& out) {
      out = 0;
      for (std::size_t i = from; i < from + n; ++i) {
        if (t[i] < '0' || t[i] > '9') return false;
        out = out * 10 + (t[i] - '0');
      }
      return true;
    };
    int y = 0, m = 0, d = 0;
    if (t.size() == 10 && t[4] == '-' && t[7] == '-' && digits(0, 4, y) && digits(5, 2, m) && digits(8, 2, d)) {
      year_month_day date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
      if (date.ok()) return date;
    }
  }
  throw error(errc::type_mismatch, "expected a date (YYYY-MM-DD), found " + to_string(x));
}

}  // namespace orca::detail

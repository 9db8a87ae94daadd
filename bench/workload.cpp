// Phase names, row values and the pseudo-random id sequences of the workload; used by the
// harness and by every side, so that orca and the raw baselines do exactly the same work.
#include "workload.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <random>

namespace orca_bench {

namespace {

// SplitMix64: a fixed, portable mixer (std:: distributions differ between libraries).
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view text, std::size_t at, std::size_t count, unsigned& out) noexcept {
  if (at + count > text.size()) return false;
  auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + count, out);
  return ec == std::errc{} && end == text.data() + at + count;
}

}  // namespace

std::string_view phase_code(phase p) noexcept {
  static constexpr std::string_view codes[] = {"P1", "P2", "P3", "P4", "P5", "P6", "P7"};
  return codes[static_cast<int>(p)];
}

std::string_view phase_title(phase p) noexcept {
  static constexpr std::string_view titles[] = {"insert",     "selectin load", "stream",   "update",
                                                "point gets", "concurrency",   "aggregate"};
  return titles[static_cast<int>(p)];
}

std::optional<phase> parse_phase(std::string_view code) noexcept {
  if (code.size() == 2 && (code[0] == 'P' || code[0] == 'p') && code[1] >= '1' && code[1] <= '7')
    return static_cast<phase>(code[1] - '1');
  return std::nullopt;
}

std::string parent_data(std::int64_t i) { return "parent-" + std::to_string(i); }

std::string child_data(std::int64_t i, std::int64_t j) {
  return "child-" + std::to_string(i) + "-" + std::to_string(j);
}

std::string updated_data(std::int64_t run, std::int64_t id) {
  return "updated-" + std::to_string(run) + "-" + std::to_string(id);
}

std::int64_t p6_parent(const run_context& context, std::int64_t tx) noexcept {
  auto n = static_cast<std::uint64_t>(std::max<std::int64_t>(context.n, 1));
  auto seed = static_cast<std::uint64_t>(context.run) * 0x100000001b3ULL + static_cast<std::uint64_t>(tx);
  return context.first_id + static_cast<std::int64_t>(mix(seed) % n);
}

std::vector<std::int64_t> point_get_ids(std::int64_t first_id, std::int64_t n) {
  // A seeded Fisher-Yates shuffle of every id, cut to the first point_gets: distinct ids
  // in an order unrelated to the table's, the same in every run and on every machine.
  std::vector<std::int64_t> ids(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
  std::iota(ids.begin(), ids.end(), first_id);
  std::uint64_t state = 42;
  for (std::size_t i = ids.size(); i > 1; --i) {
    state = mix(state);
    std::swap(ids[i - 1], ids[state % i]);
  }
  ids.resize(std::min<std::size_t>(ids.size(), point_gets));
  return ids;
}

std::int64_t parse_timestamp_micros(std::string_view text) noexcept {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || !digits(text, 5, 2, month) || !digits(text, 8, 2, day) ||
      !digits(text, 11, 2, hour) || !digits(text, 14, 2, minute) || !digits(text, 17, 2, second))
    return 0;
  std::int64_t micros = 0;
  std::size_t at = 20, scale = 100000;
  if (text.size() > 19 && text[19] == '.')
    for (; at < text.size() && scale > 0 && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10)
      micros += (text[at] - '0') * static_cast<std::int64_t>(scale);
  std::int64_t seconds = days_from_civil(year, month, day) * 86400 + std::int64_t{hour} * 3600 +
                         std::int64_t{minute} * 60 + second;
  return seconds * 1000000 + micros;
}

}  // namespace orca_bench

// orca::value accessors, value rendering for messages, and the timestamp text format.
// Used by the drivers (binding timestamps as text, echo) and by the model (conversions).
#include "orca/drivers/value.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include <fmt/format.h>

#include "orca/drivers/error.hpp"

namespace orca {

namespace {

// Values quoted in a type_mismatch message are cut here, so that a megabyte of text
// does not end up in an exception message.
constexpr std::size_t mismatch_preview_chars = 60;

[[noreturn]] void throw_mismatch(value_type expected, const value& found) {
  std::string message = fmt::format("expected {}, found ", to_string(expected));
  if (found.is_null()) {
    message += "NULL";
  } else {
    auto rendered = to_string(found);
    if (rendered.size() > mismatch_preview_chars) {
      rendered.resize(mismatch_preview_chars);
      rendered += "...";
    }
    message += fmt::format("{} {}", to_string(found.type()), rendered);
  }
  throw error{errc::type_mismatch, std::move(message)};
}

// Reads exactly `count` decimal digits at `pos`; no sign, no spaces (std::from_chars would
// accept fewer digits, which the fixed-width format must reject).
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int result = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  pos += count;
  out = result;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::string_view to_string(value_type type) noexcept {
  switch (type) {
    case value_type::null: return "null";
    case value_type::integer: return "integer";
    case value_type::real: return "real";
    case value_type::text: return "text";
    case value_type::binary: return "blob";
    case value_type::boolean: return "boolean";
    case value_type::time: return "timestamp";
    case value_type::uuid: return "uuid";
    case value_type::date: return "date";
    case value_type::json: return "json";
  }
  return "unknown";
}

std::int64_t value::as_integer() const {
  if (auto x = std::get_if<std::int64_t>(&data_)) return *x;
  if (auto x = std::get_if<bool>(&data_)) return *x ? 1 : 0;
  throw_mismatch(value_type::integer, *this);
}

double value::as_real() const {
  if (auto x = std::get_if<double>(&data_)) return *x;
  if (auto x = std::get_if<std::int64_t>(&data_)) return static_cast<double>(*x);
  throw_mismatch(value_type::real, *this);
}

const std::string& value::as_text() const {
  if (auto x = std::get_if<std::string>(&data_)) return *x;
  throw_mismatch(value_type::text, *this);
}

const blob& value::as_blob() const {
  if (auto x = std::get_if<blob>(&data_)) return *x;
  throw_mismatch(value_type::binary, *this);
}

bool value::as_boolean() const {
  if (auto x = std::get_if<bool>(&data_)) return *x;
  // SQLite has no boolean type: booleans come back as the integers 0 and 1.
  if (auto x = std::get_if<std::int64_t>(&data_); x != nullptr && (*x == 0 || *x == 1)) return *x == 1;
  throw_mismatch(value_type::boolean, *this);
}

timestamp value::as_timestamp() const {
  if (auto x = std::get_if<timestamp>(&data_)) return *x;
  // SQLite stores timestamps as text, and PostgreSQL's text protocol sends them as text.
  if (auto x = std::get_if<std::string>(&data_))
    if (auto parsed = parse_timestamp(*x)) return *parsed;
  throw_mismatch(value_type::time, *this);
}

orca::uuid value::as_uuid() const {
  if (auto x = std::get_if<orca::uuid>(&data_)) return *x;
  // SQLite stores a UUID as a 16-byte blob; PostgreSQL's text protocol sends it as text.
  if (auto x = std::get_if<blob>(&data_); x != nullptr && x->bytes.size() == 16) {
    orca::uuid result;
    std::copy(x->bytes.begin(), x->bytes.end(), result.bytes.begin());
    return result;
  }
  if (auto x = std::get_if<std::string>(&data_))
    if (auto parsed = orca::uuid::parse(*x)) return *parsed;
  throw_mismatch(value_type::uuid, *this);
}

std::string to_string(const value& x) {
  struct renderer {
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(std::int64_t v) const { return fmt::format("{}", v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    // fmt rather than "'" + s + "'": GCC 12 at -O3 reports a false -Wrestrict on
    // operator+(const char*, std::string&&) here.
    std::string operator()(timestamp v) const { return fmt::format("'{}'", format_timestamp(v)); }
    std::string operator()(const orca::uuid& v) const { return fmt::format("'{}'", orca::to_string(v)); }
    std::string operator()(const std::string& v) const {
      std::string out;
      out.reserve(v.size() + 2);
      out += '\'';
      for (char c : v) {
        if (c == '\'') out += '\'';  // SQL quoting, so that the rendering reads as a literal
        out += c;
      }
      out += '\'';
      return out;
    }
    std::string operator()(const blob& v) const {
      static constexpr char hex[] = "0123456789abcdef";
      std::string out;
      out.reserve(v.bytes.size() * 2 + 3);
      out += "X'";
      for (auto byte : v.bytes) {
        out += hex[byte >> 4];
        out += hex[byte & 0x0f];
      }
      out += '\'';
      return out;
    }
  };
  return std::visit(renderer{}, x.data());
}

std::string format_timestamp(timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day date{day};
  hh_mm_ss time{t - day};
  std::array<char, 48> buffer{};
  int length = std::snprintf(buffer.data(), buffer.size(), "%04d-%02u-%02u %02d:%02d:%02d.%06lld",
                             static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                             static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                             static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                             static_cast<long long>(time.subseconds().count()));
  return std::string(buffer.data(), static_cast<std::size_t>(length));
}

std::optional<timestamp> parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!read_digits(text, pos, 4, y) || !expect(text, pos, '-') || !read_digits(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, d))
    return std::nullopt;
  if (pos >= text.size() || (text[pos] != ' ' && text[pos] != 'T')) return std::nullopt;
  ++pos;
  if (!read_digits(text, pos, 2, h) || !expect(text, pos, ':') || !read_digits(text, pos, 2, mi) ||
      !expect(text, pos, ':') || !read_digits(text, pos, 2, s))
    return std::nullopt;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 6) {
      micros = micros * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
  }
  auto suffix = text.substr(pos);
  if (!suffix.empty() && suffix != "Z" && suffix != "+00" && suffix != "+00:00") return std::nullopt;
  year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days{date} + hours{h} + minutes{mi} + seconds{s} + microseconds{micros};
}

}  // namespace orca

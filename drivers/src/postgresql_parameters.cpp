// parameter_buffer: binding orca values for libpq (text scalars, binary blobs).
// Used by the PostgreSQL connection and cursors before each PQsend*/PQexec* call.
#include "civil_date.hpp"
#include "postgresql_parameters.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>

namespace orca::drivers::postgresql {

namespace {

// Writes `width` decimal digits of `n` (zero-padded) and returns the end.
char* put_digits(char* out, std::int64_t n, int width) noexcept {
  for (int i = width - 1; i >= 0; --i, n /= 10) out[i] = static_cast<char>('0' + n % 10);
  return out + width;
}

// The text of a timestamp parameter (see format_day_time).
std::size_t format_timestamp_into(char* out, timestamp t) noexcept {
  using namespace std::chrono;
  auto day = floor<days>(t);
  return format_day_time(out, day.time_since_epoch().count(), (t - day).count());
}

}  // namespace

// Hand-rolled because this runs once per timestamp parameter and must not allocate; the
// civil date covers years std::chrono::year cannot.
std::size_t format_day_time(char* out, std::int64_t day, std::int64_t micros) noexcept {
  auto date = detail::civil_from_days(day);
  std::int64_t year = date.year;
  bool before_christ = year <= 0;
  if (before_christ) year = 1 - year;
  char* p = out;
  if (year > 9999)
    p = std::to_chars(p, p + 8, year).ptr;
  else
    p = put_digits(p, year, 4);
  *p++ = '-';
  p = put_digits(p, date.month, 2);
  *p++ = '-';
  p = put_digits(p, date.day, 2);
  *p++ = ' ';
  p = put_digits(p, micros / 3'600'000'000, 2);
  *p++ = ':';
  p = put_digits(p, micros / 60'000'000 % 60, 2);
  *p++ = ':';
  p = put_digits(p, micros / 1'000'000 % 60, 2);
  *p++ = '.';
  p = put_digits(p, micros % 1'000'000, 6);
  if (before_christ)
    for (char c : {' ', 'B', 'C'}) *p++ = c;
  *p = '\0';
  return static_cast<std::size_t>(p - out);
}

Oid parameter_type(const value& x) noexcept {
  switch (x.type()) {
    case value_type::null: return oid::any;
    case value_type::integer: return oid::int8;
    case value_type::real: return oid::float8;
    case value_type::text: return oid::unspecified;
    case value_type::binary: return oid::bytea;
    case value_type::boolean: return oid::boolean;
    case value_type::time: return oid::timestamp;
    case value_type::uuid: return oid::uuid;
    case value_type::date:
    case value_type::json: break;  // never a value's type
  }
  return oid::unspecified;
}

std::vector<Oid> common_signature(const std::vector<params>& sets) {
  std::vector<Oid> signature(sets.empty() ? 0 : sets.front().size(), oid::any);
  std::size_t untyped = signature.size();
  for (const auto& set : sets) {
    for (std::size_t i = 0; i < set.size() && i < signature.size(); ++i) {
      if (signature[i] == oid::any && !set[i].is_null()) {
        signature[i] = parameter_type(set[i]);
        --untyped;
      }
    }
    if (untyped == 0) break;
  }
  return signature;
}

void parameter_buffer::bind(const params& parameters) {
  auto n = parameters.size();
  types_.resize(n);
  signature_.resize(n);
  values_.resize(n);
  lengths_.resize(n);
  formats_.resize(n);
  if (scratch_.size() < n) scratch_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const value& x = parameters[i];
    const auto& data = x.data();
    Oid type = parameter_type(x);
    signature_[i] = type;
    types_[i] = type == oid::any ? oid::unspecified : type;
    lengths_[i] = 0;
    formats_[i] = 0;
    char* text = scratch_[i].data();
    switch (x.type()) {
      case value_type::null: values_[i] = nullptr; break;
      case value_type::integer:
        *std::to_chars(text, text + 47, std::get<std::int64_t>(data)).ptr = '\0';
        values_[i] = text;
        break;
      case value_type::real:
        // Shortest text that reads back as the same double; "inf"/"nan" are accepted too.
        *std::to_chars(text, text + 47, std::get<double>(data)).ptr = '\0';
        values_[i] = text;
        break;
      case value_type::text: values_[i] = std::get<std::string>(data).c_str(); break;
      case value_type::binary: {
        const auto& bytes = std::get<blob>(data).bytes;
        // An empty blob still needs a non-null pointer, or libpq would send NULL.
        values_[i] = bytes.empty() ? text : reinterpret_cast<const char*>(bytes.data());
        lengths_[i] = static_cast<int>(bytes.size());
        formats_[i] = 1;
        break;
      }
      case value_type::boolean: values_[i] = std::get<bool>(data) ? "t" : "f"; break;
      case value_type::time:
        format_timestamp_into(text, std::get<timestamp>(data));
        values_[i] = text;
        break;
      case value_type::uuid: {
        // uuid's binary form is its 16 bytes in network order.
        const auto& bytes = std::get<orca::uuid>(data).bytes;
        values_[i] = reinterpret_cast<const char*>(bytes.data());
        lengths_[i] = static_cast<int>(bytes.size());
        formats_[i] = 1;
        break;
      }
      case value_type::date:
      case value_type::json: values_[i] = nullptr; break;  // never a value's type
    }
  }
}

}  // namespace orca::drivers::postgresql

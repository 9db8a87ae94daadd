// Reading libpq results: cells converted by column type OID, affected rows, and errors
// translated from SQLSTATEs. Used by the PostgreSQL connection, cursors and pipelines.
#include "civil_date.hpp"
#include "hex.hpp"
#include "message_text.hpp"
#include "postgresql_parameters.hpp"
#include "postgresql_result.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <string>

namespace orca::drivers::postgresql {

namespace {

enum class column_kind : std::uint8_t { integer, real, boolean, binary, time, uuid, text };

column_kind kind_of(Oid type) noexcept {
  switch (type) {
    case oid::int2:
    case oid::int4:
    case oid::int8:
    case oid::object_id: return column_kind::integer;
    case oid::float4:
    case oid::float8:
    case oid::numeric: return column_kind::real;
    case oid::boolean: return column_kind::boolean;
    case oid::bytea: return column_kind::binary;
    case oid::timestamp:
    case oid::timestamptz: return column_kind::time;
    case oid::uuid: return column_kind::uuid;
    default: return column_kind::text;
  }
}

using detail::hex_digit;

// bytea arrives as "\x0a0b..." (bytea_output = hex, the default since 9.0); the old escape
// format is left to libpq's decoder.
blob decode_bytea(const char* text, std::size_t length) {
  blob out;
  if (length >= 2 && text[0] == '\\' && text[1] == 'x') {
    out.bytes.reserve((length - 2) / 2);
    for (std::size_t i = 2; i + 1 < length; i += 2)
      out.bytes.push_back(static_cast<std::uint8_t>(hex_digit(text[i]) * 16 + hex_digit(text[i + 1])));
    return out;
  }
  std::size_t size = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
  if (raw != nullptr) {
    out.bytes.assign(raw, raw + size);
    PQfreemem(raw);
  }
  return out;
}

// Numbers the server printed always parse; a numeric beyond double's range does not, and
// is kept as text rather than turned into infinity.
value read_cell(column_kind kind, const char* text, std::size_t length) {
  const char* end = text + length;
  switch (kind) {
    case column_kind::integer: {
      std::int64_t n = 0;
      if (auto [ptr, ec] = std::from_chars(text, end, n); ec == std::errc{} && ptr == end) return value{n};
      break;
    }
    case column_kind::real: {
      double x = 0;
      if (auto [ptr, ec] = std::from_chars(text, end, x); ec == std::errc{} && ptr == end) return value{x};
      break;
    }
    case column_kind::boolean: return value{length > 0 && text[0] == 't'};
    case column_kind::binary: return value{decode_bytea(text, length)};
    case column_kind::time:
      if (auto t = parse_timestamp_output({text, length})) return value{*t};
      break;
    case column_kind::uuid:
      if (auto u = orca::uuid::parse({text, length})) return value{*u};
      break;
    case column_kind::text: break;
  }
  return value{std::string{text, length}};
}

// Binary cells: network byte order.
std::uint64_t big_endian(const char* bytes, std::size_t size) noexcept {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < size; ++i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  return n;
}

// A timestamp beyond orca::timestamp (PostgreSQL reaches the year 294,276), written as
// the server writes it in text (DateStyle ISO, TimeZone UTC), which is what the text form
// of the column reads as: no trailing zeros in the fraction, the offset before " BC".
std::string timestamp_text(std::int64_t micros_since_2000, bool with_zone) {
  constexpr std::int64_t micros_per_day = 86'400'000'000;
  constexpr std::int64_t days_1970_to_2000 = 10'957;
  auto day = micros_since_2000 / micros_per_day;
  auto of_day = micros_since_2000 % micros_per_day;
  if (of_day < 0) {
    of_day += micros_per_day;
    --day;
  }
  std::array<char, 48> buffer{};
  std::string text{buffer.data(), format_day_time(buffer.data(), day + days_1970_to_2000, of_day)};
  bool before_christ = text.ends_with(" BC");
  if (before_christ) text.resize(text.size() - 3);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  if (with_zone) text += "+00";
  if (before_christ) text += " BC";
  return text;
}

// A timestamp(tz) cell: microseconds since 2000-01-01 00:00 UTC; the largest and smallest
// 64-bit values are 'infinity' and '-infinity', which read as text.
value read_binary_timestamp(std::int64_t micros, bool with_zone) {
  using namespace std::chrono;
  if (micros == std::numeric_limits<std::int64_t>::max()) return value{std::string{"infinity"}};
  if (micros == std::numeric_limits<std::int64_t>::min()) return value{std::string{"-infinity"}};
  constexpr std::int64_t epoch_2000 = 946'684'800'000'000;  // 2000-01-01 in microseconds since 1970
  // The same range as parse_timestamp_output: whole days within orca::timestamp's. Only the
  // end can be passed: PostgreSQL's earliest timestamp (4714 BC) is well inside it.
  constexpr std::int64_t last_day = duration_cast<days>(timestamp::duration::max()).count() - 1;
  constexpr std::int64_t micros_per_day = 86'400'000'000;
  if (micros > (last_day + 1) * micros_per_day - epoch_2000 - 1) return value{timestamp_text(micros, with_zone)};
  return value{timestamp{microseconds{micros + epoch_2000}}};
}

// A cell in binary format, of a type binary_decodable() accepts; each gives the value its
// text form gives (read_cell).
value read_binary_cell(Oid type, const char* bytes, std::size_t size) {
  auto integer = [&]() -> std::int64_t {
    auto n = big_endian(bytes, size);
    auto shift = 64 - 8 * static_cast<int>(size);  // sign-extends int2 and int4
    return static_cast<std::int64_t>(n << shift) >> shift;
  };
  switch (type) {
    case oid::int2:
    case oid::int4:
    case oid::int8: return value{integer()};
    case oid::object_id: return value{static_cast<std::int64_t>(big_endian(bytes, size))};
    case oid::float8: return value{std::bit_cast<double>(big_endian(bytes, 8))};
    case oid::float4: {
      // The text form is float4's shortest exact digits ("1.1"), read as a double (1.1), not
      // the float widened (1.100000023841858): go through the same digits.
      auto x = std::bit_cast<float>(static_cast<std::uint32_t>(big_endian(bytes, 4)));
      if (!std::isfinite(x)) return value{static_cast<double>(x)};
      std::array<char, 32> digits{};
      auto written = std::to_chars(digits.data(), digits.data() + digits.size(), x).ptr;
      double widened = 0;
      std::from_chars(digits.data(), written, widened);
      return value{widened};
    }
    case oid::boolean: return value{size > 0 && bytes[0] != 0};
    case oid::bytea: {
      blob out;
      out.bytes.assign(reinterpret_cast<const std::uint8_t*>(bytes),
                       reinterpret_cast<const std::uint8_t*>(bytes) + size);
      return value{std::move(out)};
    }
    case oid::timestamp: return read_binary_timestamp(integer(), false);
    case oid::timestamptz: return read_binary_timestamp(integer(), true);
    case oid::uuid: {
      orca::uuid u;
      std::copy_n(reinterpret_cast<const std::uint8_t*>(bytes), std::min(size, u.bytes.size()), u.bytes.begin());
      return value{u};
    }
    default: return value{std::string_view{bytes, size}};  // text, varchar, char(n), name, json
  }
}

// Appends a binary cell: integers, doubles and text straight into the rowset's cells, the
// other types through read_binary_cell().
void push_binary_cell(rowset& out, Oid type, const char* bytes, std::size_t size) {
  switch (type) {
    case oid::int2:
    case oid::int4:
    case oid::int8: {
      auto shift = 64 - 8 * static_cast<int>(size);  // sign-extends int2 and int4
      out.push_integer(static_cast<std::int64_t>(big_endian(bytes, size) << shift) >> shift);
      return;
    }
    case oid::float8: out.push_real(std::bit_cast<double>(big_endian(bytes, 8))); return;
    case oid::object_id:
    case oid::float4:
    case oid::boolean:
    case oid::bytea:
    case oid::timestamp:
    case oid::timestamptz:
    case oid::uuid: out.push(read_binary_cell(type, bytes, size)); return;
    default: out.push_text({bytes, size});  // text, varchar, char(n), name, json
  }
}

// Appends the sentences of `more` that `message` does not hold yet; libpq repeats the
// server's message, with its severity ("FATAL:  ..."), in the connection's error text.
void append_sentences(std::string& message, std::string_view more) {
  if (auto repeated = more.find(message); !message.empty() && repeated != std::string_view::npos)
    more.remove_prefix(repeated + message.size());
  while (!more.empty() && (more.front() == '.' || more.front() == ' ')) more.remove_prefix(1);
  if (more.empty()) return;
  if (!message.empty()) {
    if (std::isalnum(static_cast<unsigned char>(message.back()))) message += '.';
    message += ' ';
  }
  message += more;
}

}  // namespace

bool binary_decodable(const PGresult* result) noexcept {
  for (int column = 0, width = PQnfields(result); column < width; ++column) {
    switch (PQftype(result, column)) {
      case oid::int2:
      case oid::int4:
      case oid::int8:
      case oid::object_id:
      case oid::float4:
      case oid::float8:
      case oid::boolean:
      case oid::bytea:
      case oid::text:
      case oid::varchar:
      case oid::bpchar:
      case oid::name:
      case oid::json:
      case oid::timestamp:
      case oid::timestamptz:
      case oid::uuid: continue;
      default: return false;
    }
  }
  return true;
}

bool succeeded(const PGresult* result) noexcept {
  switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY: return result != nullptr;
    default: return false;
  }
}

void append_rows(const PGresult* result, rowset& out) {
  int width = PQnfields(result);
  int rows = PQntuples(result);
  if (out.width() == 0 && width > 0) {
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(width));
    for (int column = 0; column < width; ++column) names.emplace_back(PQfname(result, column));
    out.set_columns(std::move(names));
  }
  if (rows == 0) return;
  out.reserve_rows(out.size() + static_cast<std::size_t>(rows));
  // The columns' types, on the stack for the usual widths (a point read allocates nothing here).
  std::array<Oid, 32> few{};
  std::vector<Oid> many;
  Oid* types = few.data();
  if (static_cast<std::size_t>(width) > few.size()) {
    many.resize(static_cast<std::size_t>(width));
    types = many.data();
  }
  for (int column = 0; column < width; ++column) types[column] = PQftype(result, column);
  // Binary when the statement asked for it, after its first result showed only types that
  // read_binary_cell() decodes (binary_decodable): then every column is binary.
  bool binary = width > 0 && PQfformat(result, 0) == 1;
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < width; ++column) {
      // A NULL has length 0: only an empty cell needs the NULL test (one libpq call fewer
      // per cell of a typical row).
      auto length = static_cast<std::size_t>(PQgetlength(result, row, column));
      if (length == 0 && PQgetisnull(result, row, column)) {
        out.push_null();
        continue;
      }
      const char* cell = PQgetvalue(result, row, column);
      if (binary)
        push_binary_cell(out, types[column], cell, length);
      else if (auto kind = kind_of(types[column]); kind == column_kind::text)
        out.push_text({cell, length});
      else
        out.push(read_cell(kind, cell, length));
    }
  }
}

rowset to_rowset(const PGresult* result) {
  rowset out;
  if (PQresultStatus(result) == PGRES_TUPLES_OK) append_rows(result, out);
  out.affected_rows = affected_rows(result);
  return out;
}

std::int64_t affected_rows(const PGresult* result) noexcept {
  // PQcmdTuples also counts the rows of SELECT, FETCH and MOVE; those changed nothing.
  // libpq's PQcmdStatus and PQcmdTuples take a non-const result they only read.
  std::string_view tag = PQcmdStatus(const_cast<PGresult*>(result));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  if (tag.starts_with("SELECT") || tag.starts_with("FETCH") || tag.starts_with("MOVE")) return 0;
  std::string_view count = PQcmdTuples(const_cast<PGresult*>(result));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  std::int64_t n = 0;
  std::from_chars(count.data(), count.data() + count.size(), n);
  return n;
}

std::optional<timestamp> parse_timestamp_output(std::string_view text) noexcept {
  using namespace std::chrono;
  std::size_t i = 0;
  auto number = [&](std::size_t min_digits, std::size_t max_digits, std::int64_t& out) {
    std::size_t start = i;
    out = 0;
    while (i < text.size() && i - start < max_digits && text[i] >= '0' && text[i] <= '9')
      out = out * 10 + (text[i++] - '0');
    return i - start >= min_digits;
  };
  auto skip = [&](char c) {
    bool found = i < text.size() && text[i] == c;
    i += found ? 1 : 0;
    return found;
  };
  std::int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!number(4, 9, y) || !skip('-') || !number(2, 2, mo) || !skip('-') || !number(2, 2, d) ||
      !(skip(' ') || skip('T')) || !number(2, 2, h) || !skip(':') || !number(2, 2, mi) || !skip(':') ||
      !number(2, 2, s))
    return std::nullopt;
  std::int64_t micros = 0;
  if (skip('.')) {
    int digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
      if (digits < 6) {
        micros = micros * 10 + (text[i] - '0');
        ++digits;
      }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
  }
  // timestamptz carries the session's offset: "+00", "-05:30", "+05:53:28" (LMT zones).
  std::int64_t offset = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int sign = text[i++] == '-' ? -1 : 1;
    std::int64_t oh = 0, om = 0, os = 0;
    if (!number(2, 2, oh) || (skip(':') && !number(2, 2, om)) || (skip(':') && !number(2, 2, os))) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60 + os);
  } else {
    skip('Z');
  }
  // Years before 1 come as "0001-12-31 23:59:59 BC" (1 BC is the astronomical year 0).
  if (text.substr(i) == " BC") {
    y = 1 - y;
    i = text.size();
  }
  detail::civil_date date{y, static_cast<unsigned>(mo), static_cast<unsigned>(d)};
  if (i != text.size() || !detail::is_valid(date) || h > 23 || mi > 59 || s > 60) return std::nullopt;
  auto day = detail::days_from_civil(date);
  // The latest timestamp PostgreSQL holds is past orca's (±292,000 years of microseconds).
  constexpr std::int64_t last_day = duration_cast<days>(timestamp::duration::max()).count() - 1;
  if (day > last_day || day < -last_day) return std::nullopt;
  return timestamp{days{day}} + hours{h} + minutes{mi} + seconds{s} + microseconds{micros} - seconds{offset};
}

orca::error make_error(PGconn* conn, const PGresult* result, std::string_view sql) {
  auto field = [result](int code) -> std::string_view {
    const char* text = result != nullptr ? PQresultErrorField(result, code) : nullptr;
    return text != nullptr ? text : "";
  };
  error_details details;
  details.sql = std::string{sql};
  std::string_view state = field(PG_DIAG_SQLSTATE);
  details.sqlstate = std::string{state};

  std::string message{field(PG_DIAG_MESSAGE_PRIMARY)};
  if (message.empty()) message = one_line(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  if (message.empty()) message = one_line(PQerrorMessage(conn));
  if (message.empty()) message = "the statement failed without an error message from libpq";
  // A lost connection: libpq's own account ("server closed the connection unexpectedly
  // ...") follows the server's last words, which the message holds already.
  if (PQstatus(conn) == CONNECTION_BAD) append_sentences(message, one_line(PQerrorMessage(conn)));
  if (auto detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty()) {
    message += ": ";
    message += one_line(detail);
  }
  if (auto hint = field(PG_DIAG_MESSAGE_HINT); !hint.empty()) {
    message += " (hint: ";
    message += one_line(hint);
    message += ')';
  }

  // 57P01-03: the server is shutting the session down (pg_terminate_backend, shutdown);
  // libpq may not have noticed the closed socket yet, but the connection is gone. Of class
  // 08 only 08P01 leaves the session alive: it is how the server refuses a Bind whose
  // parameter count does not match the statement.
  bool lost = PQstatus(conn) == CONNECTION_BAD || (state.starts_with("08") && state != "08P01") || state == "57P01" ||
              state == "57P02" || state == "57P03";
  errc code = errc::statement_error;
  if (lost) {
    code = errc::connection_lost;
    details.connection_poisoned = true;
  } else if (state.starts_with("23")) {
    code = errc::constraint_violation;
    details.constraint = std::string{field(PG_DIAG_CONSTRAINT_NAME)};
    if (details.constraint.empty()) {
      // NOT NULL violations name no constraint, only the table and column.
      details.constraint = std::string{field(PG_DIAG_TABLE_NAME)};
      if (auto column = field(PG_DIAG_COLUMN_NAME); !column.empty()) details.constraint += "." + std::string{column};
    }
  } else if (state == "40001" || state == "40P01") {
    code = errc::database_busy;
  } else if (state == "57014") {
    code = errc::interrupted;
  } else if (state.starts_with("22")) {
    code = errc::type_mismatch;
  }
  return orca::error{code, std::move(message), std::move(details)};
}

result_ptr check(PGconn* conn, result_ptr result, std::string_view sql) {
  if (!succeeded(result.get())) throw make_error(conn, result.get(), sql);
  return result;
}

}  // namespace orca::drivers::postgresql

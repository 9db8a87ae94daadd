// The one-line rendering of a statement or batch, its parameters, time and failure, on the
// `orca.sql` logger. Used by drivers::connection when echo is on; tests attach their own sink.
#include "orca/drivers/echo.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "orca/drivers/error.hpp"

namespace orca::drivers {

namespace {

// A log line is for reading: long text, long parameter lists and long batches are cut,
// never dropped silently (the line says how much is missing).
constexpr std::size_t max_value_chars = 60;
constexpr std::size_t max_logged_params = 20;
constexpr std::size_t max_logged_sets = 3;

// Cuts UTF-8 text to at most `limit` bytes without splitting a multi-byte character.
std::string_view cut_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

void append_param(std::string& out, const value& x) {
  if (const auto* text = std::get_if<std::string>(&x.data())) {
    auto shown = cut_utf8(*text, max_value_chars);
    out += '\'';
    out += shown;
    if (shown.size() < text->size()) out += "…";
    out += '\'';
    return;
  }
  auto rendered = to_string(x);
  auto shown = cut_utf8(rendered, max_value_chars);
  out += shown;
  if (shown.size() < rendered.size()) out += "…";
}

// "(1, 'a1', NULL)", or "(0, 1, ..., 19, ... 5 more)" past max_logged_params.
void append_params(std::string& out, const params& parameters) {
  out += '(';
  auto shown = std::min(parameters.size(), max_logged_params);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    append_param(out, parameters[i]);
  }
  if (shown < parameters.size()) fmt::format_to(std::back_inserter(out), ", ... {} more", parameters.size() - shown);
  out += ')';
}

void append_elapsed(std::string& out, std::chrono::nanoseconds elapsed) {
  fmt::format_to(std::back_inserter(out), "[{:.3f} ms] ", std::chrono::duration<double, std::milli>(elapsed).count());
}

// A failed statement is the line a reader most wants to see: it logs at warn, which the
// logger shows whenever echo is on.
void log_line(const std::string& line, std::string_view failure) {
  auto logger = sql_logger();
  if (failure.empty())
    logger->info("{}", line);
  else
    logger->warn("{} | failed: {}", line, failure);
}

bool echo_shown(std::string_view failure) {
  return sql_logger()->should_log(failure.empty() ? spdlog::level::info : spdlog::level::warn);
}

}  // namespace

void echo_statement(std::string_view sql, const params& parameters, std::chrono::nanoseconds elapsed,
                    std::string_view failure) {
  if (!echo_shown(failure)) return;
  std::string line;
  line.reserve(sql.size() + 32 + parameters.size() * 8);
  append_elapsed(line, elapsed);
  line += sql;
  if (!parameters.empty()) {
    line += " | ";
    append_params(line, parameters);
  }
  log_line(line, failure);
}

void echo_batch(std::string_view sql, const std::vector<params>& parameter_sets, std::chrono::nanoseconds elapsed,
                std::string_view failure) {
  if (!echo_shown(failure)) return;
  std::string line;
  append_elapsed(line, elapsed);
  line += sql;
  auto sets = parameter_sets.size();
  fmt::format_to(std::back_inserter(line), " | {} parameter set{}", sets, sets == 1 ? "" : "s");
  auto shown = std::min(sets, max_logged_sets);
  for (std::size_t i = 0; i < shown; ++i) {
    line += i == 0 ? ": " : ", ";
    append_params(line, parameter_sets[i]);
  }
  if (shown < sets) fmt::format_to(std::back_inserter(line), " ... and {} more", sets - shown);
  log_line(line, failure);
}

std::string echo_failure(const std::exception& failure) {
  const auto* orca_error = dynamic_cast<const error*>(&failure);
  if (orca_error == nullptr) return failure.what();
  std::string out{to_string(orca_error->code())};
  out += ": ";
  out += orca_error->message();
  if (const auto& sqlstate = orca_error->details().sqlstate; !sqlstate.empty()) {
    out += " [";
    out += sqlstate;
    out += ']';
  }
  return out;
}

}  // namespace orca::drivers

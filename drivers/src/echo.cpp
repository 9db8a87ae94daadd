// The `orca.sql` logger and the one-line rendering of a statement, its parameters and time.
// Used by drivers::connection when echo is on; tests attach their own sink to the logger.
#include "orca/drivers/echo.hpp"

#include <algorithm>
#include <iterator>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace orca::drivers {

namespace {

constexpr const char* logger_name = "orca.sql";
// A log line is for reading: long text and long parameter lists are cut, never dropped
// silently (the line says how much is missing).
constexpr std::size_t max_value_chars = 60;
constexpr std::size_t max_logged_params = 20;

// Cuts UTF-8 text to at most `limit` bytes without splitting a multi-byte character.
std::string_view cut_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit)
    return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return text.substr(0, end);
}

void append_param(std::string& out, const value& x) {
  if (const auto* text = std::get_if<std::string>(&x.data())) {
    auto shown = cut_utf8(*text, max_value_chars);
    out += '\'';
    out += shown;
    if (shown.size() < text->size())
      out += "…";
    out += '\'';
    return;
  }
  auto rendered = to_string(x);
  auto shown = cut_utf8(rendered, max_value_chars);
  out += shown;
  if (shown.size() < rendered.size())
    out += "…";
}

void append_elapsed(std::string& out, std::chrono::nanoseconds elapsed) {
  fmt::format_to(std::back_inserter(out), "[{:.3f} ms] ",
                 std::chrono::duration<double, std::milli>(elapsed).count());
}

}  // namespace

std::shared_ptr<spdlog::logger> sql_logger() {
  // spdlog::get is thread-safe, but get-then-register is not atomic: the mutex makes two
  // connections echoing their first statement at once create the logger only once.
  static std::mutex creation;
  if (auto existing = spdlog::get(logger_name))
    return existing;
  std::lock_guard lock{creation};
  if (auto existing = spdlog::get(logger_name))
    return existing;
  auto logger = std::make_shared<spdlog::logger>(
      logger_name, std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  logger->set_pattern("%H:%M:%S.%e orca.sql %v");
  logger->set_level(spdlog::level::info);
  try {
    spdlog::register_logger(logger);
  } catch (const spdlog::spdlog_ex&) {
    // Someone registered "orca.sql" directly (e.g. a test with its own sink): use theirs.
    if (auto existing = spdlog::get(logger_name))
      return existing;
  }
  return logger;
}

void echo_statement(std::string_view sql, const params& parameters,
                    std::chrono::nanoseconds elapsed) {
  auto logger = sql_logger();
  if (!logger->should_log(spdlog::level::info))
    return;
  std::string line;
  line.reserve(sql.size() + 32 + parameters.size() * 8);
  append_elapsed(line, elapsed);
  line += sql;
  if (!parameters.empty()) {
    line += " | (";
    auto shown = std::min(parameters.size(), max_logged_params);
    for (std::size_t i = 0; i < shown; ++i) {
      if (i > 0)
        line += ", ";
      append_param(line, parameters[i]);
    }
    if (shown < parameters.size())
      fmt::format_to(std::back_inserter(line), ", ... {} more", parameters.size() - shown);
    line += ')';
  }
  logger->info("{}", line);
}

void echo_batch(std::string_view sql, std::size_t sets, std::chrono::nanoseconds elapsed) {
  auto logger = sql_logger();
  if (!logger->should_log(spdlog::level::info))
    return;
  std::string line;
  append_elapsed(line, elapsed);
  line += sql;
  fmt::format_to(std::back_inserter(line), " | {} parameter set{}", sets, sets == 1 ? "" : "s");
  logger->info("{}", line);
}

}  // namespace orca::drivers

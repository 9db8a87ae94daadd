// Creation of orca's named spdlog loggers (orca.sql, orca.pool), once each, thread-safely.
// Used by echo and the pool actor; tests attach their own sinks to the loggers.
#include "orca/drivers/logger.hpp"

#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace orca::drivers {

namespace {

// spdlog::get is thread-safe, but get-then-register is not atomic: the mutex makes two
// threads logging their first line at once create the logger only once.
std::shared_ptr<spdlog::logger> named_logger(const char* name, spdlog::level::level_enum level) {
  static std::mutex creation;
  if (auto existing = spdlog::get(name)) return existing;
  std::lock_guard lock{creation};
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  logger->set_pattern(std::string{"%H:%M:%S.%e "} + name + " %v");
  logger->set_level(level);
  try {
    spdlog::register_logger(logger);
  } catch (const spdlog::spdlog_ex&) {
    // Someone registered the name directly (e.g. a test with its own sink): use theirs.
    if (auto existing = spdlog::get(name)) return existing;
  }
  return logger;
}

}  // namespace

std::shared_ptr<spdlog::logger> sql_logger() { return named_logger("orca.sql", spdlog::level::info); }

std::shared_ptr<spdlog::logger> pool_logger() { return named_logger("orca.pool", spdlog::get_level()); }

}  // namespace orca::drivers

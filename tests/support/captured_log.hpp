// Captures what one of orca's spdlog loggers (orca.sql, orca.pool) writes while it lives,
// one entry per line. Used by the echo and pool log tests.
#pragma once

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace orca::test {

/// Swaps a logger's sinks (and level) for a string stream until destroyed. `pattern` is
/// spdlog's: "%v" is the message alone, "%l %v" prefixes the level.
class captured_log {
public:
  explicit captured_log(std::shared_ptr<spdlog::logger> logger, std::string pattern = "%v",
                        spdlog::level::level_enum level = spdlog::level::info)
      : logger_(std::move(logger)), saved_sinks_(logger_->sinks()), saved_level_(logger_->level()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    sink->set_pattern(pattern);
    logger_->sinks() = {sink};
    logger_->set_level(level);
  }
  ~captured_log() {
    logger_->sinks() = saved_sinks_;
    logger_->set_level(saved_level_);
  }
  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;

  /// The lines written so far.
  std::vector<std::string> lines() {
    logger_->flush();
    std::vector<std::string> out;
    std::istringstream in{stream_.str()};
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> logger_;
  std::vector<spdlog::sink_ptr> saved_sinks_;
  spdlog::level::level_enum saved_level_;
};

}  // namespace orca::test

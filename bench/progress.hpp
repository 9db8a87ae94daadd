// The progress bar orca-bench draws on stderr: live (redrawn a few times a second) on a
// terminal; on a pipe or CI log, one plain line per phase that took more than a few seconds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "options.hpp"

namespace orca_bench {

/// Counts runs done out of a known total and shows what runs now.
class progress {
public:
  /// `total_runs` runs will be reported through start_run / finish_run; `program` prefixes
  /// the plain per-phase lines.
  progress(progress_mode mode, std::size_t total_runs, std::string program = "orca-bench");
  ~progress();
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;

  /// A run begins: `label` says which ("sqlite P2 orca 2/3").
  void start_run(std::string label);
  /// The current run ended.
  void finish_run();
  /// A phase ended after `seconds` (printed as a line when not drawing live).
  void phase_done(const std::string& label, double seconds);
  /// Prints a message on its own line on stderr, above the bar.
  void message(const std::string& text);
  /// Prints a line on stdout without tearing the bar (cleared first, redrawn after).
  void print(const std::string& line);

private:
  void draw_locked();
  void tick();

  bool live_ = false;
  std::size_t total_;
  std::string program_;
  std::size_t done_ = 0;
  std::string label_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point run_started_ = started_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread ticker_;
};

}  // namespace orca_bench

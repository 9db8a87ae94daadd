// The progress bar: a ticker thread redraws one line on stderr ("\r...") while a run is in
// progress, so that a long run still shows that it is alive; nothing is drawn off a tty.
#include "progress.hpp"

#include <cstdio>
#include <utility>

#include <fmt/format.h>
#include <unistd.h>

namespace orca_bench {

namespace {

std::string clock_text(double seconds) {
  auto s = static_cast<long>(seconds);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

progress::progress(progress_mode mode, std::size_t total_runs, std::string program)
    : live_(mode == progress_mode::always || (mode == progress_mode::automatic && ::isatty(STDERR_FILENO) == 1)),
      total_(total_runs),
      program_(std::move(program)) {
  if (live_) ticker_ = std::thread{[this] { tick(); }};
}

progress::~progress() {
  {
    std::lock_guard lock{mutex_};
    stop_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (live_) std::fputs("\r\033[K", stderr);
}

void progress::start_run(std::string label) {
  std::lock_guard lock{mutex_};
  label_ = std::move(label);
  run_started_ = std::chrono::steady_clock::now();
  if (live_) draw_locked();
}

void progress::finish_run() {
  std::lock_guard lock{mutex_};
  ++done_;
  label_.clear();
  if (live_) draw_locked();
}

void progress::phase_done(const std::string& label, double seconds) {
  // Off a terminal a line per phase keeps a CI log readable; short phases stay silent.
  if (!live_ && seconds >= 3.0) message(fmt::format("{}: {} done in {:.1f} s", program_, label, seconds));
}

void progress::message(const std::string& text) {
  std::lock_guard lock{mutex_};
  if (live_) std::fputs("\r\033[K", stderr);
  std::fprintf(stderr, "%s\n", text.c_str());
  if (live_) draw_locked();
}

void progress::print(const std::string& line) {
  std::lock_guard lock{mutex_};
  if (live_) std::fputs("\r\033[K", stderr);
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
  if (live_) draw_locked();
}

void progress::draw_locked() {
  constexpr std::size_t width = 30;
  auto now = std::chrono::steady_clock::now();
  auto filled = total_ == 0 ? width : done_ * width / total_;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  auto line = fmt::format("[{}] {}/{} runs  {} elapsed", bar, done_, total_,
                          clock_text(std::chrono::duration<double>(now - started_).count()));
  if (!label_.empty())
    line += fmt::format("  {} ({:.1f} s)", label_, std::chrono::duration<double>(now - run_started_).count());
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

void progress::tick() {
  std::unique_lock lock{mutex_};
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(250));
    if (!stop_) draw_locked();
  }
}

}  // namespace orca_bench

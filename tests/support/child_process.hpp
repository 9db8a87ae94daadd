// child_process: a program the tests start with its stdin and stdout on pipes, read line by
// line with a deadline, and kill. Used by the multi-process SQLite fault tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace orca::test {

/// A running program whose stdin and stdout the test holds (stderr is the test's own).
/// Killed and reaped at scope end if still running.
class child_process {
public:
  using clock = std::chrono::steady_clock;

  /// Starts `argv[0]` with the arguments that follow; throws std::runtime_error if it cannot.
  explicit child_process(const std::vector<std::string>& argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The next line of its stdout (without the newline), waiting until `deadline`; none at
  /// the deadline or at the end of its output (see ended()).
  std::optional<std::string> read_line(clock::time_point deadline);
  /// Whether its stdout was closed (it exited or was killed) and every line was read.
  bool ended() const noexcept { return ended_ && buffer_.empty(); }
  /// Writes `line` and a newline to its stdin.
  void write_line(std::string_view line);
  /// Sends SIGKILL.
  void kill();
  /// Waits for it to end and returns its wait status (see waitpid(2)).
  int wait();

private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
  bool ended_ = false;
  std::optional<int> status_;
};

}  // namespace orca::test

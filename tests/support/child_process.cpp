// child_process (see child_process.hpp): posix_spawn with two pipes, poll for lines.
#include "support/child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace orca::test {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("child_process: " + what + ": " + std::strerror(errno));
}

}  // namespace

child_process::child_process(const std::vector<std::string>& argv) {
  // A write to a child that died must fail with EPIPE, not end the test program.
  std::signal(SIGPIPE, SIG_IGN);
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) fail("pipe");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    fail("pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  stdin_ = in[1];
  stdout_ = out[0];
  if (rc != 0) {
    errno = rc;
    ::close(stdin_);
    ::close(stdout_);
    fail("cannot start " + argv.at(0));
  }
}

child_process::~child_process() {
  if (!status_) {
    kill();
    wait();
  }
  ::close(stdin_);
  ::close(stdout_);
}

std::optional<std::string> child_process::read_line(clock::time_point deadline) {
  for (;;) {
    if (auto end = buffer_.find('\n'); end != std::string::npos) {
      auto line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return line;
    }
    if (ended_) {
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, {});  // a last line without its newline
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left < 0) return std::nullopt;
    pollfd readable{stdout_, POLLIN, 0};
    int ready = ::poll(&readable, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) fail("poll");
    if (ready <= 0) continue;
    char chunk[4096];
    auto got = ::read(stdout_, chunk, sizeof chunk);
    if (got < 0 && errno != EINTR) fail("read");
    if (got == 0) ended_ = true;
    if (got > 0) buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

void child_process::write_line(std::string_view line) {
  std::string text = std::string(line) + "\n";
  if (::write(stdin_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) fail("write");
}

void child_process::kill() {
  if (!status_) ::kill(pid_, SIGKILL);
}

int child_process::wait() {
  while (!status_) {
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_)
      status_ = status;
    else if (errno != EINTR)
      fail("waitpid");
  }
  return *status_;
}

}  // namespace orca::test

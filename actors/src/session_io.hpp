// How a session actor runs its plans: each I/O request a plan yields becomes a typed
// message to the session's connection actor (checked out first if needed), and the reply
// resumes the plan. Timeouts cancel the statement; a lost connection is abandoned.
// Private to the session actor.
#pragma once

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "orca/model/plan.hpp"
#include "session_state.hpp"

namespace orca::actors {

/// Where the answer to one request of a plan goes: exactly one of the two calls runs.
class plan_step {
public:
  virtual ~plan_step() = default;
  /// The connection answered.
  virtual void reply(io_reply answer) = 0;
  /// The request failed (or the connection was lost).
  virtual void fail(std::exception_ptr failure) = 0;
};
using step_pointer = std::shared_ptr<plan_step>;

/// Performs one request of a plan on the session's connection; exactly one of `step`'s
/// calls runs.
void perform(session_pointer self, io_request& request, step_pointer step);
/// Handles a failed request to the connection: cancels and asks the connection's status
/// after a timeout, abandons a lost connection, or passes the error on.
void on_request_error(session_pointer self, caf::error& e, bool is_commit, bool is_rollback, const std::string& what,
                      plan_step& step);

/// A plan being run by the session actor: each request it yields is performed, and its
/// answer resumes it, until it ends and `done(failure[, value])` gets its outcome. One
/// allocation per plan; the messages of its requests hold a reference to it.
template <class T, class Done>
class running_plan final : public plan_step, public std::enable_shared_from_this<running_plan<T, Done>> {
public:
  running_plan(session_pointer self, plan<T> work, Done done)
      : self_(self), work_(std::move(work)), done_(std::move(done)) {}

  void start() {
    work_.start();
    run();
  }
  void reply(io_reply answer) override {
    work_.resume(std::move(answer));
    run();
  }
  void fail(std::exception_ptr failure) override {
    work_.fail(std::move(failure));
    run();
  }

private:
  void run() {
    if (!work_.done()) {
      perform(self_, work_.request(), this->shared_from_this());
      return;
    }
    try {
      if constexpr (std::is_void_v<T>) {
        work_.result();
        done_(nullptr);
      } else {
        done_(nullptr, work_.result());
      }
    } catch (...) {
      if constexpr (std::is_void_v<T>)
        done_(std::current_exception());
      else
        done_(std::current_exception(), T{});
    }
  }

  session_pointer self_;
  plan<T> work_;
  Done done_;
};

/// Runs a plan to its end; `done(failure[, value])` gets its outcome.
template <class T, class Done>
void start_plan(session_pointer self, plan<T> p, Done done) {
  std::make_shared<running_plan<T, Done>>(self, std::move(p), std::move(done))->start();
}

/// A step made of two functions (for a request that is not part of a plan).
template <class OnReply, class OnFail>
class function_step final : public plan_step {
public:
  function_step(OnReply on_reply, OnFail on_fail) : on_reply_(std::move(on_reply)), on_fail_(std::move(on_fail)) {}
  void reply(io_reply answer) override { on_reply_(std::move(answer)); }
  void fail(std::exception_ptr failure) override { on_fail_(std::move(failure)); }

private:
  OnReply on_reply_;
  OnFail on_fail_;
};

}  // namespace orca::actors

// How a session actor runs its plans: each I/O request a plan yields becomes a typed
// message to the session's connection actor (checked out first if needed), and the reply
// resumes the plan. Timeouts cancel the statement; a lost connection is abandoned.
// Private to the session actor.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "orca/model/plan.hpp"
#include "session_state.hpp"

namespace orca::actors {

using reply_handler = std::function<void(io_reply)>;
using failure_handler = std::function<void(std::exception_ptr)>;

/// Performs one request of a plan on the session's connection; exactly one handler runs.
void perform(session_pointer self, io_request& request, reply_handler on_reply, failure_handler on_fail);
/// Handles a failed request to the connection: cancels and asks the connection's status
/// after a timeout, abandons a lost connection, or passes the error on.
void on_request_error(session_pointer self, caf::error& e, bool is_commit, bool is_rollback, const std::string& what,
                      const reply_handler& on_reply, const failure_handler& on_fail);

// Runs a plan to its end; `done(failure, value)` gets its outcome.
template <class T, class Done>
void run_plan(session_pointer self, std::shared_ptr<plan<T>> work, Done done) {
  if (work->done()) {
    try {
      if constexpr (std::is_void_v<T>) {
        work->result();
        done(nullptr);
      } else {
        done(nullptr, work->result());
      }
    } catch (...) {
      if constexpr (std::is_void_v<T>)
        done(std::current_exception());
      else
        done(std::current_exception(), T{});
    }
    return;
  }
  perform(
      self, work->request(),
      [self, work, done](io_reply reply) {
        work->resume(std::move(reply));
        run_plan(self, work, done);
      },
      [self, work, done](std::exception_ptr failure) {
        work->fail(std::move(failure));
        run_plan(self, work, done);
      });
}

template <class T, class Done>
void start_plan(session_pointer self, plan<T> p, Done done) {
  auto work = std::make_shared<plan<T>>(std::move(p));
  work->start();
  run_plan(self, std::move(work), std::move(done));
}

}  // namespace orca::actors

// orca::task<T>: the coroutine type of orca's facade (lazy, awaitable once, owns its frame),
// and orca::when_all to await several tasks running concurrently on the same host.
// Used by user code (`orca::task<void> async_main(...)`) and by the facade itself.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "orca/model/coroutine_result.hpp"

namespace orca {

namespace detail {

struct promise_base {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;
  std::function<void(std::exception_ptr)> on_root_done;  ///< set for roots only

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto& p = h.promise();
      if (p.continuation) return p.continuation;  // symmetric transfer to the awaiter
      if (p.on_root_done) {                       // a root: free the frame, then report
        // The error is moved all the way to whoever waits for the root (often another
        // thread): no copy stays here to drop the last reference after that thread is done.
        auto done = std::move(p.on_root_done);
        auto error = std::move(p.error);
        h.destroy();
        done(std::move(error));
      }
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  std::suspend_always initial_suspend() noexcept { return {}; }
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T>
using promise_of = with_result<promise_base, T>;

}  // namespace detail

/// A coroutine returning T. Starts when awaited (or when handed to orca::run); runs on the
/// host actor of orca::run, one step at a time, like an actor's handlers.
template <class T = void>
class [[nodiscard]] task {
public:
  struct promise_type : detail::promise_of<T> {
    task get_return_object() { return task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
  };
  using handle_type = std::coroutine_handle<promise_type>;

  explicit task(handle_type h) noexcept : handle_(h) {}
  task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (handle_) handle_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
    handle_.promise().continuation = parent;
    return handle_;
  }
  T await_resume() { return handle_.promise().take(); }

  /// Gives up ownership of the frame (for the runtime that launches roots).
  handle_type release() noexcept { return std::exchange(handle_, {}); }

private:
  handle_type handle_;
};

namespace detail {

/// Starts `t` as a root coroutine on the current host; `done` runs when it finishes.
/// Throws orca::error(invalid_state) outside orca::run.
void launch_on_host(task<void> t, std::function<void(std::exception_ptr)> done);

/// Awaits a set of roots launched on the host.
class join_awaiter {
public:
  explicit join_awaiter(std::size_t count) : remaining_(count) {}
  bool await_ready() const noexcept { return remaining_ == 0; }
  void await_suspend(std::coroutine_handle<> h) noexcept { waiting_ = h; }
  void await_resume() {
    if (first_error_) std::rethrow_exception(first_error_);
  }
  /// Called by each finished child (on the host, serialized).
  void child_done(const std::exception_ptr& e) {
    if (e && !first_error_) first_error_ = e;
    if (--remaining_ == 0 && waiting_) std::exchange(waiting_, {}).resume();
  }

private:
  std::size_t remaining_;
  std::coroutine_handle<> waiting_;
  std::exception_ptr first_error_;
};

template <class T>
task<void> store_result(task<T> t, T* out) {
  *out = co_await std::move(t);
}
inline task<void> store_result(task<void> t) { co_await std::move(t); }

}  // namespace detail

/// Runs tasks concurrently (interleaved at their co_await points) and returns their results
/// in order; the first exception is rethrown once all have finished.
template <class T>
task<std::vector<T>> when_all(std::vector<task<T>> tasks) {
  std::vector<T> results(tasks.size());
  detail::join_awaiter join{tasks.size()};
  for (std::size_t i = 0; i < tasks.size(); ++i)
    detail::launch_on_host(detail::store_result(std::move(tasks[i]), &results[i]),
                           [&join](const std::exception_ptr& e) { join.child_done(e); });
  co_await join;
  co_return results;
}

/// Runs void tasks concurrently; the first exception is rethrown once all have finished.
inline task<void> when_all(std::vector<task<void>> tasks) {
  detail::join_awaiter join{tasks.size()};
  for (auto& t : tasks)
    detail::launch_on_host(detail::store_result(std::move(t)),
                           [&join](const std::exception_ptr& e) { join.child_done(e); });
  co_await join;
}

}  // namespace orca

// orca::plan<T>: the model's sans-I/O work. A plan is a coroutine that yields the statements
// it needs (`co_await io::execute{...}`) and takes their rows back; it never touches a
// connection. drive() runs one on a driver connection in a plain loop (sync_session, tests);
// the session actor runs the same plans by sending each request to its connection actor.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/model/coroutine_result.hpp"

namespace orca {

/// The I/O a plan can ask for. Each request names the reply it expects.
namespace io {
/// One statement with bound parameters; replies its rows (RETURNING rows for DML).
struct execute {
  std::string sql;
  params parameters;
};
/// One statement once per parameter set; replies the total of affected rows.
struct execute_many {
  std::string sql;
  std::vector<params> sets;
};
/// Several statements with one parameter set each (pipelined where the backend can);
/// replies each one's rows.
struct execute_batch {
  std::vector<std::pair<std::string, params>> statements;
  /// COMMIT goes with the statements, in their round trip
  /// (drivers::connection::execute_batch_and_commit): a statement that affects another
  /// number of rows than `expected_rows` gives it (-1: any; empty: none checked) fails the
  /// request with stale_data before COMMIT runs.
  bool commit = false;
  std::vector<std::int64_t> expected_rows{};
};
/// BEGIN, unless the connection is in a transaction already.
struct begin {};
/// Runs a function with the driver connection (session.run_sync); replies nothing.
struct run {
  std::function<void(drivers::connection&)> job;
};
/// COMMIT.
struct commit {};
/// ROLLBACK.
struct rollback {};
}  // namespace io

/// A pending I/O request of a plan.
using io_request =
    std::variant<io::execute, io::execute_many, io::execute_batch, io::begin, io::commit, io::rollback, io::run>;
/// The answer to an io_request: rows (execute), affected rows (execute_many), rowsets
/// (execute_batch) or nothing (begin, commit, rollback).
using io_reply = std::variant<std::monostate, drivers::rowset, std::int64_t, std::vector<drivers::rowset>>;

/// A short description of a request for logs and errors ("COMMIT", the SQL, ...).
std::string describe(const io_request& request);

template <class T>
class plan;

namespace detail {

/// What the outermost plan shares with every plan it awaits: the request in flight, its
/// answer, and the innermost suspended frame to resume with it.
struct plan_channel {
  std::optional<io_request> request;
  io_reply reply;
  std::exception_ptr failure;
  std::coroutine_handle<> waiting;
};

struct plan_promise_base {
  plan_channel own;
  plan_channel* channel = &own;
  std::coroutine_handle<> continuation;
  std::exception_ptr error;

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  std::suspend_always initial_suspend() noexcept { return {}; }
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

/// Awaits one I/O request: hands it to the driver through the channel.
template <class Reply>
class io_awaiter {
public:
  io_awaiter(plan_channel* channel, io_request request) : channel_(channel), request_(std::move(request)) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    channel_->request.emplace(std::move(request_));
    channel_->waiting = h;
  }
  Reply await_resume() {
    channel_->request.reset();
    if (auto failure = std::exchange(channel_->failure, nullptr)) std::rethrow_exception(failure);
    if constexpr (!std::is_void_v<Reply>) return std::get<Reply>(std::move(channel_->reply));
  }

private:
  plan_channel* channel_;
  io_request request_;
};

template <class Request>
struct reply_of;
template <>
struct reply_of<io::execute> {
  using type = drivers::rowset;
};
template <>
struct reply_of<io::execute_many> {
  using type = std::int64_t;
};
template <>
struct reply_of<io::execute_batch> {
  using type = std::vector<drivers::rowset>;
};
template <>
struct reply_of<io::begin> {
  using type = void;
};
template <>
struct reply_of<io::run> {
  using type = void;
};
template <>
struct reply_of<io::commit> {
  using type = void;
};
template <>
struct reply_of<io::rollback> {
  using type = void;
};

/// Awaits a nested plan: it shares the parent's channel and resumes the parent when done.
template <class U>
class child_awaiter {
public:
  explicit child_awaiter(plan<U>&& child) : child_(std::move(child)) {}
  // An empty plan<void> (no coroutine) means nothing to do: the parent goes on at once.
  bool await_ready() const noexcept {
    if constexpr (std::is_void_v<U>)
      return !child_;
    else
      return false;
  }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
    auto& promise = child_.handle_.promise();
    promise.channel = parent.promise().channel;
    promise.continuation = parent;
    return child_.handle_;
  }
  U await_resume() {
    if constexpr (std::is_void_v<U>) {
      if (!child_) return;
    }
    return child_.result();
  }

private:
  plan<U> child_;
};

struct plan_promise_io : plan_promise_base {
  // Requests that own data are awaited as named lvalues (`io::execute q{...}; co_await q;`)
  // and moved from: g++ 12 destroys a non-trivial temporary inside a co_await operand
  // twice, so taking only lvalues turns that crash into a compile error.
  template <class Request>
  requires requires {
    typename reply_of<Request>::type;
  } &&(!std::is_trivially_destructible_v<Request>)
      io_awaiter<typename reply_of<Request>::type> await_transform(Request& request) {
    return {channel, io_request{std::move(request)}};
  }
  template <class Request>
  requires requires {
    typename reply_of<Request>::type;
  } && std::is_trivially_destructible_v<Request> io_awaiter<void> await_transform(Request request) {
    return {channel, io_request{request}};
  }
  template <class U>
  child_awaiter<U> await_transform(plan<U>&& child) {
    return child_awaiter<U>{std::move(child)};
  }
};

template <class T>
using plan_promise = with_result<plan_promise_io, T>;

}  // namespace detail

/// A unit of the model's work that needs I/O: a load, a flush, a commit. Lazy: nothing
/// runs until start(). A driver then loops: while not done(), perform request() and hand
/// the answer to resume() (or the failure to fail(), which the plan sees as an exception
/// thrown by its co_await). result() gives the value or rethrows the plan's exception.
///
///     p.start();
///     while (!p.done()) p.resume(perform(connection, p.request()));
///     return p.result();
template <class T>
class [[nodiscard]] plan {
public:
  struct promise_type : detail::plan_promise<T> {
    plan get_return_object() { return plan{std::coroutine_handle<promise_type>::from_promise(*this)}; }
  };
  using handle_type = std::coroutine_handle<promise_type>;

  plan() = default;
  explicit plan(handle_type h) noexcept : handle_(h) {}
  plan(plan&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  plan& operator=(plan&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  plan(const plan&) = delete;
  plan& operator=(const plan&) = delete;
  ~plan() {
    if (handle_) handle_.destroy();
  }

  /// True for a plan that holds a coroutine. An empty plan<void>, awaited by another plan,
  /// is a step with nothing to do.
  explicit operator bool() const noexcept { return static_cast<bool>(handle_); }
  /// Runs the plan until it needs I/O or ends.
  void start() { handle_.resume(); }
  /// True once the plan ended (with a value or an exception).
  bool done() const noexcept { return handle_.done(); }
  /// The I/O the plan waits for (only while !done()).
  io_request& request() { return *handle_.promise().own.request; }
  /// Answers the pending request and runs the plan on.
  void resume(io_reply reply) {  // NOLINT(performance-unnecessary-value-param): moved from below; the check cannot see
                                 // through the dependent promise type
    auto& channel = handle_.promise().own;
    channel.reply = std::move(reply);
    std::exchange(channel.waiting, {}).resume();
  }
  /// Fails the pending request: the plan's co_await throws `failure`.
  void fail(std::exception_ptr failure) {  // NOLINT(performance-unnecessary-value-param): as resume()
    auto& channel = handle_.promise().own;
    channel.failure = std::move(failure);
    std::exchange(channel.waiting, {}).resume();
  }
  /// The plan's value; rethrows its exception.
  T result() { return handle_.promise().take(); }

private:
  template <class U>
  friend class detail::child_awaiter;
  handle_type handle_;
};

/// Performs one request on a driver connection (the synchronous driver).
io_reply perform(drivers::connection& connection, io_request& request);

/// Runs a plan to its end on a driver connection.
template <class T>
T drive(plan<T> work, drivers::connection& connection) {
  work.start();
  while (!work.done()) {
    io_reply reply;
    try {
      reply = perform(connection, work.request());
    } catch (...) {
      work.fail(std::current_exception());
      continue;
    }
    work.resume(std::move(reply));
  }
  return work.result();
}

}  // namespace orca

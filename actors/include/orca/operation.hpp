// orca::detail::operation<T>: the awaitable behind every facade call. Awaiting it sends one
// request from the host actor; the reply resumes the coroutine there. CAF stays in the .cpp.
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>

namespace orca::detail {

/// Where a request's outcome lands: a value or an exception.
template <class T>
struct outcome {
  std::optional<T> value;
  std::exception_ptr error;
};
template <>
struct outcome<void> {
  bool done = false;
  std::exception_ptr error;
};

/// An awaitable request: `start(outcome, handle)` sends it and arranges for the reply to
/// fill the outcome and resume the handle on the host actor.
template <class T>
class [[nodiscard]] operation {
public:
  using starter = std::function<void(outcome<T>&, std::coroutine_handle<>)>;
  explicit operation(starter start) : start_(std::move(start)) {}

  /// An operation that is over before it starts (nothing to send): awaiting it does not
  /// suspend.
  static operation done() requires std::is_void_v<T> {
    operation o{starter{}};
    o.outcome_.done = true;
    return o;
  }
  /// An operation whose value is known without asking anyone.
  template <class U = T>
  static operation ready(U x) requires(!std::is_void_v<U>) {
    operation o{starter{}};
    o.outcome_.value.emplace(std::move(x));
    return o;
  }
  bool await_ready() const noexcept { return !start_; }
  void await_suspend(std::coroutine_handle<> h) { start_(outcome_, h); }
  T await_resume() {
    if (outcome_.error) std::rethrow_exception(outcome_.error);
    if constexpr (!std::is_void_v<T>) return std::move(*outcome_.value);
  }

private:
  starter start_;
  outcome<T> outcome_;
};

}  // namespace orca::detail

// orca::detail::with_result: the value-or-exception half of a coroutine promise, shared by
// the model's plan<T> and the facade's task<T>.
#pragma once

#include <exception>
#include <optional>
#include <utility>

namespace orca::detail {

/// Adds return_value / return_void and take() to a promise base that has `error`
/// (an std::exception_ptr its unhandled_exception() sets).
template <class Base, class T>
struct with_result : Base {
  std::optional<T> value;
  template <class U>
  void return_value(U&& x) {
    value.emplace(std::forward<U>(x));
  }
  /// The value; rethrows the coroutine's exception.
  T take() {
    if (this->error) std::rethrow_exception(this->error);
    return std::move(*value);
  }
};

template <class Base>
struct with_result<Base, void> : Base {
  void return_void() noexcept {}
  /// Rethrows the coroutine's exception, if any.
  void take() {
    if (this->error) std::rethrow_exception(this->error);
  }
};

}  // namespace orca::detail

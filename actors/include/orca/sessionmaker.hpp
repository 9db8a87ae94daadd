// orca::async_sessionmaker: a factory of sessions bound to an engine (SQLAlchemy's
// async_sessionmaker). Used by application code.
#pragma once

#include <exception>
#include <type_traits>

#include "orca/engine.hpp"
#include "orca/model/sync_session.hpp"
#include "orca/session.hpp"

namespace orca {

namespace detail {
/// The value type of an orca::task.
template <class Task>
struct task_value;
template <class T>
struct task_value<task<T>> {
  using type = T;
};
}  // namespace detail

/// A factory of sessions bound to an engine (SQLAlchemy's async_sessionmaker).
class async_sessionmaker {
public:
  explicit async_sessionmaker(engine e, session_options options = {}) : engine_(std::move(e)), options_(options) {}
  /// A new session.
  async_session operator()() const { return async_session{engine_.state(), options_}; }

  /// Runs `work(session)` on a new session inside a transaction (SQLAlchemy's
  /// `async with async_session.begin() as session:`): commits when `work` returns, rolls
  /// back and rethrows when it throws, and closes the session either way. `work` returns an
  /// `orca::task<R>`; begin() returns its value.
  ///
  /// ```cpp
  /// co_await make_session.begin([](orca::async_session& s) -> orca::task<void> {
  ///   s.add(item{.name = "bolt"});
  ///   co_return;
  /// });
  /// ```
  template <class Work>
  auto begin(Work work) const -> std::invoke_result_t<Work&, async_session&> {
    using result_type = typename detail::task_value<std::invoke_result_t<Work&, async_session&>>::type;
    auto session = (*this)();
    std::exception_ptr failure;
    {
      auto tx = co_await session.begin();
      try {
        if constexpr (std::is_void_v<result_type>) {
          co_await work(session);
          co_await tx.commit();
          co_await session.close();
          co_return;
        } else {
          auto result = co_await work(session);
          co_await tx.commit();
          co_await session.close();
          co_return result;
        }
      } catch (...) {
        failure = std::current_exception();
      }
    }
    co_await session.close();  // rolls back what work() left uncommitted
    std::rethrow_exception(failure);
  }

private:
  engine engine_;
  session_options options_;
};

}  // namespace orca

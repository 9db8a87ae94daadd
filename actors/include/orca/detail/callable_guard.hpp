// The compile-time guard against g++ 12's double destruction of capturing lambda temporaries
// inside co_await expressions. Used by every facade call that takes a callable (run_sync).
#pragma once

#include <type_traits>

// g++ 12 destroys a lambda temporary *with captures* twice when it is written inside a
// co_await operand, whatever the callee takes (std::function or a template, by value or by
// forwarding reference): `co_await engine.begin().run_sync([meta](orca::connection& c) {...})`
// frees `meta` twice and crashes. A named lambda, a lambda without captures and a function
// pointer are safe. No API shape avoids the bug, so on g++ 12 the facade refuses the unsafe
// form at compile time. Define ORCA_GUARD_CO_AWAIT_TEMPORARIES to 0 to lift the guard (for a
// fixed compiler), or to 1 to force it.
#ifndef ORCA_GUARD_CO_AWAIT_TEMPORARIES
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#define ORCA_GUARD_CO_AWAIT_TEMPORARIES 1
#else
#define ORCA_GUARD_CO_AWAIT_TEMPORARIES 0
#endif
#endif

namespace orca::detail {

/// Whether this compiler needs the guard (see ORCA_GUARD_CO_AWAIT_TEMPORARIES).
inline constexpr bool guard_co_await_temporaries = ORCA_GUARD_CO_AWAIT_TEMPORARIES != 0;

/// True when a callable passed as `F&&` is safe inside a co_await operand on every compiler
/// orca supports: an lvalue (a named lambda or function), a class without state (a lambda
/// without captures), or a function pointer.
template <class F>
inline constexpr bool safe_in_co_await = !guard_co_await_temporaries || std::is_lvalue_reference_v<F> ||
                                         std::is_empty_v<std::decay_t<F>> ||
                                         (std::is_pointer_v<std::decay_t<F>> &&
                                          std::is_function_v<std::remove_pointer_t<std::decay_t<F>>>);

/// Refuses, on g++ 12, a temporary callable with state (a lambda with captures written in place).
template <class F>
constexpr void require_safe_in_co_await() {
  static_assert(safe_in_co_await<F>,
                "orca: g++ 12 destroys a capturing lambda written inside a co_await expression twice "
                "(a crash). Bind the lambda to a local first: auto fn = [..](..){..}; "
                "co_await x.run_sync(fn);  (lambdas without captures may stay in place)");
}

}  // namespace orca::detail

// orca::overloaded: a visitor made of lambdas, for std::visit over io_request and the like.
// Used by the plan drivers (model/src/plan.cpp, the session actor).
#pragma once

namespace orca {

/// Combines lambdas into one overloaded callable.
template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace orca

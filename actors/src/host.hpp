// The host side of the coroutine facade: the root coroutines of a host actor, the deadlines
// of the requests they await, and which host runs the current coroutine step. Private to
// the actors layer (runtime.cpp, run.cpp, request.hpp).
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>
#include <utility>

#include <caf/event_based_actor.hpp>

#include "orca/task.hpp"

namespace orca::actors {

/// The root coroutines of a host actor and the deadlines of the requests they await. Kept
/// in the host's state: frames still suspended when the host quits are destroyed with it.
///
/// Deadlines: a CAF request timeout registers with CAF's clock thread and wakes it once per
/// request; the facade instead sends its requests without one and keeps their deadlines
/// here, checked by one tick of the host (tick_interval) while any is pending.
class coroutine_roots {
public:
  using clock = std::chrono::steady_clock;
  /// How often pending deadlines are checked: a request fails at most this late.
  static constexpr std::chrono::milliseconds tick_interval{250};

  coroutine_roots() = default;
  coroutine_roots(const coroutine_roots&) = delete;
  coroutine_roots& operator=(const coroutine_roots&) = delete;
  ~coroutine_roots();
  /// Runs `t` until its first suspension; `done` runs (noexcept context) when it finishes.
  void launch(task<void> t, std::function<void(std::exception_ptr)> done);

  /// What a watched request's expiry does: fills `error` with a request_timeout naming
  /// `what` and `timeout`, then resumes `awaiting` on `host`. `what` and `error` live in the
  /// awaiting operation, which outlives the watch (it ends when the request settles or expires).
  struct expiry {
    std::exception_ptr* error = nullptr;
    caf::event_based_actor* host = nullptr;
    std::coroutine_handle<> awaiting;
    const std::string* what = nullptr;
    std::chrono::milliseconds timeout{0};
  };

  /// Watches a request until `deadline`. Returns its id and whether the host must start
  /// ticking (no tick was pending). No allocation once the host has watched as many requests
  /// at once before.
  std::pair<std::uint64_t, bool> watch(clock::time_point deadline, const expiry& e);
  /// Settles a watched request; false if it already expired (its reply must be ignored).
  bool settle(std::uint64_t id) noexcept;
  /// Runs the expiries that are due; returns whether the host must tick again.
  bool tick();

private:
  std::unordered_set<void*> frames_;  // keyed by address: libstdc++ 12 cannot hash handles
  // A slot per request in flight, reused: an id is the slot's index and its generation, so
  // a late settle of an expired request finds a newer generation and fails.
  struct slot {
    clock::time_point deadline;
    std::uint32_t generation = 0;
    bool active = false;
    expiry what;
  };
  /// Frees a slot for the next request.
  void release(std::uint32_t index);

  std::vector<slot> slots_;
  std::vector<std::uint32_t> free_;
  std::size_t active_ = 0;
  bool ticking_ = false;
};

/// The host actor running the current coroutine step, or null outside orca::run.
caf::event_based_actor* current_host() noexcept;
/// The roots of the current host, or null outside orca::run.
coroutine_roots* current_roots() noexcept;

/// Marks `host` as the current host for the scope's duration (on this thread). Every
/// resumption of a facade coroutine happens inside one.
class host_scope {
public:
  host_scope(caf::event_based_actor* host, coroutine_roots* roots) noexcept;
  ~host_scope();
  host_scope(const host_scope&) = delete;
  host_scope& operator=(const host_scope&) = delete;

private:
  caf::event_based_actor* previous_host_;
  coroutine_roots* previous_roots_;
};

/// Resumes a facade coroutine on `host` (sets the host scope around the resumption).
void resume_on(caf::event_based_actor* host, coroutine_roots* roots, std::coroutine_handle<> h);

}  // namespace orca::actors

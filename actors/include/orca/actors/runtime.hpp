// orca::actors::runtime: the actor system shared by the engines and orca::run of a process,
// and the host actor coroutines run on. Internal to the actors layer and its facade.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <unordered_set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include "orca/task.hpp"

namespace orca::actors {

/// The process's actor system, alive while an engine or a run() holds it.
class runtime {
public:
  runtime();
  ~runtime();
  runtime(const runtime&) = delete;
  /// The shared runtime, created on first use and destroyed with its last holder.
  static std::shared_ptr<runtime> get();
  /// The actor system.
  caf::actor_system& system() noexcept { return *system_; }

private:
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
};

/// The root coroutines of a host actor. Kept in the host's state: frames still suspended
/// when the host quits are destroyed with it.
class coroutine_roots {
public:
  coroutine_roots() = default;
  coroutine_roots(const coroutine_roots&) = delete;
  ~coroutine_roots();
  /// Runs `t` until its first suspension; `done` runs (noexcept context) when it finishes.
  void launch(task<void> t, std::function<void(std::exception_ptr)> done);

private:
  std::unordered_set<void*> frames_;  // keyed by address: libstdc++ 12 cannot hash handles
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

private:
  caf::event_based_actor* previous_host_;
  coroutine_roots* previous_roots_;
};

/// Resumes a facade coroutine on `host` (sets the host scope around the resumption).
void resume_on(caf::event_based_actor* host, coroutine_roots* roots, std::coroutine_handle<> h);

}  // namespace orca::actors

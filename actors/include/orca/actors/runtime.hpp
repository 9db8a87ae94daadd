// orca::actors::runtime: the actor system shared by the engines and orca::run of a process.
// Programs made of CAF actors spawn theirs on it (runtime::get()->system()).
#pragma once

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

namespace orca::actors {

/// The process's actor system, alive while an engine or a run() holds it.
class runtime {
public:
  runtime();
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  /// The shared runtime, created on first use and destroyed with its last holder.
  static std::shared_ptr<runtime> get();
  /// The actor system.
  caf::actor_system& system() noexcept { return *system_; }

private:
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
};

}  // namespace orca::actors

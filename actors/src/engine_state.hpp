// orca::detail::engine_state: what an engine shares with its sessions — the runtime, the
// pool actor, the SQLite checkpointer and the options. Internal to the facade's .cpp files (includes CAF).
#pragma once

#include <memory>

#include "checkpointer.hpp"
#include "orca/actors/pool_actor.hpp"
#include "orca/actors/session_actor.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/engine.hpp"

namespace orca::detail {

struct engine_state {
  std::shared_ptr<actors::runtime> runtime;
  orca::url target;
  engine_options options;
  actors::pool_actor pool;
  actors::checkpointer_actor checkpointer;  ///< SQLite files only

  /// Timeout of one facade request. Sessions answer by themselves within their own limits
  /// (a checkout, then a statement and its cancellation); this only catches an actor that
  /// is gone.
  std::chrono::milliseconds facade_timeout() const {
    return options.request_timeout + options.pool_timeout + std::chrono::seconds(10);
  }
  /// The limits a session actor works within.
  actors::session_limits session_limits() const {
    return {options.request_timeout, options.pool_timeout, options.stream_idle_timeout};
  }
  engine_state() = default;
  engine_state(const engine_state&) = delete;
  engine_state& operator=(const engine_state&) = delete;
  ~engine_state();
};

}  // namespace orca::detail

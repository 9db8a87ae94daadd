// orca::detail::engine_state: what an engine shares with its sessions — the runtime, the
// pool actor and the options. Internal to the facade's .cpp files (includes CAF).
#pragma once

#include <memory>

#include "orca/actors/pool_actor.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/engine.hpp"

namespace orca::detail {

struct engine_state {
  std::shared_ptr<actors::runtime> runtime;
  orca::url target;
  engine_options options;
  actors::pool_actor pool;

  /// Timeout of one facade request: the operation's own timeout plus a pool checkout.
  std::chrono::milliseconds facade_timeout() const {
    return options.request_timeout + options.pool_timeout + std::chrono::seconds(5);
  }
  ~engine_state();
};

}  // namespace orca::detail

// The session actor's state, and the two transitions every part of it uses: giving the
// connection back and abandoning it. Private to session_actor.cpp and session_io.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "orca/actors/session_actor.hpp"

namespace orca::actors {

struct session_state {
  std::unique_ptr<sync_session> core;
  const drivers::dialect* dialect = nullptr;
  pool_actor pool;
  connection_handle connection;
  session_limits limits;
  std::vector<stream_actor> streams;
  static inline const char* name = "orca.session";
};

using session_pointer = session_actor::stateful_pointer<session_state>;
using session_pointer = session_actor::stateful_pointer<session_state>;

/// Gives the connection back once no transaction or stream needs it.
void release_if_idle(session_pointer self);
/// Drops a connection that is lost or stuck: it is killed (its pool sees it die and
/// replaces it), and the session's transaction is gone with it.
void abandon(session_pointer self, const std::string& why);

}  // namespace orca::actors

// write_lock_queue: the connection actors of one process waiting for one SQLite database's
// write lock, woken in arrival order when a holder in this process ends its transaction.
// Private to the connection actor.
#pragma once

#include <cstdint>
#include <string>

#include "orca/actors/connection_actor.hpp"

namespace orca::actors {

/// Queues `waiter` (with its retry id) for the write lock of database `path`.
void wait_for_write_lock(const std::string& path, const connection_actor& waiter, std::uint64_t id);
/// Wakes the first waiter for `path`, if any (a transaction on it just ended).
void write_lock_released(const std::string& path);

}  // namespace orca::actors

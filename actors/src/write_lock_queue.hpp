// write_lock_queue: the connection actors of one process waiting for one SQLite database's
// write lock, woken in arrival order when a holder in this process ends its transaction.
// It also knows which connection of this process holds the lock (with BEGIN IMMEDIATE), so
// that a waiter behind it needs no polling timer: the holder's end wakes it.
// Private to the connection actor.
#pragma once

#include <cstdint>
#include <string>

#include "orca/actors/connection_actor.hpp"

namespace orca::actors {

/// Queues `waiter` (with its retry id) for the write lock of database `path`. Returns
/// whether a connection of this process holds the lock now (its end will wake the queue).
bool wait_for_write_lock(const std::string& path, const connection_actor& waiter, std::uint64_t id);
/// Whether a connection of this process holds the write lock of `path` now.
bool write_lock_held_here(const std::string& path);
/// Records that `holder` (a connection actor's address) took the write lock of `path`.
void write_lock_taken(const std::string& path, const void* holder);
/// A transaction of `connection` on `path` just ended (or the connection did): if it held
/// the write lock it is free now, and the first waiter, if any, is woken. A connection
/// that did not hold it while another of this process does wakes nobody.
void write_lock_released(const std::string& path, const void* connection);

}  // namespace orca::actors

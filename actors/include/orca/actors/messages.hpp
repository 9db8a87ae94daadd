// The atoms and payload types of orca's actor messages, and the error category that carries
// orca::error across actors. Included by every actor interface header (CAF lives here only).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>

#include "orca/drivers/connection.hpp"
#include "orca/drivers/error.hpp"
#include "orca/model/select.hpp"
#include "orca/model/table.hpp"

namespace orca::actors {

using run_atom = caf::atom_constant<caf::atom("run")>;
using execute_atom = caf::atom_constant<caf::atom("execute")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using checkout_atom = caf::atom_constant<caf::atom("checkout")>;
using checkin_atom = caf::atom_constant<caf::atom("checkin")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using dispose_atom = caf::atom_constant<caf::atom("dispose")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using add_atom = caf::atom_constant<caf::atom("add")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using rollback_atom = caf::atom_constant<caf::atom("rollback")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using stream_atom = caf::atom_constant<caf::atom("stream")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;

/// Work a connection actor runs with its driver connection, on its own thread.
/// The function reports results through what it captured; exceptions become error replies.
struct connection_job {
  std::function<void(const std::shared_ptr<drivers::connection>&)> run;
};

/// A snapshot of a pool, for tests and monitoring.
struct pool_status {
  std::size_t size = 0;          ///< configured pool size
  std::size_t max_overflow = 0;  ///< configured overflow
  std::size_t idle = 0;          ///< connections waiting in the pool
  std::size_t checked_out = 0;   ///< connections lent to sessions
  std::size_t opening = 0;       ///< connections being opened
  std::size_t waiting = 0;       ///< checkouts waiting for a connection
  std::size_t opened = 0;        ///< connections opened since start
  std::size_t replaced = 0;      ///< connections that died and were dropped
};

/// Objects and statements as messages (local only, never serialized).
using object_list = std::vector<object_ref>;
/// A mapped class's table, as a message element (CAF refuses raw pointers).
struct table_pointer {
  const table_info* table = nullptr;
};

/// Turns an orca::error into a caf::error of category "orca" (code and details kept).
caf::error to_caf_error(const orca::error& e);
/// Turns an exception in flight into a caf::error (orca::error keeps its code).
caf::error current_exception_to_caf_error();
/// Turns any caf::error into an orca::error with a clear message: orca's own errors
/// come back as they were; timeouts and dead receivers get orca codes.
orca::error from_caf_error(const caf::error& e, std::string_view during);

}  // namespace orca::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::connection_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::pool_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::object_ref)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::object_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::select_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::drivers::rowset)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::params)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::table_pointer)

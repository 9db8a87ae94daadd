// The data orca's actor messages carry (local only, never serialized): statements, rows,
// objects, pool and connection snapshots. Included by the actor interface headers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "orca/drivers/connection.hpp"
#include "orca/model/pending_rows.hpp"
#include "orca/model/query_request.hpp"
#include "orca/model/result_sink.hpp"
#include "orca/model/select.hpp"
#include "orca/model/table.hpp"

namespace orca::actors {

/// User code a connection actor runs with its driver connection (engine.begin().run_sync):
/// the one message that carries code, because running the user's function is its contract.
struct connection_job {
  std::function<void(drivers::connection&)> run;
};

/// Statements of a batch: SQL and one parameter set each.
using statement_list = std::vector<std::pair<std::string, params>>;
/// The rowsets of a batch, one per statement.
using rowset_list = std::vector<drivers::rowset>;
/// Per statement of a batch that carries COMMIT, the rows it must affect (-1: unchecked).
using expected_counts = std::vector<std::int64_t>;
/// Parameter sets of an execute_many.
using parameter_sets = std::vector<params>;

/// What a connection knows of its last COMMIT.
enum class commit_result : std::uint8_t { none, committed, failed };

/// A connection's state after everything sent before it was handled (the answer to
/// status_atom); used by sessions to learn what a timed-out request did.
struct connection_status {
  bool open = false;                                ///< a driver connection is open and not broken
  bool in_transaction = false;                      ///< a transaction is open
  commit_result last_commit = commit_result::none;  ///< the outcome of the last COMMIT
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

/// Objects as a message.
using object_list = std::vector<object_ref>;
/// The list a buffered query puts its objects in (loader::load_into), as a message.
using result_sink_ptr = std::shared_ptr<result_sink>;
/// New objects' rows as a message (null: none); the receiver takes them out.
using row_batch = std::shared_ptr<pending_rows>;
/// A mapped class's table, as a message element (CAF refuses raw pointers).
struct table_pointer {
  const table_info* table = nullptr;
};

}  // namespace orca::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::connection_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::pool_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::connection_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::object_ref)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::object_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::row_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::result_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::select_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::rows_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::drivers::rowset)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::rowset_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::statement_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::parameter_sets)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::params)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::actors::table_pointer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::query_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::query_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(orca::key)

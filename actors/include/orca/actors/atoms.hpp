// The atoms that name orca's actor messages. Included by every actor interface header.
#pragma once

#include <caf/atom.hpp>

namespace orca::actors {

using run_atom = caf::atom_constant<caf::atom("run")>;
using execute_atom = caf::atom_constant<caf::atom("execute")>;
using many_atom = caf::atom_constant<caf::atom("many")>;
using batch_atom = caf::atom_constant<caf::atom("batch")>;
using begin_atom = caf::atom_constant<caf::atom("begin")>;
using savepoint_atom = caf::atom_constant<caf::atom("savepoint")>;
using cursor_atom = caf::atom_constant<caf::atom("cursor")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using alive_atom = caf::atom_constant<caf::atom("alive")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using checkout_atom = caf::atom_constant<caf::atom("checkout")>;
using checkin_atom = caf::atom_constant<caf::atom("checkin")>;
using abandon_atom = caf::atom_constant<caf::atom("abandon")>;
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
/// With fetch: the batch as rows, not merged into objects (a stream of rows of columns).
using rows_atom = caf::atom_constant<caf::atom("rows")>;
using merge_atom = caf::atom_constant<caf::atom("merge")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using expunge_atom = caf::atom_constant<caf::atom("expunge")>;
using invalidate_atom = caf::atom_constant<caf::atom("invalidate")>;
using in_tx_atom = caf::atom_constant<caf::atom("in_tx")>;
using query_atom = caf::atom_constant<caf::atom("query")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;
/// With commit or rollback: the session actor quits afterwards if it holds nothing.
using hibernate_atom = caf::atom_constant<caf::atom("hibernate")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;

}  // namespace orca::actors

// The actor backend example: an order service with one orca session actor per request, and a
// report actor pulling every order through a stream; no coroutines. Used by its main, orca-demo, tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actor_backend_models.hpp"
#include "orca/actors/pool_actor.hpp"
#include "orca/actors/session_actor.hpp"

namespace actor_backend {

/// Names a create-order request.
using create_atom = caf::atom_constant<caf::atom("create")>;
/// Names a list-a-customer's-orders request.
using list_atom = caf::atom_constant<caf::atom("list")>;
/// Names a report request.
using report_atom = caf::atom_constant<caf::atom("report")>;

/// Totals of every order, as the report actor computed them from a stream.
struct order_report {
  std::int64_t orders = 0;                     ///< orders read
  std::int64_t batches = 0;                    ///< batches of orders pulled, one fetch in flight at a time
  std::int64_t largest_batch = 0;              ///< the most orders the report held at once
  std::map<std::string, std::int64_t> counts;  ///< orders per customer
  std::map<std::string, std::int64_t> totals;  ///< amount_cents summed per customer
};

/// Lets CAF carry orders in messages.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order& x) {
  return f(caf::meta::type_name("order"), x.id, x.customer, x.amount_cents);
}

/// Lets CAF carry reports in messages.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_report& x) {
  return f(caf::meta::type_name("order_report"), x.orders, x.batches, x.largest_batch, x.counts, x.totals);
}

/// Timeouts of the example's actors.
struct service_limits {
  orca::actors::session_limits session;           ///< each session's own limits
  std::chrono::milliseconds step_timeout{30000};  ///< per request to a session or a stream
};

/// The request handler. Each request works in a session actor of its own, closed before the
/// reply, so requests run in parallel on the pool's connections.
///
/// - `(create, customer, amount_cents)` -> order id: inserts the order and commits.
///   Errors: invalid_argument (empty customer, amount not positive), the database's.
/// - `(list, customer)` -> orders: the customer's orders by id.
/// - `(close)` -> ok: refuses new requests (closed), answers once every request in flight is
///   settled, then quits.
using order_service = caf::typed_actor<caf::replies_to<create_atom, std::string, std::int64_t>::with<std::int64_t>,
                                       caf::replies_to<list_atom, std::string>::with<std::vector<order>>,
                                       caf::replies_to<orca::actors::close_atom>::with<orca::actors::ok_atom>>;

/// The report actor.
///
/// - `(report, batch_size)` -> order_report: streams every order through a session of its
///   own, pulling one batch of at most batch_size orders at a time.
/// - `(close)` -> ok: as the order service's.
using report_service = caf::typed_actor<caf::replies_to<report_atom, std::uint64_t>::with<order_report>,
                                        caf::replies_to<orca::actors::close_atom>::with<orca::actors::ok_atom>>;

/// Spawns the order service over `pool`; `which` picks the SQL dialect of its sessions.
order_service spawn_order_service(caf::actor_system& system, orca::actors::pool_actor pool, orca::backend which,
                                  service_limits limits);

/// Spawns the report actor over `pool`; `which` picks the SQL dialect of its sessions.
report_service spawn_report_service(caf::actor_system& system, orca::actors::pool_actor pool, orca::backend which,
                                    service_limits limits);

/// The example's actors: the pool and the two services drawing sessions from it.
struct backend_actors {
  orca::actors::pool_actor pool;
  order_service orders;
  report_service reports;
};

/// Spawns a pool of `pool_size` connections (as many again under load) on `target` and both
/// services over it. On SQLite, as orca's engine does by default, reads run in autocommit and
/// a transaction's first flush takes the write lock with BEGIN IMMEDIATE: concurrent writers
/// queue for the lock instead of failing with database_busy, and readers never hold it.
backend_actors spawn_backend(caf::actor_system& system, const orca::url& target, std::size_t pool_size);

/// What run() asks of the backend.
struct workload {
  std::vector<std::string> customers{"ada", "barbara", "grace", "linus"};  ///< served in turn
  std::size_t orders = 24;                            ///< create-order requests, all in flight at once
  std::uint64_t report_batch = 5;                     ///< orders per batch the report pulls
  std::size_t pool_size = 4;                          ///< connections the pool keeps (and as many again under load)
  std::chrono::milliseconds request_timeout{120000};  ///< per request to the order and report actors
};

/// One create-order request and the id it got.
struct placed_order {
  std::string customer;
  std::int64_t amount_cents = 0;
  std::int64_t id = 0;
};

/// What the backend did.
struct outcome {
  std::vector<placed_order> placed;                  ///< every order created, in request order
  std::map<std::string, std::vector<order>> listed;  ///< what list answered, per customer
  order_report report;                               ///< what the report answered
};

/// Drops and creates the example's tables, runs `work` through the actors (every create at
/// once; then every list and the report at once), shuts the actors down and prints what they
/// did to `out`. Throws orca::error with the first failure, after the shutdown.
outcome run(const std::string& url, std::ostream& out, const workload& work = {});

/// run() for a main: 0 on success; 1 with the error printed to `err` otherwise.
int run_actor_backend(const std::string& url, std::ostream& out, std::ostream& err);

}  // namespace actor_backend

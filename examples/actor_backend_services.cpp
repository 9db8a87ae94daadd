// The order service and the report actor of the actor backend example: every request works in
// a session actor of its own and is answered once that session is closed. Spawned by run() and tests.
#include "actor_backend.hpp"

#include <algorithm>
#include <memory>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/stream_actor.hpp"
#include "orca/actors/typed_objects.hpp"
#include "orca/model/select.hpp"

namespace actor_backend {

namespace {

using orca::actors::close_atom;
using orca::actors::object_list;
using orca::actors::ok_atom;
using orca::actors::session_actor;
using orca::actors::stream_actor;

// What the order service and the report actor keep. A close waits in `closing` until the
// last request in flight is settled.
struct service_state {
  service_state() = default;  // not an aggregate: CAF would construct it from the actor pointer
  orca::actors::pool_actor pool;
  orca::backend which = orca::backend::sqlite;
  service_limits limits;
  std::size_t in_flight = 0;
  std::optional<caf::typed_response_promise<ok_atom>> closing;
  static inline const char* name = "example.service";
};

using order_pointer = order_service::stateful_pointer<service_state>;
using report_pointer = report_service::stateful_pointer<service_state>;

caf::error refused(const char* service) {
  return orca::actors::to_caf_error(
      orca::error{orca::errc::closed, std::string{service} + " is closing and takes no new requests"});
}

template <class Self>
void init(Self* self, orca::actors::pool_actor pool, orca::backend which, service_limits limits) {
  auto& st = self->state;
  st.pool = std::move(pool);
  st.which = which;
  st.limits = limits;
}

// One session per request: sessions serve their calls one at a time, so requests that
// shared one would queue behind each other.
template <class Self>
session_actor open_session(Self* self) {
  auto& st = self->state;
  orca::session_options options;
  options.expire_on_commit = false;  // the create reply reads the new id after commit
  return orca::actors::spawn_session(self->system(), st.pool, st.which, options, st.limits.session);
}

// A request is settled: a pending close may now be answered.
template <class Self>
void settled(Self* self) {
  auto& st = self->state;
  if (--st.in_flight == 0 && st.closing) {
    st.closing->deliver(ok_atom::value);
    st.closing.reset();
    self->quit();
  }
}

// Closes a request's session, then answers the request with `result`. A session that does
// not close in time is killed: its pool sees the holder die and rolls the connection back.
template <class Self, class T>
void settle(Self* self, session_actor session, caf::typed_response_promise<T> promise, caf::expected<T> result) {
  auto answer = [=]() mutable {
    if (result)
      promise.deliver(std::move(*result));
    else
      promise.deliver(result.error());
    settled(self);
  };
  self->request(session, self->state.limits.step_timeout, close_atom::value)
      .then([=](ok_atom) mutable { answer(); },
            [=](caf::error&) mutable {
              self->send_exit(session, caf::exit_reason::kill);
              answer();
            });
}

template <class Self>
caf::result<ok_atom> close_service(Self* self) {
  auto& st = self->state;
  if (st.closing) return refused("the service");
  if (st.in_flight == 0) {
    self->quit();
    return ok_atom::value;
  }
  st.closing = self->template make_response_promise<ok_atom>();
  return *st.closing;
}

void create_order(order_pointer self, std::string customer, std::int64_t amount_cents,
                  caf::typed_response_promise<std::int64_t> promise) {
  auto session = open_session(self);
  auto placed = std::make_shared<order>(order{0, std::move(customer), amount_cents});
  auto step = self->state.limits.step_timeout;
  auto fail = [=](caf::error& e) { settle(self, session, promise, caf::expected<std::int64_t>{std::move(e)}); };
  self->request(session, step, orca::actors::add_atom::value, object_list{orca::actors::ref_of(placed)})
      .then(
          [=](ok_atom) {
            self->request(session, step, orca::actors::commit_atom::value)
                .then([=](ok_atom) { settle(self, session, promise, caf::expected<std::int64_t>{placed->id}); }, fail);
          },
          fail);
}

void list_orders(order_pointer self, const std::string& customer,
                 caf::typed_response_promise<std::vector<order>> promise) {
  auto session = open_session(self);
  auto query = orca::select<order>().where(orca::col(&order::customer) == customer).order_by(&order::id);
  self->request(session, self->state.limits.step_timeout, orca::actors::execute_atom::value, query.spec())
      .then(
          [=](object_list& objects) {
            std::vector<order> orders;
            for (auto& o : orca::actors::objects_as<order>(objects)) orders.push_back(*o);
            settle(self, session, promise, caf::expected<std::vector<order>>{std::move(orders)});
          },
          [=](caf::error& e) { settle(self, session, promise, caf::expected<std::vector<order>>{std::move(e)}); });
}

order_service::behavior_type order_service_impl(order_pointer self, orca::actors::pool_actor pool, orca::backend which,
                                                service_limits limits) {
  init(self, std::move(pool), which, limits);
  return {
      [=](create_atom, std::string& customer, std::int64_t amount_cents) -> caf::result<std::int64_t> {
        if (self->state.closing) return refused("the order service");
        if (customer.empty() || amount_cents <= 0)
          return orca::actors::to_caf_error(orca::error{
              orca::errc::invalid_argument, "an order needs a customer and a positive amount (got '" + customer +
                                                "', " + std::to_string(amount_cents) + " cents)"});
        ++self->state.in_flight;
        auto promise = self->make_response_promise<std::int64_t>();
        create_order(self, std::move(customer), amount_cents, promise);
        return promise;
      },
      [=](list_atom, const std::string& customer) -> caf::result<std::vector<order>> {
        if (self->state.closing) return refused("the order service");
        ++self->state.in_flight;
        auto promise = self->make_response_promise<std::vector<order>>();
        list_orders(self, customer, promise);
        return promise;
      },
      [=](close_atom) { return close_service(self); },
  };
}

void count_batch(order_report& report, const object_list& batch) {
  if (batch.empty()) return;  // a stream may end with an empty batch
  ++report.batches;
  report.largest_batch = std::max<std::int64_t>(report.largest_batch, static_cast<std::int64_t>(batch.size()));
  for (auto& o : batch) {
    auto& placed = *orca::actors::object_as<order>(o);
    ++report.orders;
    ++report.counts[placed.customer];
    report.totals[placed.customer] += placed.amount_cents;
  }
}

// The pull protocol: the next fetch goes out only once the last batch is counted, so the
// stream never runs more than its one prefetched batch ahead of the report.
void pull(report_pointer self, session_actor session, stream_actor stream,
          caf::typed_response_promise<order_report> promise, std::shared_ptr<order_report> report) {
  self->request(stream, self->state.limits.step_timeout, orca::actors::fetch_atom::value)
      .then(
          [=](object_list& batch, bool more) {
            count_batch(*report, batch);
            if (more)
              pull(self, session, stream, promise, report);
            else
              settle(self, session, promise, caf::expected<order_report>{*report});
          },
          [=](caf::error& e) {
            self->send(stream, close_atom::value);  // after a fetch timeout it may still be open
            settle(self, session, promise, caf::expected<order_report>{std::move(e)});
          });
}

report_service::behavior_type report_service_impl(report_pointer self, orca::actors::pool_actor pool,
                                                  orca::backend which, service_limits limits) {
  init(self, std::move(pool), which, limits);
  return {
      [=](report_atom, std::uint64_t batch_size) -> caf::result<order_report> {
        if (self->state.closing) return refused("the report actor");
        ++self->state.in_flight;
        auto promise = self->make_response_promise<order_report>();
        auto session = open_session(self);
        auto every_order = orca::select<order>().order_by(&order::id);
        self->request(session, self->state.limits.step_timeout, orca::actors::stream_atom::value, every_order.spec(),
                      batch_size)
            .then([=](stream_actor& stream) { pull(self, session, stream, promise, std::make_shared<order_report>()); },
                  [=](caf::error& e) { settle(self, session, promise, caf::expected<order_report>{std::move(e)}); });
        return promise;
      },
      [=](close_atom) { return close_service(self); },
  };
}

}  // namespace

order_service spawn_order_service(caf::actor_system& system, orca::actors::pool_actor pool, orca::backend which,
                                  service_limits limits) {
  return system.spawn(order_service_impl, std::move(pool), which, limits);
}

report_service spawn_report_service(caf::actor_system& system, orca::actors::pool_actor pool, orca::backend which,
                                    service_limits limits) {
  return system.spawn(report_service_impl, std::move(pool), which, limits);
}

backend_actors spawn_backend(caf::actor_system& system, const orca::url& target, std::size_t pool_size) {
  // Default connection options: on SQLite, BEGIN IMMEDIATE, so concurrent writers queue for
  // the write lock (see orca/actors/connection_actor.hpp).
  orca::drivers::connection_options connection_options;
  service_limits limits;
  orca::actors::pool_options pool_options;
  pool_options.size = pool_size;
  pool_options.max_overflow = pool_size;
  auto pool = orca::actors::spawn_pool(system, "actor-backend", target, connection_options, pool_options);
  return {pool, spawn_order_service(system, pool, target.backend, limits),
          spawn_report_service(system, pool, target.backend, limits)};
}

}  // namespace actor_backend

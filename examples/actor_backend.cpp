// The actor backend example's client actor and run(): the client sends the workload to the
// order service and the report actor, collects the answers, then shuts everything down.
//
// Client states (the function that moves between them in brackets):
//
//     creating --[every create answered: created]--> reading (lists and report at once)
//     creating --[a create failed: created]--> closing
//     reading --[every list and the report answered: read]--> closing
//     closing --[order service, report actor, pool closed in turn: finish]--> done (quit)
#include "actor_backend.hpp"

#include <exception>
#include <future>
#include <iomanip>
#include <memory>
#include <sstream>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/drivers/connection.hpp"

namespace actor_backend {

namespace {

using orca::actors::close_atom;
using orca::actors::ok_atom;

// What the client keeps: the actors it drives and what they answered.
struct client_state {
  client_state() = default;  // not an aggregate: CAF would construct it from the actor pointer
  orca::actors::pool_actor pool;
  order_service orders;
  report_service reports;
  workload work;
  outcome result;
  std::size_t pending = 0;
  std::exception_ptr failure;  // the first one
  std::shared_ptr<std::promise<outcome>> done;
  static inline const char* name = "example.client";
};

using client_pointer = caf::stateful_actor<client_state>*;

void fail(client_pointer self, const caf::error& e, const std::string& during) {
  if (!self->state.failure) self->state.failure = std::make_exception_ptr(orca::actors::from_caf_error(e, during));
}

void finish(client_pointer self) {
  auto& st = self->state;
  if (st.failure)
    st.done->set_exception(st.failure);
  else
    st.done->set_value(std::move(st.result));
  self->quit();
}

void dispose_pool(client_pointer self) {
  self->request(self->state.pool, self->state.work.request_timeout, orca::actors::dispose_atom::value)
      .then([=](ok_atom) { finish(self); },
            [=](caf::error& e) {
              fail(self, e, "disposing the pool");
              self->send_exit(self->state.pool, caf::exit_reason::kill);
              finish(self);
            });
}

void close_reports(client_pointer self) {
  self->request(self->state.reports, self->state.work.request_timeout, close_atom::value)
      .then([=](ok_atom) { dispose_pool(self); },
            [=](caf::error& e) {
              fail(self, e, "closing the report actor");
              self->send_exit(self->state.reports, caf::exit_reason::kill);
              dispose_pool(self);
            });
}

void shut_down(client_pointer self) {
  self->request(self->state.orders, self->state.work.request_timeout, close_atom::value)
      .then([=](ok_atom) { close_reports(self); },
            [=](caf::error& e) {
              fail(self, e, "closing the order service");
              self->send_exit(self->state.orders, caf::exit_reason::kill);
              close_reports(self);
            });
}

void read(client_pointer self) {
  if (--self->state.pending == 0) shut_down(self);
}

// Every customer's list and the report, all in flight at once.
void read_back(client_pointer self) {
  auto& st = self->state;
  st.pending = st.work.customers.size() + 1;
  for (auto& customer : st.work.customers)
    self->request(st.orders, st.work.request_timeout, list_atom::value, customer)
        .then(
            [=](std::vector<order>& orders) {
              self->state.result.listed[customer] = std::move(orders);
              read(self);
            },
            [=](caf::error& e) {
              fail(self, e, "listing the orders of " + customer);
              read(self);
            });
  self->request(st.reports, st.work.request_timeout, report_atom::value, st.work.report_batch)
      .then(
          [=](order_report& report) {
            self->state.result.report = std::move(report);
            read(self);
          },
          [=](caf::error& e) {
            fail(self, e, "reporting on every order");
            read(self);
          });
}

void created(client_pointer self) {
  if (--self->state.pending > 0) return;
  if (self->state.failure)
    shut_down(self);
  else
    read_back(self);
}

// A spread of amounts between 2.50 and 12.49, the same on every run.
std::int64_t amount_of(std::size_t i) { return 250 + static_cast<std::int64_t>((i * 379) % 1000); }

caf::behavior client_impl(client_pointer self, backend_actors actors, workload work,
                          std::shared_ptr<std::promise<outcome>> done) {
  auto& st = self->state;
  st.pool = std::move(actors.pool);
  st.orders = std::move(actors.orders);
  st.reports = std::move(actors.reports);
  st.work = std::move(work);
  st.done = std::move(done);
  if (st.work.orders == 0 || st.work.customers.empty()) {
    read_back(self);
    return {};
  }
  st.pending = st.work.orders;
  for (std::size_t i = 0; i < st.work.orders; ++i) {
    auto& customer = st.work.customers[i % st.work.customers.size()];
    st.result.placed.push_back({customer, amount_of(i), 0});
    self->request(st.orders, st.work.request_timeout, create_atom::value, customer, amount_of(i))
        .then(
            [=](std::int64_t id) {
              self->state.result.placed[i].id = id;
              created(self);
            },
            [=](caf::error& e) {
              fail(self, e, "creating order " + std::to_string(i + 1));
              created(self);
            });
  }
  return {};  // alive while answers are awaited; finish() quits
}

std::string money(std::int64_t cents) {
  std::ostringstream text;
  text << cents / 100 << "." << std::setw(2) << std::setfill('0') << cents % 100;
  return text.str();
}

void print(std::ostream& out, const orca::url& target, const workload& work, const outcome& result) {
  out << "actor backend on " << target.redacted() << ": " << result.placed.size()
      << " create-order requests in flight at once, one session each, pool of " << work.pool_size << " (+"
      << work.pool_size << " overflow)\n";
  for (auto& p : result.placed)
    out << "  created order #" << p.id << ": " << p.customer << " " << money(p.amount_cents) << "\n";
  out << "then " << result.listed.size() << " list requests and the report, at once\n";
  for (auto& [customer, orders] : result.listed) {
    out << "  " << customer << " has " << orders.size() << " orders:";
    for (auto& o : orders) out << " #" << o.id;
    out << "\n";
  }
  auto& r = result.report;
  out << "report: " << r.orders << " orders streamed in " << r.batches << " batches of at most " << r.largest_batch
      << ", pulled one fetch at a time\n";
  for (auto& [customer, total] : r.totals)
    out << "  " << std::left << std::setw(10) << customer << std::right << std::setw(3) << r.counts.at(customer)
        << " orders  total " << std::setw(8) << money(total) << "\n";
}

}  // namespace

outcome run(const std::string& url, std::ostream& out, const workload& work) {
  auto target = orca::parse_url(url);
  if (target.is_memory())
    throw orca::error{orca::errc::invalid_argument,
                      "the actor backend needs a database file or server: each session opens a connection of its "
                      "own, and an in-memory SQLite database lives in one connection (use sqlite:///file.db)"};
  {
    auto setup = orca::drivers::connect(target);
    metadata().drop_all(*setup);
    metadata().create_all(*setup);
  }
  auto done = std::make_shared<std::promise<outcome>>();
  auto answered = done->get_future();
  auto runtime = orca::actors::runtime::get();
  {
    auto actors = spawn_backend(runtime->system(), target, work.pool_size);
    runtime->system().spawn(client_impl, actors, work, done);
  }                              // no handle outlives this scope: the runtime can end once the actors have quit
  auto result = answered.get();  // rethrows the first failure, after the shutdown
  runtime.reset();
  print(out, target, work, result);
  return result;
}

int run_actor_backend(const std::string& url, std::ostream& out, std::ostream& err) {
  try {
    run(url, out);
    return 0;
  } catch (const std::exception& e) {
    err << "actor_backend: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace actor_backend

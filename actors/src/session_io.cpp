// The session actor's I/O: plans' requests as messages to its connection actor, checkout,
// and what a lost connection means for the transaction.
#include "session_io.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "orca/actors/caf_error.hpp"
#include "orca/model/overloaded.hpp"

namespace orca::actors {

namespace {

bool lost(const caf::error& e) {
  return e == caf::sec::request_receiver_down ||
         (e.category() == caf::atom("orca") && static_cast<errc>(e.code()) == errc::connection_lost);
}

bool outcome_unknown(const caf::error& e) {
  return e.category() == caf::atom("orca") && static_cast<errc>(e.code()) == errc::commit_outcome_unknown;
}

// Sends one request of a plan to the connection actor, awaiting its reply.
template <class Reply, class... Ts>
void ask_connection(session_pointer self, bool is_commit, bool is_rollback, std::string what, step_pointer step,
                    Ts&&... xs) {
  // Connection actors bound their calls themselves and always answer: SQLite's inside its VM
  // (statement timeout) and lock waits (busy_timeout), PostgreSQL's with a deadline that
  // cancels the statement (see postgresql_connection_actor.cpp). So no CAF timer, which
  // would cost a wake-up of CAF's clock thread per statement.
  self->request(self->state.connection.actor, caf::infinite, std::forward<Ts>(xs)...)
      .await(
          [step](Reply& reply) {
            if constexpr (std::is_same_v<Reply, ok_atom>)
              step->reply({});
            else
              step->reply(io_reply{std::move(reply)});
          },
          [self, is_commit, is_rollback, what = std::move(what), step](caf::error& e) {
            on_request_error(self, e, is_commit, is_rollback, what, *step);
          });
}

// Checks a connection out of the pool, then performs `request`. The pool's timeout governs:
// the pool answers every checkout within it (or fails it at dispose), so the request carries
// no CAF timeout of its own, which would wake CAF's clock thread twice per transaction.
void checkout_then(session_pointer self, io_request& request, step_pointer step) {
  auto& st = self->state;
  self->request(st.pool, caf::infinite, checkout_atom::value, self->address())
      .await(
          [self, &request, step](connection_handle& c) {
            self->state.connection = std::move(c);
            perform(self, request, step);
          },
          [step](caf::error& e) {
            step->fail(std::make_exception_ptr(from_caf_error(e, "checking out a connection")));
          });
}

}  // namespace

// Gives the connection back once no transaction or stream needs it.
void release_if_idle(session_pointer self) {
  auto& st = self->state;
  if (st.connection && !st.core->in_transaction() && st.streams.empty()) {
    self->send(st.pool, checkin_atom::value, st.connection.actor, true);
    st.connection = {};
  }
}

// Drops a connection that is lost or stuck: it is killed (its pool sees it die and
// replaces it), and the session's transaction is gone with it.
void abandon(session_pointer self, const std::string& why) {
  auto& st = self->state;
  if (st.connection) self->send_exit(st.connection.actor, caf::exit_reason::kill);
  st.connection = {};
  st.core->lose_transaction(why);
  for (auto& s : st.streams) self->send(s, close_atom::value);
  st.streams.clear();
}

// Handles the failure of a request to the connection.
void on_request_error(session_pointer self, caf::error& e, bool is_commit, bool is_rollback, const std::string& what,
                      plan_step& step) {
  if (outcome_unknown(e)) {
    // The connection gave up on a COMMIT that would not end (and closed itself).
    abandon(self, "the connection stopped answering during " + what);
    step.fail(std::make_exception_ptr(from_caf_error(e, what)));
    return;
  }
  if (lost(e)) {
    auto message = "the session's connection was lost during " + what;
    abandon(self, message);
    if (is_rollback)
      step.reply({});  // the server rolled the transaction back when it lost the connection
    else if (is_commit && e == caf::sec::request_receiver_down)
      // The connection actor was gone before it took the COMMIT (one that ends with a
      // COMMIT in flight answers commit_outcome_unknown): its transaction died with it.
      step.fail(
          std::make_exception_ptr(error{errc::connection_lost,
                                        "the connection was closed (its pool was disposed, or it broke) before COMMIT "
                                        "was sent: nothing was committed"}));
    else if (is_commit)
      // The connection looked the outcome up (PostgreSQL: txid_status): it rolled back.
      step.fail(std::make_exception_ptr(from_caf_error(e, what)));
    else
      step.fail(std::make_exception_ptr(error{errc::connection_lost, message}));
    return;
  }
  step.fail(std::make_exception_ptr(from_caf_error(e, what)));
}

void perform(session_pointer self, io_request& request, step_pointer step) {
  auto& st = self->state;
  if (!st.connection) {
    // Without a connection there is no transaction: a ROLLBACK has nothing to do.
    if (std::holds_alternative<io::rollback>(request))
      step->reply({});
    else
      checkout_then(self, request, std::move(step));
    return;
  }
  auto what = describe(request);
  std::visit(overloaded{
                 [&](io::execute& r) {
                   ask_connection<drivers::rowset>(self, false, false, std::move(what), std::move(step),
                                                   execute_atom::value, std::move(r.sql), std::move(r.parameters));
                 },
                 [&](io::execute_many& r) {
                   ask_connection<std::int64_t>(self, false, false, std::move(what), std::move(step), many_atom::value,
                                                std::move(r.sql), std::move(r.sets));
                 },
                 [&](io::execute_batch& r) {
                   if (r.commit)
                     ask_connection<rowset_list>(self, true, false, std::move(what), std::move(step), batch_atom::value,
                                                 commit_atom::value, std::move(r.statements),
                                                 std::move(r.expected_rows));
                   else
                     ask_connection<rowset_list>(self, false, false, std::move(what), std::move(step),
                                                 batch_atom::value, std::move(r.statements));
                 },
                 [&](io::begin&) {
                   ask_connection<ok_atom>(self, false, false, std::move(what), std::move(step), begin_atom::value);
                 },
                 [&](io::commit&) {
                   ask_connection<ok_atom>(self, true, false, std::move(what), std::move(step), commit_atom::value);
                 },
                 [&](io::rollback&) {
                   ask_connection<ok_atom>(self, false, true, std::move(what), std::move(step), rollback_atom::value);
                 },
                 [&](io::run& r) {
                   ask_connection<ok_atom>(self, false, false, std::move(what), std::move(step), run_atom::value,
                                           connection_job{std::move(r.job)});
                 },
             },
             request);
}

}  // namespace orca::actors

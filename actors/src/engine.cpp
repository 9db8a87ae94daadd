// The engine facade: create_engine spawns the pool; run_sync, status and dispose ask it.
#include "orca/engine.hpp"

#include "engine_state.hpp"
#include "request.hpp"

namespace orca {

namespace detail {

engine_state::~engine_state() {
  // Connections must close before the actor system can end (dispose is idempotent).
  caf::anon_send(pool, actors::dispose_atom::value);
  if (checkpointer) caf::anon_send_exit(checkpointer, caf::exit_reason::user_shutdown);
}

}  // namespace detail

engine create_engine(std::string_view text, engine_options options) {
  auto target = parse_url(text);
  auto state = std::make_shared<detail::engine_state>();
  state->runtime = actors::runtime::get();
  state->target = target;
  if (target.backend == backend::sqlite && target.is_memory()) {
    options.pool_size = 1;
    options.max_overflow = 0;
  }
  state->options = options;
  drivers::connection_options connection_options;
  connection_options.echo = options.echo;
  connection_options.busy_timeout = options.busy_timeout;
  connection_options.sqlite_begin_immediate = options.sqlite_begin_immediate;
  connection_options.statement_timeout = options.request_timeout;
  if (target.backend == backend::sqlite && !target.is_memory()) {
    // Checkpoints run on the checkpointer's thread, never inside a COMMIT on the scheduler.
    state->checkpointer = actors::spawn_checkpointer(state->runtime->system(), target, connection_options);
    connection_options.sqlite_checkpoint_needed = [checkpointer = state->checkpointer] {
      caf::anon_send(checkpointer, actors::checkpoint_atom::value);
    };
  }
  actors::pool_options pool_options;
  pool_options.size = options.pool_size;
  pool_options.max_overflow = options.max_overflow;
  pool_options.timeout = options.pool_timeout;
  pool_options.pre_ping = options.pool_pre_ping;
  pool_options.recycle = options.pool_recycle;
  pool_options.request_timeout = options.request_timeout;
  state->pool = actors::spawn_pool(state->runtime->system(), target.redacted(), target, connection_options,
                                   pool_options);
  return engine{std::move(state)};
}

std::string engine::url() const { return state_->target.redacted(); }

task<pool_snapshot> engine::status() const {
  auto s = co_await actors::ask<actors::pool_status>(
      state_->pool, state_->facade_timeout(), "engine.status()",
      [](detail::outcome<actors::pool_status>& out, actors::pool_status& st) { out.value = st; },
      actors::status_atom::value);
  co_return pool_snapshot{s.size,        s.max_overflow, s.idle,
                          s.checked_out, s.opening,      s.waiting,
                          s.opened,      s.replaced,     state_->runtime->system().registry().running()};
}

task<void> engine::dispose() const {
  co_await actors::ask<void>(
      state_->pool, state_->facade_timeout(), "engine.dispose()",
      [](detail::outcome<void>& out, actors::ok_atom) { out.done = true; }, actors::dispose_atom::value);
}

namespace {

task<void> run_sync_on(std::shared_ptr<detail::engine_state> state, std::function<void(connection&)> fn) {
  auto timeout = state->facade_timeout();
  // A pseudo-holder: the host actor. If the host dies, the pool takes the connection back.
  auto* host = actors::require_host();
  auto conn = co_await actors::ask<actors::connection_handle>(
      state->pool, timeout, "checking out a connection for engine.begin()",
      [](detail::outcome<actors::connection_handle>& out, actors::connection_handle& c) { out.value = c; },
      actors::checkout_atom::value, host->address());
  auto done = [](detail::outcome<void>& out, actors::ok_atom) { out.done = true; };
  // BEGIN and COMMIT as messages, so that a SQLite connection waits for the write lock the
  // way it does for sessions (in the actor, never in the driver); the job runs in between.
  std::exception_ptr failure;
  bool began = false;
  try {
    co_await actors::ask<void>(conn.actor, timeout, "engine.begin()", done, actors::begin_atom::value);
    began = true;
    actors::connection_job job{[fn](drivers::connection& c) { fn(c); }};
    co_await actors::ask<void>(conn.actor, timeout, "engine.begin().run_sync()", done, actors::run_atom::value, job);
    co_await actors::ask<void>(conn.actor, timeout, "COMMIT of engine.begin()", done, actors::commit_atom::value);
  } catch (...) {
    failure = std::current_exception();
  }
  bool clean = failure == nullptr;
  if (failure && began) {
    try {
      co_await actors::ask<void>(conn.actor, timeout, "ROLLBACK of engine.begin()", done, actors::rollback_atom::value);
      clean = true;
    } catch (...) {
      // The connection goes back unclean: the pool resets or drops it.
    }
  }
  caf::anon_send(state->pool, actors::checkin_atom::value, conn.actor, clean);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

task<void> engine_transaction::run_sync_function(std::function<void(connection&)> fn) {
  return run_sync_on(state_, std::move(fn));
}

}  // namespace orca

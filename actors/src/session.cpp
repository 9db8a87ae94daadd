// The session facade: session_core sends one typed request per call to its session actor.
#include "orca/session.hpp"

#include "engine_state.hpp"
#include "orca/actors/session_actor.hpp"
#include "request.hpp"

namespace orca::detail {

using namespace orca::actors;

struct session_core::impl {
  std::shared_ptr<engine_state> engine;
  session_actor actor;
  std::chrono::milliseconds timeout{};
};

struct stream_core::impl {
  stream_actor actor;
  std::chrono::milliseconds timeout{};
};

stream_core::stream_core(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

stream_core::~stream_core() { caf::anon_send(impl_->actor, close_atom::value); }

operation<std::pair<std::vector<object_ref>, bool>> stream_core::fetch() {
  return ask<std::pair<std::vector<object_ref>, bool>>(
      impl_->actor, impl_->timeout, "fetching a stream batch",
      [](outcome<std::pair<std::vector<object_ref>, bool>>& out, object_list& objects, bool more) {
        out.value.emplace(std::move(objects), more);
      },
      fetch_atom::value);
}

namespace {

void set_done(outcome<void>& out, ok_atom) { out.done = true; }

}  // namespace

session_core::session_core(std::shared_ptr<engine_state> engine, session_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->actor = spawn_session(engine->runtime->system(), engine->pool, engine->target.backend, options,
                               engine->session_limits());
  impl_->timeout = engine->facade_timeout();
  impl_->engine = std::move(engine);
}

session_core::~session_core() {
  // Rolls back what is uncommitted and returns the connection; the actor then quits.
  caf::anon_send(impl_->actor, close_atom::value);
}

operation<void> session_core::send_adds() {
  auto objects = std::exchange(pending_adds_, {});
  return ask<void>(impl_->actor, impl_->timeout, "session.add()", set_done, add_atom::value, std::move(objects));
}

operation<std::vector<object_ref>> session_core::execute(const select_spec& spec) {
  return ask<std::vector<object_ref>>(
      impl_->actor, impl_->timeout, "a query",
      [](outcome<std::vector<object_ref>>& out, object_list& objects) { out.value = std::move(objects); },
      execute_atom::value, spec);
}

operation<object_ref> session_core::get(const table_info& table, key k) {
  return ask<object_ref>(
      impl_->actor, impl_->timeout, "session.get()",
      [](outcome<object_ref>& out, object_ref& object) { out.value = std::move(object); }, get_atom::value,
      table_pointer{&table}, std::move(k));
}

operation<void> session_core::remove(object_ref object) {
  return ask<void>(impl_->actor, impl_->timeout, "session.remove()", set_done, remove_atom::value, std::move(object));
}

operation<void> session_core::flush() {
  return ask<void>(impl_->actor, impl_->timeout, "session.flush()", set_done, flush_atom::value);
}

operation<void> session_core::commit() {
  return ask<void>(impl_->actor, impl_->timeout, "session.commit()", set_done, commit_atom::value);
}

operation<void> session_core::rollback() {
  return ask<void>(impl_->actor, impl_->timeout, "session.rollback()", set_done, rollback_atom::value);
}

operation<void> session_core::refresh(object_ref object) {
  return ask<void>(impl_->actor, impl_->timeout, "session.refresh()", set_done, refresh_atom::value, std::move(object));
}

operation<void> session_core::expire(object_ref object) {
  return ask<void>(impl_->actor, impl_->timeout, "session.expire()", set_done, expire_atom::value, std::move(object));
}

operation<std::shared_ptr<stream_core>> session_core::open_stream(const select_spec& spec, std::size_t batch_size) {
  auto timeout = impl_->timeout;
  return ask<std::shared_ptr<stream_core>>(
      impl_->actor, timeout, "session.stream()",
      [timeout](outcome<std::shared_ptr<stream_core>>& out, stream_actor& stream) {
        out.value = std::make_shared<stream_core>(
            std::make_unique<stream_core::impl>(stream_core::impl{stream, timeout}));
      },
      stream_atom::value, spec, std::uint64_t{batch_size});
}

void session_core::rollback_later() noexcept { caf::anon_send(impl_->actor, rollback_atom::value); }

operation<void> session_core::close() {
  return ask<void>(impl_->actor, impl_->timeout, "session.close()", set_done, close_atom::value);
}

}  // namespace orca::detail

namespace orca {

session_transaction::~session_transaction() {
  if (session_) {
    // Dropped without commit: roll back (fire and forget, ordered before later requests).
    auto core = std::move(session_);
    core->rollback_later();
  }
}

task<void> session_transaction::commit() {
  auto core = std::move(session_);
  if (!core) throw error(errc::invalid_state, "this transaction was already committed or rolled back");
  if (core->has_adds()) co_await core->send_adds();
  co_await core->commit();
}

task<void> session_transaction::rollback() {
  auto core = std::move(session_);
  if (!core) throw error(errc::invalid_state, "this transaction was already committed or rolled back");
  co_await core->rollback();
}

}  // namespace orca

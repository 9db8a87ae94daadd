// The session facade: session_core sends one typed request per call to its session actor.
#include "orca/session.hpp"
#include "orca/nested_transaction.hpp"

#include <algorithm>

#include "engine_state.hpp"
#include "orca/actors/session_actor.hpp"
#include "request.hpp"

namespace orca::detail {

using namespace orca::actors;

// The session actor is spawned on first use, and quits when a commit or rollback leaves it
// holding nothing (hibernate_atom): an idle session costs this struct, not an actor.
struct session_core::impl {
  std::shared_ptr<engine_state> engine;
  session_options options;
  session_actor actor;  ///< null until needed, and while hibernated
  std::chrono::milliseconds timeout{};

  const session_actor& live() {
    if (!actor)
      actor = spawn_session(engine->runtime->system(), engine->pool, engine->target.backend, options,
                            engine->session_limits());
    return actor;
  }
  // Ends the transaction; the actor quits if that leaves it holding nothing.
  operation<void> end(const char* what, bool commit) {
    if (!actor) return operation<void>::done();
    auto on_reply = [this](outcome<void>& out, bool hibernated) {
      out.done = true;
      if (hibernated) actor = nullptr;
    };
    if (commit) return ask<void>(actor, timeout, what, on_reply, commit_atom::value, hibernate_atom::value);
    return ask<void>(actor, timeout, what, on_reply, rollback_atom::value, hibernate_atom::value);
  }
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

operation<std::pair<drivers::rowset, bool>> stream_core::fetch_rows() {
  return ask<std::pair<drivers::rowset, bool>>(
      impl_->actor, impl_->timeout, "fetching a stream batch",
      [](outcome<std::pair<drivers::rowset, bool>>& out, drivers::rowset& rows, bool more) {
        out.value.emplace(std::move(rows), more);
      },
      fetch_atom::value, rows_atom::value);
}

namespace {

void set_done(outcome<void>& out, ok_atom) { out.done = true; }

}  // namespace

session_core::session_core(std::shared_ptr<engine_state> engine, session_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  impl_->timeout = engine->facade_timeout();
  impl_->engine = std::move(engine);
}

session_core::~session_core() {
  // Rolls back what is uncommitted and returns the connection; the actor then quits.
  if (impl_->actor) caf::anon_send(impl_->actor, close_atom::value);
  // The objects this session's add() made came from this thread's slabs: the slab being
  // filled goes with its last object instead of staying with the thread.
  if (auto* slabs = thread_slabs()) slabs->restart();
}

operation<void> session_core::send_adds() {
  if (pending_adds_.empty() && rows_.empty()) return operation<void>::done();  // nothing to send: no suspension
  check_open();
  auto objects = std::exchange(pending_adds_, {});
  swept_ = 0;
  row_batch rows;
  if (!rows_.empty()) rows = std::make_shared<pending_rows>(std::exchange(rows_, {}));
  return ask<void>(impl_->live(), impl_->timeout, "session.add()", set_done, add_atom::value, std::move(objects),
                   std::move(rows));
}

// Runs on the application's thread, between two of its add() calls: an object only the
// queue holds can be reached by nobody else, so packing it races with nothing; and the
// one add() returned last was dropped at the end of the application's statement.
void session_core::sweep_adds() {
  auto kept = pending_adds_.begin() + static_cast<std::ptrdiff_t>(swept_);
  for (auto it = kept; it != pending_adds_.end(); ++it) {
    if (it->object.use_count() == 1 && rows_.pack(*it->table, it->object)) continue;  // its rows hold it now
    if (kept != it) *kept = std::move(*it);
    ++kept;
  }
  pending_adds_.erase(kept, pending_adds_.end());
  swept_ = pending_adds_.size();
}

operation<std::vector<object_ref>> session_core::execute(const select_spec& spec) {
  check_open();
  return ask<std::vector<object_ref>>(
      impl_->live(), impl_->timeout, "a query",
      [](outcome<std::vector<object_ref>>& out, object_list& objects) { out.value = std::move(objects); },
      execute_atom::value, spec);
}

operation<void> session_core::execute_into(const select_spec& spec, std::shared_ptr<result_sink> sink) {
  check_open();
  return ask<void>(impl_->live(), impl_->timeout, "a query", set_done, execute_atom::value, spec, std::move(sink));
}

operation<object_ref> session_core::get(const table_info& table, key k) {
  check_open();
  return ask<object_ref>(
      impl_->live(), impl_->timeout, "session.get()",
      [](outcome<object_ref>& out, object_ref& object) { out.value = std::move(object); }, get_atom::value,
      table_pointer{&table}, std::move(k));
}

operation<void> session_core::remove(object_ref object) {
  check_open();
  return ask<void>(impl_->live(), impl_->timeout, "session.remove()", set_done, remove_atom::value, std::move(object));
}

operation<void> session_core::flush() {
  check_open();
  return ask<void>(impl_->live(), impl_->timeout, "session.flush()", set_done, flush_atom::value);
}

operation<void> session_core::commit() {
  check_open();
  return impl_->end("session.commit()", true);
}

operation<void> session_core::rollback() {
  check_open();
  return impl_->end("session.rollback()", false);
}

operation<void> session_core::refresh(object_ref object) {
  check_open();
  return ask<void>(impl_->live(), impl_->timeout, "session.refresh()", set_done, refresh_atom::value,
                   std::move(object));
}

operation<void> session_core::expire(object_ref object) {
  check_open();
  return ask<void>(impl_->live(), impl_->timeout, "session.expire()", set_done, expire_atom::value, std::move(object));
}

// Opens a stream through the session actor: `what` is the select_spec or rows_request.
template <class What>
operation<std::shared_ptr<stream_core>> open_stream_with(const session_actor& actor, std::chrono::milliseconds timeout,
                                                         What what, std::size_t batch_size) {
  return ask<std::shared_ptr<stream_core>>(
      actor, timeout, "session.stream()",
      [timeout](outcome<std::shared_ptr<stream_core>>& out, stream_actor& stream) {
        out.value = std::make_shared<stream_core>(
            std::make_unique<stream_core::impl>(stream_core::impl{stream, timeout}));
      },
      stream_atom::value, std::move(what), std::uint64_t{batch_size});
}

operation<std::shared_ptr<stream_core>> session_core::open_stream(const select_spec& spec, std::size_t batch_size) {
  check_open();
  return open_stream_with(impl_->live(), impl_->timeout, spec, batch_size);
}

operation<std::shared_ptr<stream_core>> session_core::open_row_stream(std::shared_ptr<const query_spec> query,
                                                                      std::size_t batch_size) {
  check_open();
  return open_stream_with(impl_->live(), impl_->timeout, rows_request{std::move(query)}, batch_size);
}

void session_core::rollback_later() noexcept {
  if (!closed_ && impl_->actor) caf::anon_send(impl_->actor, rollback_atom::value);
}

void session_core::check_open() const {
  if (closed_) throw error(errc::closed, "the session is closed: make a new one with the sessionmaker");
}

std::uint64_t session_core::open_transaction() {
  check_open();
  if (open_transaction_ != 0)
    throw error(errc::invalid_state,
                "session.begin() was called while this session's transaction is still open: commit or roll it back "
                "first (or use begin_nested() for a savepoint)");
  open_transaction_ = ++transactions_;
  return open_transaction_;
}

bool session_core::unqueue_add(const void* object) {
  auto it = std::find_if(pending_adds_.begin(), pending_adds_.end(),
                         [&](const object_ref& o) { return o.object.get() == object; });
  if (it == pending_adds_.end()) return false;
  if (static_cast<std::size_t>(it - pending_adds_.begin()) < swept_) --swept_;
  pending_adds_.erase(it);
  return true;
}

operation<void> session_core::expunge(object_ref object) {
  check_open();
  return ask<void>(impl_->live(), impl_->timeout, "session.expunge()", set_done, expunge_atom::value,
                   std::move(object));
}

operation<object_ref> session_core::merge(object_ref copy) {
  check_open();
  return ask<object_ref>(
      impl_->live(), impl_->timeout, "session.merge()",
      [](outcome<object_ref>& out, object_ref& object) { out.value = std::move(object); }, merge_atom::value,
      std::move(copy));
}

operation<bool> session_core::in_transaction() {
  check_open();
  // A session with no actor (never used, or hibernated) holds no transaction.
  if (!impl_->actor) return operation<bool>::ready(false);
  return ask<bool>(
      impl_->live(), impl_->timeout, "session.in_transaction()",
      [](outcome<bool>& out, bool open) { out.value = open; }, in_tx_atom::value);
}

operation<void> session_core::invalidate() {
  check_open();
  closed_ = true;
  pending_adds_.clear();
  end_transaction();
  if (!impl_->actor) return operation<void>::done();
  auto actor = std::exchange(impl_->actor, nullptr);
  return ask<void>(actor, impl_->timeout, "session.invalidate()", set_done, invalidate_atom::value);
}

operation<void> session_core::savepoint(std::string op) {
  check_open();
  return ask<void>(impl_->live(), impl_->timeout, "session savepoint " + op, set_done, savepoint_atom::value,
                   std::move(op));
}

std::size_t session_core::open_savepoint() {
  check_open();
  return ++savepoints_;
}

void session_core::rollback_savepoint_later() noexcept {
  if (!closed_ && impl_->actor) caf::anon_send(impl_->actor, savepoint_atom::value, std::string{"rollback"});
}

operation<query_reply> session_core::run(const query_request& request) {
  check_open();
  return ask<query_reply>(
      impl_->live(), impl_->timeout, "a statement",
      [](outcome<query_reply>& out, query_reply& reply) { out.value = std::move(reply); }, query_atom::value, request);
}

operation<void> session_core::close() {
  closed_ = true;
  discard_adds();
  end_transaction();
  if (!impl_->actor) return operation<void>::done();
  auto actor = std::exchange(impl_->actor, nullptr);
  return ask<void>(actor, impl_->timeout, "session.close()", set_done, close_atom::value);
}

}  // namespace orca::detail

namespace orca {

session_transaction::~session_transaction() {
  if (session_ && session_->transaction_open(id_)) {
    // Dropped without commit: roll back (fire and forget, ordered before later requests).
    // Objects added in the block and not yet sent to the actor are discarded with it.
    session_->end_transaction();
    session_->discard_adds();
    session_->rollback_later();
  }
}

task<void> session_transaction::commit() {
  auto core = std::move(session_);
  if (!core || !core->transaction_open(id_))
    throw error(errc::invalid_state, "this transaction was already committed or rolled back");
  core->end_transaction();
  co_await core->send_adds();
  co_await core->commit();
}

task<void> session_transaction::rollback() {
  auto core = std::move(session_);
  if (!core || !core->transaction_open(id_))
    throw error(errc::invalid_state, "this transaction was already committed or rolled back");
  core->end_transaction();
  core->discard_adds();
  co_await core->rollback();
}

nested_transaction::nested_transaction(std::shared_ptr<detail::session_core> session, std::size_t depth)
    : session_(std::move(session)), depth_(depth) {}

nested_transaction::~nested_transaction() {
  if (session_ && session_->savepoint_open(depth_)) {
    // Dropped without commit: roll back to the savepoint (ordered before later requests).
    session_->end_savepoint();
    session_->discard_adds();
    session_->rollback_savepoint_later();
  }
}

task<void> nested_transaction::commit() {
  auto core = std::move(session_);
  if (!core || !core->savepoint_open(depth_))
    throw error(errc::invalid_state,
                "this savepoint was already committed or rolled back, or an inner one is still open");
  core->end_savepoint();
  co_await core->send_adds();
  co_await core->savepoint("release");
}

task<void> nested_transaction::rollback() {
  auto core = std::move(session_);
  if (!core || !core->savepoint_open(depth_))
    throw error(errc::invalid_state,
                "this savepoint was already committed or rolled back, or an inner one is still open");
  core->end_savepoint();
  core->discard_adds();
  co_await core->savepoint("rollback");
}

}  // namespace orca

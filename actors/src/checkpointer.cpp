// The checkpointer. Detached: a checkpoint writes pages back to the database file and syncs
// it, which is disk I/O the scheduler must not wait for. RESTART rather than PASSIVE: under
// a steady stream of commits a PASSIVE checkpoint never catches up with the last frame, so
// the WAL is never reused and grows; RESTART holds writers off (they wait in their
// connection actors, without blocking a thread) while it copies the rest, and the next
// writer starts the WAL from its beginning. Its busy timeout is short (10 ms): a RESTART
// that cannot get the write lock at once, or finds a long reader, gives up until the next
// ask instead of holding writers off while it waits.
#include "checkpointer.hpp"

#include <chrono>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "orca/drivers/error.hpp"

namespace orca::actors {

namespace {

using clock = std::chrono::steady_clock;

struct checkpointer_state {
  checkpointer_state() = default;  // not an aggregate: CAF would construct it from the actor
  url target;
  drivers::connection_options options;
  std::unique_ptr<drivers::connection> connection;
  clock::time_point last{};
  static inline const char* name = "orca.checkpointer";
};

using checkpointer_pointer = checkpointer_actor::stateful_pointer<checkpointer_state>;

checkpointer_actor::behavior_type checkpointer_impl(checkpointer_pointer self, url target,
                                                    drivers::connection_options options) {
  self->state.target = std::move(target);
  options.sqlite_checkpoint_needed = nullptr;  // its own commits ask nothing
  options.echo = false;
  options.busy_timeout = std::chrono::milliseconds(10);
  self->state.options = std::move(options);
  return {
      [=](checkpoint_atom) {
        auto& st = self->state;
        auto now = clock::now();
        if (now - st.last < std::chrono::milliseconds(50)) return;
        st.last = now;
        try {
          if (!st.connection) st.connection = drivers::connect(st.target, st.options);
          st.connection->execute("PRAGMA wal_checkpoint(RESTART)");
        } catch (const error& e) {
          if (e.code() == errc::database_busy) return;  // busy: the next ask tries again
          spdlog::warn("orca: a WAL checkpoint of {} failed: {}", st.target.redacted(), e.what());
          st.connection.reset();
        }
      },
  };
}

}  // namespace

checkpointer_actor spawn_checkpointer(caf::actor_system& system, const url& target,
                                      drivers::connection_options options) {
  return system.spawn<caf::detached>(checkpointer_impl, target, std::move(options));
}

}  // namespace orca::actors

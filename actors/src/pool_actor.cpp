// The pool actor. Connections are in one of three places: `idle`, `lent` (to a holder it
// monitors), or being opened (`opening`). Checkouts queue in `waiters` until a connection is
// free, a new one may be opened (size + overflow), or their deadline passes. A waiter's
// holder is monitored too: one that dies, or abandons its checkout, is dropped, so that no
// connection is lent to a requester that no longer wants it.
#include "orca/actors/pool_actor.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "orca/actors/caf_error.hpp"
#include "orca/drivers/logger.hpp"

namespace orca::actors {

namespace {

using clock = std::chrono::steady_clock;

struct pooled {
  connection_handle connection;
  clock::time_point opened;
};

struct lent_connection {
  pooled entry;
  caf::actor_addr holder;
};

struct waiter {
  std::uint64_t id;
  caf::typed_response_promise<connection_handle> promise;
  caf::actor_addr holder;
  clock::time_point deadline;  ///< the pool_timeout answer is due; never lent after it
  bool timer = false;          ///< its timeout message is scheduled
};

struct pool_state {
  std::string pool_name;
  url target;
  drivers::connection_options connection_options;
  pool_options options;
  std::vector<pooled> idle;
  std::map<caf::actor_addr, lent_connection> lent;
  std::map<caf::actor_addr, std::size_t> holders;  ///< connections lent + checkouts waiting per holder (monitored)
  std::size_t opening = 0;
  std::deque<waiter> waiters;
  std::uint64_t next_waiter = 0;
  std::size_t opened = 0;
  std::size_t replaced = 0;
  std::size_t failures_in_a_row = 0;  ///< connect failures since the last success (backoff)
  clock::time_point retry_after{};
  bool retry_scheduled = false;
  bool disposed = false;
  std::shared_ptr<spdlog::logger> log = drivers::pool_logger();  ///< pool events, at debug
  static inline const char* name = "orca.pool";

  std::size_t total() const noexcept { return idle.size() + lent.size() + opening; }
  bool expired(const pooled& p) const noexcept {
    return options.recycle.count() > 0 && clock::now() - p.opened > options.recycle;
  }
  std::string limits() const {
    return "pool '" + pool_name + "' (size " + std::to_string(options.size) + ", overflow " +
           std::to_string(options.max_overflow) + ", " + std::to_string(lent.size()) + " checked out, " +
           std::to_string(waiters.size()) + " waiting)";
  }
};

using pool_pointer = pool_actor::stateful_pointer<pool_state>;

void dispatch(pool_pointer self);

// A connection failed (its ping, its reset, or it died) and a new one will take its place.
void count_replaced(pool_pointer self, std::string_view why) {
  auto& st = self->state;
  ++st.replaced;
  st.log->debug("pool '{}': replacing a connection that {} ({} replaced so far)", st.pool_name, why, st.replaced);
}

void close_connection(pool_pointer self, const connection_handle& c) {
  self->demonitor(c.actor.address());
  self->send_exit(c.actor, caf::exit_reason::user_shutdown);
}

// One monitor per holder, however many connections it waits for or borrows over time.
void watch_holder(pool_pointer self, const caf::actor_addr& holder) {
  if (self->state.holders[holder]++ == 0) self->monitor(holder);
}

void forget_holder(pool_pointer self, const caf::actor_addr& holder) {
  auto& holders = self->state.holders;
  auto it = holders.find(holder);
  if (it != holders.end() && --it->second == 0) {
    self->demonitor(holder);
    holders.erase(it);
  }
}

error pool_timeout_error(const pool_state& st) {
  return error{errc::pool_timeout, "no connection became free within " + std::to_string(st.options.timeout.count()) +
                                       " ms in " + st.limits() +
                                       "; raise the pool size or overflow, or close sessions sooner"};
}

// Lends to a waiter, which keeps its holder's monitor. A waiter past its deadline gets
// pool_timeout instead (its timeout message is still queued), and the connection stays.
void lend(pool_pointer self, pooled entry, waiter w) {
  if (clock::now() >= w.deadline) {
    w.promise.deliver(to_caf_error(pool_timeout_error(self->state)));
    forget_holder(self, w.holder);
    self->state.idle.push_back(entry);
    return;
  }
  auto address = entry.connection.actor.address();
  self->state.lent.emplace(address, lent_connection{entry, w.holder});
  w.promise.deliver(entry.connection);
}

// Gives an idle connection to the first waiter, checked first: pinged if asked to, and a
// PostgreSQL one always checked without a round trip (the server may have closed it while
// it was idle, e.g. at a restart), so that no transaction starts on a dead connection.
void lend_idle(pool_pointer self) {
  auto& st = self->state;
  auto entry = st.idle.back();
  st.idle.pop_back();
  auto w = std::move(st.waiters.front());
  st.waiters.pop_front();
  bool round_trip = st.options.pre_ping;
  if (!round_trip && st.target.backend != backend::postgresql) {
    lend(self, entry, std::move(w));
    return;
  }
  ++st.opening;  // counted as being opened while the check is in flight
  auto on_answer = [=](bool alive) mutable {
    --self->state.opening;
    if (alive && !self->state.disposed) {
      lend(self, entry, std::move(w));
    } else {
      close_connection(self, entry.connection);
      count_replaced(self, round_trip ? "failed its pre-ping" : "was found closed by the server");
      self->state.waiters.push_front(std::move(w));
    }
    dispatch(self);
  };
  auto on_error = [=](caf::error&) mutable {
    --self->state.opening;
    count_replaced(self, "did not answer its liveness check");
    self->state.waiters.push_front(std::move(w));
    dispatch(self);
  };
  if (round_trip) {
    self->request(entry.connection.actor, st.options.request_timeout, ping_atom::value).then(on_answer, on_error);
    return;
  }
  // No timer of its own: an idle PostgreSQL connection actor answers `alive` from its
  // handler (a poll of the socket, no I/O wait), and one that is gone is answered for by
  // CAF at once (an error). A CAF request timeout would wake CAF's clock thread twice per
  // checkout (PostgreSQL P6 at K = 8, 12,000 transactions: 57k -> 25k futex calls without
  // it, the first statement's repeated check dropped too). The waiter's own deadline still
  // holds (lend checks it).
  self->request(entry.connection.actor, caf::infinite, alive_atom::value).then(on_answer, on_error);
}

// Connecting failed, or a connection died young: wait 100 ms, doubling up to 5 s, before
// opening the next one, so that a database that is down is not hammered.
void back_off(pool_pointer self) {
  auto& st = self->state;
  ++st.failures_in_a_row;
  auto delay = std::chrono::milliseconds(100) * (1 << std::min<std::size_t>(st.failures_in_a_row - 1, 6));
  auto wait = std::min<std::chrono::milliseconds>(delay, std::chrono::seconds(5));
  st.retry_after = clock::now() + wait;
  st.log->debug("pool '{}': backing off {} ms after {} failed connect(s) in a row", st.pool_name, wait.count(),
                st.failures_in_a_row);
}

// Opens a connection for the first waiter; a failure is that waiter's error.
void open_for_waiter(pool_pointer self) {
  auto& st = self->state;
  auto w = std::move(st.waiters.front());
  st.waiters.pop_front();
  auto c = spawn_connection(self->system(), st.target, st.connection_options);
  self->monitor(c.actor);
  ++st.opening;
  ++st.opened;
  auto timeout = st.connection_options.connect_timeout + std::chrono::seconds(5);
  self->request(c.actor, timeout, ping_atom::value)
      .then(
          [=](bool) mutable {
            auto& st = self->state;
            --st.opening;
            st.failures_in_a_row = 0;
            st.log->debug("pool '{}': connected ({} open, {} opened so far)", st.pool_name, st.total(), st.opened);
            if (st.disposed) {
              close_connection(self, c);
              return;
            }
            lend(self, pooled{c, clock::now()}, std::move(w));
            dispatch(self);
          },
          [=](caf::error& e) mutable {
            auto& st = self->state;
            --st.opening;
            close_connection(self, c);
            st.log->debug("pool '{}': connecting failed: {}", st.pool_name, from_caf_error(e, "connecting").what());
            back_off(self);
            w.promise.deliver(std::move(e));
            forget_holder(self, w.holder);
            dispatch(self);
          });
}

void serve_waiters(pool_pointer self) {
  auto& st = self->state;
  while (!st.waiters.empty() && !st.disposed) {
    if (!st.idle.empty()) {
      if (st.expired(st.idle.back())) {
        close_connection(self, st.idle.back().connection);
        st.idle.pop_back();
        continue;
      }
      lend_idle(self);
      continue;
    }
    if (st.total() >= st.options.size + st.options.max_overflow) return;
    if (clock::now() < st.retry_after) {
      if (!st.retry_scheduled) {
        st.retry_scheduled = true;
        self->delayed_send(self, st.retry_after - clock::now(), retry_atom::value);
      }
      return;
    }
    open_for_waiter(self);
  }
}

// Serves the waiters it can; those left wait with a timer. Only a checkout that has to wait
// gets one: each timer wakes CAF's clock thread twice (set, then fired).
void dispatch(pool_pointer self) {
  serve_waiters(self);
  for (auto& w : self->state.waiters) {
    if (w.timer) continue;
    w.timer = true;
    self->delayed_send(self, std::max(w.deadline - clock::now(), clock::duration::zero()), timeout_atom::value, w.id);
  }
}

// Keeps a returned connection idle (or hands it to a waiter), or closes it if it is too old
// or beyond the pool size.
void keep_or_close(pool_pointer self, const pooled& entry) {
  auto& st = self->state;
  bool keep = !st.disposed && !st.expired(entry) && (st.total() + 1 <= st.options.size || !st.waiters.empty());
  if (keep)
    st.idle.push_back(entry);
  else
    close_connection(self, entry.connection);
  dispatch(self);
}

// A connection comes back. `clean`: its holder ended its transaction itself (commit or
// rollback), so it is ready at once; otherwise it is rolled back first.
void checkin(pool_pointer self, const caf::actor_addr& address, bool clean) {
  auto& st = self->state;
  auto it = st.lent.find(address);
  if (it == st.lent.end()) return;
  auto entry = it->second.entry;
  forget_holder(self, it->second.holder);
  st.lent.erase(it);
  if (clean) {
    keep_or_close(self, entry);
    return;
  }
  ++st.opening;  // busy resetting: counts against the limits until it is back
  self->request(entry.connection.actor, st.options.request_timeout, reset_atom::value)
      .then(
          [=](bool healthy) {
            --self->state.opening;
            if (healthy) {
              keep_or_close(self, entry);
            } else {
              count_replaced(self, "could not be reset");
              close_connection(self, entry.connection);
              dispatch(self);
            }
          },
          [=](caf::error&) {
            --self->state.opening;
            count_replaced(self, "did not answer its reset");
            close_connection(self, entry.connection);
            dispatch(self);
          });
}

// A holder that is gone or gave up: its waiters are dropped (a promise nobody awaits is
// settled all the same) and whatever was lent to it comes back rolled back.
void abandon(pool_pointer self, const caf::actor_addr& holder) {
  auto& st = self->state;
  for (auto it = st.waiters.begin(); it != st.waiters.end();) {
    if (it->holder != holder) {
      ++it;
      continue;
    }
    it->promise.deliver(to_caf_error(error{errc::request_timeout, "the checkout was abandoned by its requester"}));
    forget_holder(self, holder);
    it = st.waiters.erase(it);
  }
  std::vector<caf::actor_addr> orphaned;
  for (auto& [address, l] : st.lent)
    if (l.holder == holder) orphaned.push_back(address);
  for (auto& address : orphaned) checkin(self, address, false);
  dispatch(self);
}

pool_actor::behavior_type pool_impl(pool_pointer self, std::string name, url target,
                                    drivers::connection_options connection_options, pool_options options) {
  auto& st = self->state;
  st.pool_name = std::move(name);
  st.target = std::move(target);
  st.connection_options = std::move(connection_options);
  st.options = options;
  self->set_down_handler([=](caf::down_msg& down) {
    auto& st = self->state;
    // A connection died: forget it wherever it was. One that dies young counts as a
    // failed connect (a crash loop backs off like a refused connection).
    auto died = [&](const pooled& p) {
      count_replaced(self, "died");
      if (clock::now() - p.opened < std::chrono::seconds(1)) back_off(self);
    };
    if (auto l = st.lent.find(down.source); l != st.lent.end()) {
      died(l->second.entry);
      forget_holder(self, l->second.holder);
      st.lent.erase(l);
    } else {
      auto it = std::find_if(st.idle.begin(), st.idle.end(),
                             [&](const pooled& p) { return p.connection.actor.address() == down.source; });
      if (it != st.idle.end()) {
        died(*it);
        st.idle.erase(it);
      }
    }
    // A holder died: its checkouts are dropped, its connections come back rolled back.
    abandon(self, down.source);
  });
  return {
      [=](checkout_atom, caf::actor_addr holder) -> caf::result<connection_handle> {
        auto& st = self->state;
        if (st.disposed) return to_caf_error(error{errc::disposed, "pool '" + st.pool_name + "' is disposed"});
        auto promise = self->make_response_promise<connection_handle>();
        auto id = st.next_waiter++;
        watch_holder(self, holder);
        st.waiters.push_back(waiter{id, promise, std::move(holder), clock::now() + st.options.timeout});
        dispatch(self);
        if (!st.waiters.empty() && st.waiters.back().id == id)
          st.log->debug("pool '{}': a checkout waits in {}", st.pool_name, st.limits());
        return promise;
      },
      [=](checkin_atom, const connection_actor& c, bool clean) { checkin(self, c.address(), clean); },
      [=](timeout_atom, std::uint64_t id) {
        auto& st = self->state;
        auto it = std::find_if(st.waiters.begin(), st.waiters.end(), [&](const waiter& w) { return w.id == id; });
        if (it == st.waiters.end()) return;
        auto w = std::move(*it);
        st.waiters.erase(it);
        w.promise.deliver(to_caf_error(pool_timeout_error(st)));
        forget_holder(self, w.holder);
      },
      [=](abandon_atom, const caf::actor_addr& holder) { abandon(self, holder); },
      [=](retry_atom) {
        self->state.retry_scheduled = false;
        dispatch(self);
      },
      [=](status_atom) {
        auto& st = self->state;
        return pool_status{st.options.size, st.options.max_overflow, st.idle.size(), st.lent.size(),
                           st.opening,      st.waiters.size(),       st.opened,      st.replaced};
      },
      [=](dispose_atom) -> ok_atom {
        auto& st = self->state;
        st.disposed = true;
        for (auto& w : st.waiters)
          w.promise.deliver(to_caf_error(error{errc::disposed, "pool '" + st.pool_name + "' was disposed"}));
        st.waiters.clear();
        for (auto& p : st.idle) close_connection(self, p.connection);
        for (auto& [address, l] : st.lent) close_connection(self, l.entry.connection);
        st.idle.clear();
        st.lent.clear();
        self->quit();
        return ok_atom::value;
      },
  };
}

}  // namespace

pool_actor spawn_pool(caf::actor_system& system, std::string name, const url& target,
                      const drivers::connection_options& connection_options, const pool_options& options) {
  return system.spawn(pool_impl, std::move(name), target, connection_options, options);
}

}  // namespace orca::actors

// The process-wide queues of SQLite write-lock waiters. The mutex guards a few pointer moves
// only; nothing waits while holding it.
#include "write_lock_queue.hpp"

#include <deque>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <caf/send.hpp>

namespace orca::actors {

namespace {

struct database {
  std::deque<std::pair<connection_actor, std::uint64_t>> waiters;
  const void* holder = nullptr;  ///< the connection of this process holding the lock, if known
};

struct queues {
  std::mutex mutex;
  std::unordered_map<std::string, database> by_path;
};

queues& all() {
  static queues instance;
  return instance;
}

}  // namespace

bool wait_for_write_lock(const std::string& path, const connection_actor& waiter, std::uint64_t id) {
  auto& q = all();
  std::lock_guard lock{q.mutex};
  auto& db = q.by_path[path];
  db.waiters.emplace_back(waiter, id);
  return db.holder != nullptr;
}

bool write_lock_held_here(const std::string& path) {
  auto& q = all();
  std::lock_guard lock{q.mutex};
  auto it = q.by_path.find(path);
  return it != q.by_path.end() && it->second.holder != nullptr;
}

void write_lock_taken(const std::string& path, const void* holder) {
  auto& q = all();
  std::lock_guard lock{q.mutex};
  q.by_path[path].holder = holder;
}

void write_lock_released(const std::string& path, const void* connection) {
  std::pair<connection_actor, std::uint64_t> next;
  {
    auto& q = all();
    std::lock_guard lock{q.mutex};
    auto it = q.by_path.find(path);
    if (it == q.by_path.end()) return;
    auto& db = it->second;
    if (db.holder == connection)
      db.holder = nullptr;
    else if (db.holder != nullptr)
      return;  // another connection holds it: its end wakes the queue
    if (db.waiters.empty()) {
      q.by_path.erase(it);
      return;
    }
    next = std::move(db.waiters.front());
    db.waiters.pop_front();
  }
  caf::anon_send(next.first, retry_atom::value, next.second);
}

}  // namespace orca::actors

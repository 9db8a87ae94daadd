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

struct queues {
  std::mutex mutex;
  std::unordered_map<std::string, std::deque<std::pair<connection_actor, std::uint64_t>>> by_path;
};

queues& all() {
  static queues instance;
  return instance;
}

}  // namespace

void wait_for_write_lock(const std::string& path, const connection_actor& waiter, std::uint64_t id) {
  auto& q = all();
  std::lock_guard lock{q.mutex};
  q.by_path[path].emplace_back(waiter, id);
}

void write_lock_released(const std::string& path) {
  std::pair<connection_actor, std::uint64_t> next;
  {
    auto& q = all();
    std::lock_guard lock{q.mutex};
    auto it = q.by_path.find(path);
    if (it == q.by_path.end()) return;
    next = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) q.by_path.erase(it);
  }
  caf::anon_send(next.first, retry_atom::value, next.second);
}

}  // namespace orca::actors

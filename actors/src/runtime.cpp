// The shared actor system and the host-actor bookkeeping of the coroutine facade.
#include "orca/actors/runtime.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <caf/scheduler/coordinator.hpp>

#include "host.hpp"
#include "orca/drivers/error.hpp"
#include "scheduler_policy.hpp"

#include <mutex>
#include <vector>
#include <thread>

namespace orca::actors {

namespace {
thread_local caf::event_based_actor* current = nullptr;

// ORCA_SCHEDULER=caf-sharing runs CAF's own work-sharing policy instead of orca's
// (scheduler_policy.hpp), to compare the two.
bool caf_sharing_requested() {
  const char* choice = std::getenv("ORCA_SCHEDULER");
  return choice != nullptr && std::string_view{choice} == "caf-sharing";
}
thread_local coroutine_roots* current_root_set = nullptr;
}  // namespace

bool& keep_jobs_here() noexcept {
  thread_local bool keep = false;
  return keep;
}

// Scheduler workers: ORCA_WORKERS if set, else one per core but one. Nothing on the scheduler
// blocks (SQLite waits in its actors, PostgreSQL in the poller, blocking libpq calls on
// lanes), so one worker suffices for correctness; the core left over runs what is not on the
// scheduler (SQLite's checkpointer, CAF's clock, libpq lanes, the application's threads, and
// often the database server itself). On 2 cores, one worker instead of two made every SQLite
// phase faster (P2 5.2 -> 4.3x raw, P5 2.7 -> 2.0x, P6 at K = 8: 3.9-4.8k -> 6.1-6.3k
// transactions a second) and PostgreSQL's P5 and P6 too: each hop handed to the other worker
// cost a wake-up across cores and the data's trip between caches (docs/actors.md, Scheduler).
namespace {
unsigned worker_count() {
  if (const char* chosen = std::getenv("ORCA_WORKERS")) {
    unsigned n = 0;
    auto end = chosen + std::strlen(chosen);
    auto [rest, ec] = std::from_chars(chosen, end, n);
    if (ec != std::errc{} || rest != end || n < 1 || n > 256)
      throw error{
          errc::invalid_argument,
          std::string{"ORCA_WORKERS must be a number of scheduler threads from 1 to 256, not \""} + chosen + "\""};
    return n;
  }
  unsigned cores = std::thread::hardware_concurrency();  // 0 if unknown
  return cores > 1 ? cores - 1 : 1;
}
}  // namespace

runtime::runtime() {
  config_.set("scheduler.max-threads", worker_count());
  config_.set("scheduler.policy", caf::atom("sharing"));
  if (!caf_sharing_requested()) config_.load<caf::scheduler::coordinator<lazy_sharing>>();
  system_ = std::make_unique<caf::actor_system>(config_);
}

runtime::~runtime() {
  system_->await_all_actors_done();
  system_.reset();
}

std::shared_ptr<runtime> runtime::get() {
  static std::mutex mutex;
  static std::weak_ptr<runtime> shared;
  std::lock_guard<std::mutex> guard{mutex};
  auto rt = shared.lock();
  if (!rt) {
    rt = std::make_shared<runtime>();
    shared = rt;
  }
  return rt;
}

caf::event_based_actor* current_host() noexcept { return current; }
coroutine_roots* current_roots() noexcept { return current_root_set; }

host_scope::host_scope(caf::event_based_actor* host, coroutine_roots* roots) noexcept
    : previous_host_(current), previous_roots_(current_root_set) {
  current = host;
  current_root_set = roots;
}

host_scope::~host_scope() {
  current = previous_host_;
  current_root_set = previous_roots_;
}

void resume_on(caf::event_based_actor* host, coroutine_roots* roots, std::coroutine_handle<> h) {
  host_scope scope{host, roots};
  h.resume();
}

coroutine_roots::~coroutine_roots() {
  for (auto* frame : frames_) std::coroutine_handle<>::from_address(frame).destroy();
}

std::pair<std::uint64_t, bool> coroutine_roots::watch(clock::time_point deadline, const expiry& e) {
  std::uint32_t index = 0;
  if (free_.empty()) {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    index = free_.back();
    free_.pop_back();
  }
  auto& s = slots_[index];
  s.deadline = deadline;
  s.active = true;
  s.what = e;
  ++active_;
  auto id = (std::uint64_t{s.generation} << 32) | index;
  return {id, !std::exchange(ticking_, true)};
}

bool coroutine_roots::settle(std::uint64_t id) noexcept {
  auto index = static_cast<std::uint32_t>(id);
  if (index >= slots_.size()) return false;
  auto& s = slots_[index];
  if (!s.active || s.generation != static_cast<std::uint32_t>(id >> 32)) return false;
  release(index);
  return true;
}

void coroutine_roots::release(std::uint32_t index) {
  auto& s = slots_[index];
  s.active = false;
  ++s.generation;  // a late settle of this request finds a newer generation
  --active_;
  free_.push_back(index);
}

bool coroutine_roots::tick() {
  auto now = clock::now();
  std::vector<expiry> due;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    auto& s = slots_[i];
    if (!s.active || s.deadline > now) continue;
    due.push_back(s.what);
    release(i);
  }
  // Resuming may watch new requests (and reuse the slots just freed).
  for (auto& e : due) {
    *e.error = std::make_exception_ptr(orca::error{
        errc::request_timeout, *e.what + " did not answer within " + std::to_string(e.timeout.count()) + " ms"});
    resume_on(e.host, this, e.awaiting);
  }
  ticking_ = active_ != 0;
  return ticking_;
}

void coroutine_roots::launch(task<void> t, std::function<void(std::exception_ptr)> done) {
  auto h = t.release();
  frames_.insert(h.address());
  h.promise().on_root_done = [this, frame = h.address(), done = std::move(done)](std::exception_ptr e) {
    frames_.erase(frame);
    if (done) done(std::move(e));
  };
  h.resume();
}

}  // namespace orca::actors

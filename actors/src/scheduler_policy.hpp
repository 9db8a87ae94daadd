// orca's scheduler policy for CAF 0.17's coordinator: CAF's work sharing (one central queue),
// except that a chain of messages (host -> session -> connection -> session -> host) stays on
// the worker that is awake instead of waking a sleeping one for every hop:
// - a job enqueued by a worker while no other job waits wakes nobody: the worker runs it
//   when its current job ends (actors send as their handlers end);
// - a sleeping worker re-checks the queue while the system is busy, so that such a job
//   finds a free core if the current job runs long: every millisecond at first, and twice
//   as late (up to 8 ms) after each look that finds nothing;
// - jobs from outside the scheduler (timers, other threads) wake a sleeper;
// - one idle worker at a time waits on the sockets (poller::driver) instead of on the
//   condition variable: a ready socket wakes the worker that runs its actor, and the
//   messages it sends from there count as the worker's own.
// See docs/actors.md ("Scheduler") for the measurements behind it.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scheduler/worker.hpp>

#include "poller.hpp"
#include "scheduler_hint.hpp"

namespace orca::actors {

class lazy_sharing : public caf::policy::unprofiled {
public:
  using clock = std::chrono::steady_clock;
  /// While the system is busy, a sleeping worker looks at the queue this often at first, so
  /// that a job enqueued without a wake-up waits about this long for a free core...
  static constexpr std::chrono::milliseconds recheck{1};
  /// ...and after each look that finds nothing, twice as late, up to this; a look that finds
  /// a job goes back to `recheck`. A chain of messages that one worker runs alone (point
  /// reads, one after another) leaves the other nothing to find: its looks cost wake-ups,
  /// contention on the queue's lock, and now and then the chain itself, taken over by the
  /// wrong core (PostgreSQL P5, orca's side alone: 12-15% more CPU time with a look every
  /// millisecond).
  static constexpr std::chrono::milliseconds recheck_max{8};
  /// After this long without a job, sleeping workers sleep until woken.
  static constexpr std::chrono::seconds idle{1};

  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}
    std::deque<caf::resumable*> queue;  ///< guarded by lock
    std::mutex lock;
    std::condition_variable cv;
    std::size_t sleepers = 0;    ///< guarded by lock
    bool polling = false;        ///< a worker waits in `sockets`; guarded by lock
    clock::time_point last_job;  ///< guarded by lock
    poller::driver sockets;
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
    std::chrono::milliseconds look = recheck;  ///< this worker's next wait for a look
  };

  // From outside the scheduler (timers, the poller, other threads): wake a sleeper.
  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    push(d(self), job, false);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    push(d(self->parent()), job, false);
  }

  // From a worker: its actor usually sends as its handler ends, so the worker itself runs
  // the job next. A sleeper is woken only when more than this one job waits.
  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    push(d(self->parent()), job, true);
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    push(d(self->parent()), job, true);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& data = d(self->parent());
    auto& look = d(self).look;
    std::unique_lock guard{data.lock};
    while (data.queue.empty()) {
      bool busy = clock::now() - data.last_job < idle;
      if (!busy) look = recheck;
      if (!data.polling) {
        data.polling = true;
        guard.unlock();
        polling_for() = &data;
        data.sockets.poll(busy ? static_cast<int>(look.count()) : -1);
        polling_for() = nullptr;
        guard.lock();
        data.polling = false;
        // A socket or a wake-up ends the wait as well as the time: only an empty queue says
        // that the look found nothing.
        if (busy && data.queue.empty()) look = std::min(look * 2, recheck_max);
        continue;
      }
      ++data.sleepers;
      bool looked = busy && data.cv.wait_for(guard, look) == std::cv_status::timeout;
      if (!busy) data.cv.wait(guard);
      --data.sleepers;
      if (looked) look = data.queue.empty() ? std::min(look * 2, recheck_max) : recheck;
    }
    auto* job = data.queue.front();
    data.queue.pop_front();
    data.last_job = clock::now();
    // This worker leaves the sockets for a job: a sleeper takes over while replies are due.
    bool handover = !data.polling && data.sleepers > 0 && data.sockets.armed();
    guard.unlock();
    if (handover) data.cv.notify_one();
    return job;
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker*, UnaryFunction) {}

  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator* self, UnaryFunction f) {
    auto& data = d(self);
    std::lock_guard guard{data.lock};
    while (!data.queue.empty()) {
      auto* job = data.queue.front();
      data.queue.pop_front();
      f(job);
    }
  }

private:
  /// The scheduler whose sockets this thread waits on, if it does.
  static coordinator_data*& polling_for() noexcept {
    thread_local coordinator_data* data = nullptr;
    return data;
  }

  static void push(coordinator_data& data, caf::resumable* job, bool from_worker) {
    bool own = from_worker || polling_for() == &data;  // the pushing thread will run it
    bool wake_sleeper = false;
    bool wake_poller = false;
    {
      std::lock_guard guard{data.lock};
      data.queue.push_back(job);
      // More than this job waits: wake a sleeper, unless the handler asked to keep its
      // jobs on this worker (scheduler_hint.hpp).
      if (!own || (data.queue.size() > 1 && !keep_jobs_here())) {
        wake_sleeper = data.sleepers > 0;
        wake_poller = !wake_sleeper && data.polling && polling_for() != &data;
      }
    }
    if (wake_sleeper)
      data.cv.notify_one();
    else if (wake_poller)
      data.sockets.interrupt();
  }
};

}  // namespace orca::actors

// CAF's worker loop, minus one cross-cast per job. CAF 0.17's `worker::run` computes the
// job's actor id for the logger with `dynamic_cast<abstract_actor*>(job)` before every
// resume, even when logging is compiled out (CAF_PUSH_AID_FROM_PTR evaluates its argument).
// `resumable` and `abstract_actor` are sibling bases of an actor, so that is a cross-cast
// that walks the class hierarchy and compares type names: about 1,200 instructions a job,
// a quarter of a SQLite point get's work on the scheduler. This is the same loop without it;
// it replaces CAF's for orca's policy only (runtime.cpp is the one place that instantiates it).
template <>
inline void caf::scheduler::worker<orca::actors::lazy_sharing>::run() {
  CAF_SET_LOGGER_SYS(&system());
  for (;;) {
    auto* job = policy_.dequeue(this);
    policy_.before_resume(this, job);
    auto res = job->resume(this, max_throughput_);
    policy_.after_resume(this, job);
    switch (res) {
      case resumable::resume_later:
        policy_.resume_job_later(this, job);  // the job stays referenced: it remains in the loop
        break;
      case resumable::done:
        policy_.after_completion(this, job);
        intrusive_ptr_release(job);
        break;
      case resumable::awaiting_message:
        intrusive_ptr_release(job);  // enqueued again by its next message
        break;
      case resumable::shutdown_execution_unit:
        policy_.after_completion(this, job);
        policy_.before_shutdown(this);
        return;
    }
  }
}

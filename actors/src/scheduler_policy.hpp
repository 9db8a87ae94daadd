// orca's scheduler policy for CAF 0.17's coordinator: CAF's work sharing (one central queue),
// except that a chain of messages (host -> session -> connection -> session -> host) stays on
// the worker that is awake instead of waking a sleeping one for every hop:
// - a job enqueued by a worker while no other job waits wakes nobody: the worker runs it
//   when its current job ends (actors send as their handlers end);
// - a sleeping worker re-checks the queue every millisecond while the system is busy, so
//   such a job waits at most that long for a free core if the current job runs long;
// - jobs from outside the scheduler (timers, the poller, other threads) wake a sleeper.
// See docs/actors.md ("Scheduler") for the measurements behind it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace orca::actors {

class lazy_sharing : public caf::policy::unprofiled {
public:
  using clock = std::chrono::steady_clock;
  /// While the system is busy, a sleeping worker looks at the queue this often, so that a
  /// job enqueued without a wake-up waits at most this long for a free core.
  static constexpr std::chrono::milliseconds recheck{1};
  /// After this long without a job, sleeping workers sleep until woken.
  static constexpr std::chrono::seconds idle{1};

  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}
    std::deque<caf::resumable*> queue;  ///< guarded by lock
    std::mutex lock;
    std::condition_variable cv;
    std::size_t sleepers = 0;    ///< guarded by lock
    clock::time_point last_job;  ///< guarded by lock
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
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
    std::unique_lock guard{data.lock};
    while (data.queue.empty()) {
      ++data.sleepers;
      if (clock::now() - data.last_job < idle)
        data.cv.wait_for(guard, recheck);
      else
        data.cv.wait(guard);
      --data.sleepers;
    }
    auto* job = data.queue.front();
    data.queue.pop_front();
    data.last_job = clock::now();
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
  static void push(coordinator_data& data, caf::resumable* job, bool from_worker) {
    bool wake;
    {
      std::lock_guard guard{data.lock};
      data.queue.push_back(job);
      wake = data.sleepers > 0 && (!from_worker || data.queue.size() > 1);
    }
    if (wake) data.cv.notify_one();
  }
};

}  // namespace orca::actors

// A hint from an actor to orca's scheduler policy (scheduler_policy.hpp): the jobs this
// handler enqueues are to run on this worker, one after another, not on a worker woken for
// them. For a chain whose jobs hand large data to each other (a stream's fetch and merge),
// running them on one core costs less than moving the data between two cores' caches.
// Private to the actors layer.
#pragma once

namespace orca::actors {

/// True while the current handler asked to keep its jobs on this worker.
bool& keep_jobs_here() noexcept;

/// Keeps the jobs enqueued during its lifetime on the current worker (see above).
class keep_on_this_worker {
public:
  keep_on_this_worker() noexcept : previous_(keep_jobs_here()) { keep_jobs_here() = true; }
  ~keep_on_this_worker() { keep_jobs_here() = previous_; }
  keep_on_this_worker(const keep_on_this_worker&) = delete;
  keep_on_this_worker& operator=(const keep_on_this_worker&) = delete;

private:
  bool previous_;
};

}  // namespace orca::actors

// orca::run: a host actor runs the main coroutine; the calling thread waits for its end.
#include "orca/run.hpp"

#include <cstdio>
#include <future>

#include <caf/stateful_actor.hpp>

#include "orca/actors/atoms.hpp"
#include "orca/actors/caf_error.hpp"
#include "orca/actors/message_types.hpp"
#include "host.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/drivers/error.hpp"

namespace orca {

namespace detail {

void launch_on_host(task<void> t, std::function<void(std::exception_ptr)> done) {
  auto* roots = actors::current_roots();
  if (roots == nullptr)
    throw error(errc::invalid_state, "orca coroutines run inside orca::run(): call this from a task it drives");
  roots->launch(std::move(t), std::move(done));
}

}  // namespace detail

namespace {

struct host_state {
  actors::coroutine_roots roots;
  static inline const char* name = "orca.host";
};

caf::behavior host_impl(caf::stateful_actor<host_state>* self, std::shared_ptr<task<void>> main,
                        std::shared_ptr<std::promise<std::exception_ptr>> finished) {
  actors::host_scope scope{self, &self->state.roots};
  self->state.roots.launch(std::move(*main), [self, finished](std::exception_ptr e) {
    finished->set_value(std::move(e));  // the waiting thread holds the only reference
    self->quit();
  });
  return {
      [](actors::ok_atom) {},
      [self](actors::timeout_atom) {
        if (self->state.roots.tick())
          self->delayed_send(self, actors::coroutine_roots::tick_interval, actors::timeout_atom::value);
      },
  };
}

task<void> capture_status(task<int> main, int* status) { *status = co_await std::move(main); }

std::exception_ptr run_on_host(task<void> main) {
  auto rt = actors::runtime::get();
  auto finished = std::make_shared<std::promise<std::exception_ptr>>();
  auto result = finished->get_future();
  rt->system().spawn(host_impl, std::make_shared<task<void>>(std::move(main)), finished);
  return result.get();
}

int report(const std::exception_ptr& e) {
  if (!e) return 0;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    std::fprintf(stderr, "orca: %s\n", x.what());
  } catch (...) {
    std::fprintf(stderr, "orca: the main task failed with an unknown exception\n");
  }
  return 1;
}

}  // namespace

int run(task<void> main) { return report(run_on_host(std::move(main))); }

int run(task<int> main) {
  int status = 0;
  auto e = run_on_host(capture_status(std::move(main), &status));
  return e ? report(e) : status;
}

void run_or_throw(task<void> main) {
  if (auto e = run_on_host(std::move(main))) std::rethrow_exception(e);
}

}  // namespace orca

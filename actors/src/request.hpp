// ask(): sends one request from the current host actor and resumes the awaiting coroutine
// with the reply. Shared by engine.cpp and session.cpp (private to the actors layer).
#pragma once

#include <coroutine>
#include <string>

#include <caf/event_based_actor.hpp>
#include <caf/response_handle.hpp>

#include "orca/actors/atoms.hpp"
#include "orca/actors/caf_error.hpp"
#include "orca/actors/message_types.hpp"
#include "host.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/operation.hpp"

namespace orca::actors {

/// The host actor of the awaiting coroutine; throws invalid_state outside orca::run.
inline caf::event_based_actor* require_host() {
  auto* host = current_host();
  if (host == nullptr)
    throw error(errc::invalid_state, "orca operations are awaited inside orca::run(): call this from a task it drives");
  return host;
}

template <class ResponseHandle>
struct reply_types;
template <class Self, class... Os>
struct reply_types<caf::response_handle<Self, caf::detail::type_list<Os...>, false>> {
  using types = caf::detail::type_list<Os...>;
};

template <class T, class OnReply, class... Os>
auto typed_reply_handler(detail::outcome<T>* result, caf::event_based_actor* host, coroutine_roots* roots,
                         std::uint64_t watched, std::coroutine_handle<> h, OnReply on_reply,
                         caf::detail::type_list<Os...>) {
  return [=](Os&... reply) {
    if (!roots->settle(watched)) return;  // too late: the caller was already told it timed out
    try {
      on_reply(*result, reply...);
    } catch (...) {
      result->error = std::current_exception();
    }
    resume_on(host, roots, h);
  };
}

/// Sends `xs...` to `dest`; `on_reply(outcome, reply...)` fills the outcome (it must take
/// exactly the reply types); errors become orca::error naming `what`. Past `timeout` the
/// caller gets errc::request_timeout (checked by the host's tick, see coroutine_roots).
template <class T, class Handle, class OnReply, class... Ts>
detail::operation<T> ask(Handle dest, std::chrono::milliseconds timeout, const std::string& what, OnReply on_reply,
                         Ts... xs) {
  // The arguments are moved into the starter and from it into the message: a session.add()
  // of a hundred thousand objects sends its list without copying it (the starter runs once).
  return detail::operation<T>{[=, ... xs = std::move(xs)](detail::outcome<T>& out, std::coroutine_handle<> h) mutable {
    auto* host = require_host();
    auto* roots = current_roots();
    auto* result = &out;
    auto [watched, start_ticking] = roots->watch(coroutine_roots::clock::now() + timeout,
                                                 {&result->error, host, h, &what, timeout});
    if (start_ticking) host->delayed_send(host, coroutine_roots::tick_interval, timeout_atom::value);
    auto handle = host->request(dest, caf::infinite, std::move(xs)...);
    using types = typename reply_types<decltype(handle)>::types;
    handle.then(typed_reply_handler(result, host, roots, watched, h, on_reply, types{}),
                [=, watched = watched](caf::error& e) {
                  if (!roots->settle(watched)) return;
                  result->error = std::make_exception_ptr(from_caf_error(e, what));
                  resume_on(host, roots, h);
                });
  }};
}

}  // namespace orca::actors

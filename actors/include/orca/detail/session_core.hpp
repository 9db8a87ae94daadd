// orca::detail::session_core and stream_core: the untyped calls behind the session facade,
// one typed request per call to a session or stream actor (defined in actors/src/session.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "orca/engine.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "orca/operation.hpp"

namespace orca {

namespace detail {

/// The untyped pull calls behind async_result: one stream actor (defined in session.cpp).
class stream_core {
public:
  struct impl;
  explicit stream_core(std::unique_ptr<impl> state);
  ~stream_core();  ///< closes the stream if it is still open
  stream_core(const stream_core&) = delete;
  stream_core& operator=(const stream_core&) = delete;
  /// The next batch and whether more follow.
  operation<std::pair<std::vector<object_ref>, bool>> fetch();

private:
  std::unique_ptr<impl> impl_;
};

/// The untyped calls behind async_session (defined next to the actors, in session.cpp).
class session_core {
public:
  session_core(std::shared_ptr<engine_state> engine, session_options options);
  ~session_core();
  session_core(const session_core&) = delete;
  session_core& operator=(const session_core&) = delete;

  void add(object_ref object) { pending_adds_.push_back(std::move(object)); }
  operation<void> send_adds();
  bool has_adds() const noexcept { return !pending_adds_.empty(); }
  operation<std::vector<object_ref>> execute(const select_spec& spec);
  operation<object_ref> get(const table_info& table, key k);
  operation<void> remove(object_ref object);
  operation<void> flush();
  operation<void> commit();
  operation<void> rollback();
  operation<void> refresh(object_ref object);
  operation<void> expire(object_ref object);
  operation<std::shared_ptr<stream_core>> open_stream(const select_spec& spec, std::size_t batch_size);
  /// Rolls back without waiting (used by destructors).
  void rollback_later() noexcept;
  operation<void> close();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::vector<object_ref> pending_adds_;
};

template <class T>
std::shared_ptr<T> typed(const object_ref& o) {
  return std::static_pointer_cast<T>(o.object);
}

template <class T>
object_ref untyped(std::shared_ptr<T> object) {
  return object_ref{&table_of<T>(), std::move(object)};
}

}  // namespace detail

}  // namespace orca

// orca::detail::session_core and stream_core: the untyped calls behind the session facade,
// one typed request per call to a session or stream actor (defined in actors/src/session.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "orca/engine.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/pending_rows.hpp"
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
  /// The next batch as rows (a stream of rows of columns) and whether more follow.
  operation<std::pair<drivers::rowset, bool>> fetch_rows();

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

  /// Queues an object for the session actor (sent before the next call); errc::closed
  /// once the session is closed. Every `sweep_interval` adds, the objects queued since the
  /// last sweep that the application no longer holds become rows (sweep_adds()).
  void add(object_ref object) {
    check_open();
    if (pending_adds_.size() - swept_ >= sweep_interval) sweep_adds();
    pending_adds_.push_back(std::move(object));
  }
  /// Sends the queued adds and rows; with none queued, an operation that does not suspend.
  operation<void> send_adds();
  /// Drops the queued adds and rows (a rollback discards them, as it expunges pending objects).
  void discard_adds() noexcept {
    pending_adds_.clear();
    rows_ = {};
    swept_ = 0;
  }
  /// Objects queued between two sweeps.
  static constexpr std::size_t sweep_interval = 1024;

  /// Throws errc::closed once close() was called.
  void check_open() const;
  /// True once close() was called.
  bool closed() const noexcept { return closed_; }
  /// Opens the explicit transaction of `session.begin()` and returns its number; throws
  /// errc::invalid_state if one is open already.
  std::uint64_t open_transaction();
  /// True while transaction `id` is the session's open explicit transaction.
  bool transaction_open(std::uint64_t id) const noexcept { return id != 0 && open_transaction_ == id; }
  /// True while an explicit transaction (`session.begin()`) is open.
  bool explicit_transaction() const noexcept { return open_transaction_ != 0; }
  /// Ends the open explicit transaction (by its commit or rollback, or the session's).
  void end_transaction() noexcept {
    open_transaction_ = 0;
    savepoints_ = 0;
  }
  operation<std::vector<object_ref>> execute(const select_spec& spec);
  /// The same, the objects put in `sink` (which the session actor shares until it is done).
  operation<void> execute_into(const select_spec& spec, std::shared_ptr<result_sink> sink);
  operation<object_ref> get(const table_info& table, key k);
  operation<void> remove(object_ref object);
  operation<void> flush();
  operation<void> commit();
  operation<void> rollback();
  operation<void> refresh(object_ref object);
  operation<void> expire(object_ref object);
  operation<std::shared_ptr<stream_core>> open_stream(const select_spec& spec, std::size_t batch_size);
  /// Opens a stream of rows of columns (`query` starts with no class).
  operation<std::shared_ptr<stream_core>> open_row_stream(std::shared_ptr<const query_spec> query,
                                                          std::size_t batch_size);
  /// Runs a query of rows, a bulk statement, SQL text or a connection function.
  operation<query_reply> run(const query_request& request);
  /// Rolls back without waiting (used by destructors).
  void rollback_later() noexcept;
  operation<void> close();
  /// Removes a queued add of `object`; true if it was queued.
  bool unqueue_add(const void* object);
  operation<void> expunge(object_ref object);
  operation<object_ref> merge(object_ref copy);
  operation<bool> in_transaction();
  /// Closes the session, killing its connection instead of returning it.
  operation<void> invalidate();
  /// `op` on the session's savepoints: "begin", "release" or "rollback".
  operation<void> savepoint(std::string op);
  /// Opens a savepoint level of `begin_nested()` and returns its depth.
  std::size_t open_savepoint();
  /// True while `depth` is the innermost open savepoint level.
  bool savepoint_open(std::size_t depth) const noexcept { return depth != 0 && depth == savepoints_; }
  /// Ends the innermost savepoint level.
  void end_savepoint() noexcept {
    if (savepoints_ > 0) --savepoints_;
  }
  /// Rolls back to the innermost savepoint without waiting (used by destructors).
  void rollback_savepoint_later() noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  /// Packs the objects queued since the last sweep that only the queue holds into rows_
  /// (pending_rows says which qualify); the others stay queued.
  void sweep_adds();

  std::vector<object_ref> pending_adds_;
  std::size_t swept_ = 0;  ///< pending_adds_ before this index were swept
  pending_rows rows_;      ///< objects the application let go of, as the rows they insert
  bool closed_ = false;
  std::uint64_t open_transaction_ = 0;  ///< the explicit transaction's number, 0 if none
  std::uint64_t transactions_ = 0;      ///< explicit transactions begun so far
  std::size_t savepoints_ = 0;          ///< open begin_nested() levels
};

/// Whether T is a std::shared_ptr (session.add() tells objects from pointers).
template <class T>
struct is_shared_ptr : std::false_type {};
template <class T>
struct is_shared_ptr<std::shared_ptr<T>> : std::true_type {};

template <class T>
std::shared_ptr<T> typed(const object_ref& o) {
  return std::static_pointer_cast<T>(o.object);
}
template <class T>
std::shared_ptr<T> typed(object_ref&& o) {
  return std::static_pointer_cast<T>(std::move(o.object));
}

/// The objects of a buffered query of T, put in the list scalar_result<T> returns as the
/// load merges them (loader::load_into).
template <class T>
class typed_sink final : public result_sink {
public:
  const table_info& table() const noexcept override { return table_of<T>(); }
  void reserve(std::size_t n) override { objects.reserve(objects.size() + n); }
  void push(std::shared_ptr<void> object) override {
    objects.push_back(std::static_pointer_cast<T>(std::move(object)));
  }
  std::size_t size() const noexcept override { return objects.size(); }
  void* get(std::size_t i) const noexcept override { return objects[i].get(); }
  std::shared_ptr<void> share(std::size_t i) const override { return objects[i]; }

  std::vector<std::shared_ptr<T>> objects;
};

template <class T>
object_ref untyped(std::shared_ptr<T> object) {
  return object_ref{&table_of<T>(), std::move(object)};
}

}  // namespace detail

}  // namespace orca

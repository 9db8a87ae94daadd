// orca::async_session and async_sessionmaker: the facade over a session actor. Every call
// that talks to the database is a task to co_await; objects come back as std::shared_ptr<T>.
// Used by application code; a CAF actor may talk to the session actor directly instead.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <coroutine>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/engine.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/select.hpp"
#include "orca/model/sync_session.hpp"
#include "orca/operation.hpp"
#include "orca/task.hpp"

namespace orca {

namespace detail {

/// The untyped pull calls behind async_result: one stream actor (defined in session.cpp).
class stream_core {
public:
  struct impl;
  explicit stream_core(std::unique_ptr<impl> state);
  ~stream_core();  ///< closes the stream if it is still open
  stream_core(const stream_core&) = delete;
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

  void add(object_ref object) { pending_adds_.push_back(std::move(object)); }
  operation<void> send_adds();
  bool has_adds() const noexcept { return !pending_adds_.empty(); }
  operation<std::vector<object_ref>> execute(const select_spec& spec);
  operation<object_ref> get(const table_info& table, std::int64_t key);
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
std::shared_ptr<T> typed(const object_ref& o) { return std::static_pointer_cast<T>(o.object); }

template <class T>
object_ref untyped(std::shared_ptr<T> object) { return object_ref{&table_of<T>(), std::move(object)}; }

}  // namespace detail

/// The buffered result of a query: objects in row order.
template <class T>
class scalar_result {
public:
  explicit scalar_result(std::vector<std::shared_ptr<T>> objects) : objects_(std::move(objects)) {}
  auto begin() const { return objects_.begin(); }
  auto end() const { return objects_.end(); }
  /// Number of objects.
  std::size_t size() const noexcept { return objects_.size(); }
  /// True if the query found nothing.
  bool empty() const noexcept { return objects_.empty(); }
  /// The first object, or null.
  std::shared_ptr<T> first() const { return objects_.empty() ? nullptr : objects_.front(); }
  /// The only object; errc::no_result or errc::multiple_results otherwise.
  std::shared_ptr<T> one() const {
    if (objects_.empty()) throw error(errc::no_result, "one(): the query returned no " + table_of<T>().class_name());
    if (objects_.size() > 1)
      throw error(errc::multiple_results, "one(): the query returned " + std::to_string(objects_.size()) + " " +
                                              table_of<T>().class_name() + " objects");
    return objects_.front();
  }
  /// Every object.
  const std::vector<std::shared_ptr<T>>& all() const noexcept { return objects_; }
  /// The result itself (SQLAlchemy's result.scalars()).
  const scalar_result& scalars() const noexcept { return *this; }

private:
  std::vector<std::shared_ptr<T>> objects_;
};

/// A streamed result: objects arrive in batches from a server-side cursor as next() asks
/// for them, so memory holds one batch whatever the result size. Dropping it closes the
/// cursor. Valid while its session is open and its transaction lasts.
template <class T>
class async_result {
public:
  explicit async_result(std::shared_ptr<detail::stream_core> stream) : stream_(std::move(stream)) {}
  async_result(async_result&& other) noexcept
      : stream_(std::move(other.stream_)), batch_(std::move(other.batch_)), index_(other.index_),
        more_(std::exchange(other.more_, false)) {}
  async_result& operator=(async_result&&) = delete;

  /// Awaiting next(): ready at once while the current batch has objects; otherwise it asks
  /// the session for the next batch. No coroutine frame per object.
  class next_awaiter {
  public:
    explicit next_awaiter(async_result& result) : result_(result) {}
    bool await_ready() const noexcept { return result_.index_ < result_.batch_.size() || !result_.more_; }
    void await_suspend(std::coroutine_handle<> h) {
      fetch_.emplace(result_.stream_->fetch());
      fetch_->await_suspend(h);
    }
    std::shared_ptr<T> await_resume() {
      if (fetch_) {
        auto [objects, more] = fetch_->await_resume();
        result_.batch_ = std::move(objects);
        result_.index_ = 0;
        // A batch is never empty while rows remain; an empty one ends the stream.
        result_.more_ = more && !result_.batch_.empty();
      }
      if (result_.index_ < result_.batch_.size()) return detail::typed<T>(result_.batch_[result_.index_++]);
      return nullptr;
    }

  private:
    async_result& result_;
    std::optional<detail::operation<std::pair<std::vector<object_ref>, bool>>> fetch_;
  };

  /// The next object, or null at the end (`while (auto a = co_await result.next())`).
  next_awaiter next() { return next_awaiter{*this}; }
  /// The next batch (at most the stream's batch size); empty at the end.
  task<std::vector<std::shared_ptr<T>>> next_batch() {
    std::vector<std::shared_ptr<T>> out;
    if (index_ >= batch_.size() && more_) {
      auto [objects, more] = co_await stream_->fetch();
      batch_ = std::move(objects);
      index_ = 0;
      more_ = more;
    }
    for (; index_ < batch_.size(); ++index_) out.push_back(detail::typed<T>(batch_[index_]));
    co_return out;
  }
  /// The result itself (SQLAlchemy's result.scalars()).
  async_result& scalars() noexcept { return *this; }

private:
  std::shared_ptr<detail::stream_core> stream_;
  std::vector<object_ref> batch_;
  std::size_t index_ = 0;
  bool more_ = true;
};

class async_session;

/// `co_await session.begin()`: a transaction that commits with `co_await tx.commit()` and
/// is rolled back if dropped uncommitted.
class session_transaction {
public:
  explicit session_transaction(std::shared_ptr<detail::session_core> session) : session_(std::move(session)) {}
  session_transaction(session_transaction&& other) noexcept : session_(std::move(other.session_)) {}
  ~session_transaction();
  /// Flushes and commits.
  task<void> commit();
  /// Rolls back.
  task<void> rollback();

private:
  std::shared_ptr<detail::session_core> session_;
};

/// A session: its own identity map and unit of work in a session actor. One caller at a
/// time; many sessions run concurrently, each on its own connection. Closing it (or
/// dropping it) rolls back what was not committed and returns its connection.
class async_session {
public:
  async_session(std::shared_ptr<detail::engine_state> engine, session_options options)
      : core_(std::make_shared<detail::session_core>(std::move(engine), options)) {}

  /// Adds a new object (saved at the next flush, with what its relationships hold).
  template <class T>
  std::shared_ptr<T> add(T object) {
    auto p = std::make_shared<T>(std::move(object));
    core_->add(detail::untyped(p));
    return p;
  }
  /// Adds an existing object.
  template <class T>
  void add(std::shared_ptr<T> object) { core_->add(detail::untyped(std::move(object))); }
  /// Adds several new objects (`session.add_all({A{...}, A{...}})`).
  template <class T>
  std::vector<std::shared_ptr<T>> add_all(std::initializer_list<T> objects) {
    std::vector<std::shared_ptr<T>> added;
    for (auto& o : objects) added.push_back(add(T{o}));
    return added;
  }
  /// Adds several existing objects.
  template <class T>
  void add_all(const std::vector<std::shared_ptr<T>>& objects) {
    for (auto& o : objects) add(o);
  }

  /// Begins a transaction explicitly (`auto tx = co_await session.begin();`).
  task<session_transaction> begin() {
    co_return session_transaction{core_};
  }

  /// Runs a query, buffered.
  template <class T>
  task<scalar_result<T>> scalars(select_statement<T> statement) {
    co_await send_adds();
    auto objects = co_await core_->execute(statement.spec());
    std::vector<std::shared_ptr<T>> typed;
    typed.reserve(objects.size());
    for (auto& o : objects) typed.push_back(detail::typed<T>(o));
    co_return scalar_result<T>{std::move(typed)};
  }
  /// Same as scalars() (a select of one class yields its objects).
  template <class T>
  task<scalar_result<T>> execute(select_statement<T> statement) {
    return scalars(std::move(statement));
  }
  /// Runs a query streamed from a server-side cursor (`batch_size` rows at a time; 0: the
  /// session's stream_batch_size).
  template <class T>
  task<async_result<T>> stream(select_statement<T> statement, std::size_t batch_size = 0) {
    co_await send_adds();
    co_return async_result<T>{co_await core_->open_stream(statement.spec(), batch_size)};
  }
  /// The object with this primary key (null if none); no SQL if the session has it.
  template <class T>
  task<std::shared_ptr<T>> get(std::int64_t key) {
    co_await send_adds();
    co_return detail::typed<T>(co_await core_->get(table_of<T>(), key));
  }
  /// Marks an object for deletion at the next flush.
  template <class T>
  task<void> remove(std::shared_ptr<T> object) {
    co_await send_adds();
    co_await core_->remove(detail::untyped(std::move(object)));
  }
  /// Reloads an object's columns from the database.
  template <class T>
  task<void> refresh(std::shared_ptr<T> object) {
    co_await send_adds();
    co_await core_->refresh(detail::untyped(std::move(object)));
  }
  /// Marks an object expired (its next load overwrites it).
  template <class T>
  task<void> expire(std::shared_ptr<T> object) {
    co_await core_->expire(detail::untyped(std::move(object)));
  }
  /// Loads one collection of one object now (SQLAlchemy's `await obj.awaitable_attrs.bs`).
  template <class T, class C>
  task<void> load(std::shared_ptr<T> object, collection<C> T::*member) {
    co_await send_adds();
    auto& table = table_of<T>();
    auto statement = select<T>()
                         .where_foreign_key(table.primary_key().ordinal, table.key_of(object.get()))
                         .options(selectinload(member));
    auto spec = statement.spec();
    co_await core_->execute(spec);
  }
  /// Writes pending changes.
  task<void> flush() {
    co_await send_adds();
    co_await core_->flush();
  }
  /// Flushes and commits.
  task<void> commit() {
    co_await send_adds();
    co_await core_->commit();
  }
  /// Rolls back.
  task<void> rollback() {
    co_await send_adds();
    co_await core_->rollback();
  }
  /// Rolls back what is uncommitted, returns the connection, ends the session.
  task<void> close() { co_await core_->close(); }

private:
  task<void> send_adds() {
    if (core_->has_adds()) co_await core_->send_adds();
  }
  std::shared_ptr<detail::session_core> core_;
};

/// A factory of sessions bound to an engine (SQLAlchemy's async_sessionmaker).
class async_sessionmaker {
public:
  explicit async_sessionmaker(engine e, session_options options = {}) : engine_(std::move(e)), options_(options) {}
  /// A new session.
  async_session operator()() const { return async_session{engine_.state(), options_}; }

private:
  engine engine_;
  session_options options_;
};

}  // namespace orca

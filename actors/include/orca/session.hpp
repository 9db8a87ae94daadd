// orca::async_session: the facade over a session actor. Every call that talks to the
// database is a task to co_await; objects come back as std::shared_ptr<T>. Used by
// application code; a CAF actor may talk to the session actor directly instead.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "orca/async_result.hpp"
#include "orca/detail/session_core.hpp"
#include "orca/scalar_result.hpp"
#include "orca/session_transaction.hpp"
#include "orca/task.hpp"

namespace orca {

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
  void add(std::shared_ptr<T> object) {
    core_->add(detail::untyped(std::move(object)));
  }
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
  task<session_transaction> begin() { co_return session_transaction{core_}; }

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
  /// The object with this primary key (null if none); no SQL if the session has it. The
  /// key is of the key member's type (`get<A>(42)`, `get<U>(orca::uuid{...})`), or a
  /// std::tuple for a composite key (`get<C>(std::tuple{1, std::string{"x"}})`).
  template <class T, class K>
  task<std::shared_ptr<T>> get(K key) {
    auto k = make_key(key);
    table_of<T>().check_key(k);
    co_await send_adds();
    co_return detail::typed<T>(co_await core_->get(table_of<T>(), std::move(k)));
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
    auto statement = select<T>().where_key(table.key_of(object.get())).options(selectinload(member));
    const auto& spec = statement.spec();
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

}  // namespace orca

// orca::nested_transaction: the savepoint `co_await session.begin_nested()` returns;
// released with commit(), rolled back if dropped. Defined in actors/src/session.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include "orca/detail/session_core.hpp"
#include "orca/task.hpp"

namespace orca {

/// `co_await session.begin_nested()`: a SAVEPOINT inside the session's transaction.
/// `co_await nested.commit()` releases it (its changes stay in the enclosing transaction,
/// which commits or rolls back as usual); `co_await nested.rollback()`, or dropping it
/// uncommitted, rolls back to it: the database and the session's objects are as they were
/// at begin_nested() (objects added since become transient; see
/// sync_session::rollback_nested for the details). Savepoints nest; only the innermost
/// open one can be committed or rolled back.
class nested_transaction {
public:
  /// Wraps savepoint level `depth` of `session` (begin_nested() makes these).
  nested_transaction(std::shared_ptr<detail::session_core> session, std::size_t depth);
  nested_transaction(nested_transaction&& other) noexcept
      : session_(std::move(other.session_)), depth_(std::exchange(other.depth_, 0)) {}
  nested_transaction(const nested_transaction&) = delete;
  nested_transaction& operator=(const nested_transaction&) = delete;
  nested_transaction& operator=(nested_transaction&&) = delete;
  ~nested_transaction();
  /// Flushes and releases the savepoint (RELEASE SAVEPOINT).
  task<void> commit();
  /// Rolls back to the savepoint (ROLLBACK TO SAVEPOINT), database and objects.
  task<void> rollback();

private:
  std::shared_ptr<detail::session_core> session_;
  std::size_t depth_ = 0;  ///< this savepoint's level in its session (1 = outermost)
};

}  // namespace orca

// orca::session_transaction: the transaction `co_await session.begin()` returns; commits
// with commit(), rolls back if dropped. Defined in actors/src/session.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "orca/detail/session_core.hpp"
#include "orca/task.hpp"

namespace orca {

/// `co_await session.begin()`: a transaction that commits with `co_await tx.commit()` and
/// is rolled back if dropped uncommitted (by an exception, or by leaving its block). A
/// rollback, whichever way, discards the objects added since the last commit: a later
/// commit does not insert them. A session has one explicit transaction at a time; a
/// `session.commit()` or `session.rollback()` ends it too.
class session_transaction {
public:
  /// Opens the session's explicit transaction (errc::invalid_state if one is open).
  explicit session_transaction(std::shared_ptr<detail::session_core> session)
      : session_(std::move(session)), id_(session_->open_transaction()) {}
  session_transaction(session_transaction&& other) noexcept
      : session_(std::move(other.session_)), id_(std::exchange(other.id_, 0)) {}
  session_transaction(const session_transaction&) = delete;
  session_transaction& operator=(const session_transaction&) = delete;
  session_transaction& operator=(session_transaction&&) = delete;
  ~session_transaction();
  /// Flushes and commits.
  task<void> commit();
  /// Rolls back.
  task<void> rollback();

private:
  std::shared_ptr<detail::session_core> session_;
  std::uint64_t id_ = 0;  ///< this transaction's number in its session
};

}  // namespace orca

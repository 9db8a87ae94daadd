// orca::session_transaction: the transaction `co_await session.begin()` returns; commits
// with commit(), rolls back if dropped. Defined in actors/src/session.cpp.
#pragma once

#include <memory>

#include "orca/detail/session_core.hpp"
#include "orca/task.hpp"

namespace orca {

/// `co_await session.begin()`: a transaction that commits with `co_await tx.commit()` and
/// is rolled back if dropped uncommitted.
class session_transaction {
public:
  explicit session_transaction(std::shared_ptr<detail::session_core> session) : session_(std::move(session)) {}
  session_transaction(session_transaction&& other) noexcept : session_(std::move(other.session_)) {}
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
};

}  // namespace orca

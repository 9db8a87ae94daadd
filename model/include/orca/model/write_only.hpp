// orca::write_only<T>: a one-to-many relationship that is never loaded (SQLAlchemy's
// WriteOnlyMapped). Appended to and removed from; read by executing its select().
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <vector>

#include "orca/model/select.hpp"
#include "orca/model/table.hpp"

namespace orca {

namespace detail {
template <class T>
class write_only_access;
[[noreturn]] void throw_write_only_unbound(const relationship_info* info);
}  // namespace detail

/// A write-only collection: changes are queued and saved at the next flush; its contents
/// are read only by executing `select()` (`co_await session.scalars(a1->bs.select())`).
template <class T>
class write_only {
public:
  write_only() = default;
  /// Queues copies of `items`.
  write_only(std::initializer_list<T> items) {
    for (auto& x : items) add(x);
  }
  /// Queues the elements of any range of T or std::shared_ptr<T> (vector, set, list...).
  template <std::ranges::input_range R>
  requires(!std::is_same_v<std::remove_cvref_t<R>, write_only>)
      // NOLINTNEXTLINE(bugprone-forwarding-reference-overload): the requires-clause excludes write_only itself
      explicit write_only(R&& items) {
    add_all(std::forward<R>(items));
  }

  /// Queues a new object for insertion with the owner.
  std::shared_ptr<T> add(T item) {
    note_change();
    return added_.emplace_back(std::make_shared<T>(std::move(item)));
  }
  /// Queues an existing object.
  void add(std::shared_ptr<T> item) {
    note_change();
    added_.push_back(std::move(item));
  }
  /// Queues every element of a range.
  template <std::ranges::input_range R>
  void add_all(R&& items) {
    for (auto&& x : items) add(x);
  }
  /// Queues the removal of an object: its foreign key is set to NULL at the next flush.
  void remove(std::shared_ptr<T> item) {
    note_change();
    removed_.push_back(std::move(item));
  }

  /// The statement selecting this collection's rows. Throws errc::invalid_state while the
  /// owner has no primary key yet (flush it first).
  select_statement<T> select() const {
    if (!owner_key_ || info_ == nullptr) detail::throw_write_only_unbound(info_);
    return select_statement<T>{}.where_foreign_key(info_->foreign_key, *owner_key_);
  }

  /// Objects queued for insertion and not yet flushed.
  std::size_t pending_size() const noexcept { return added_.size(); }

private:
  friend class detail::write_only_access<T>;
  void note_change() noexcept {
    if (changed_) changed_->store(true, std::memory_order_relaxed);
  }
  std::vector<std::shared_ptr<T>> added_;
  std::vector<std::shared_ptr<T>> removed_;
  std::optional<value> owner_key_;
  const relationship_info* info_ = nullptr;
  std::shared_ptr<std::atomic<bool>> changed_;  ///< the owning session's autoflush flag
};

}  // namespace orca

// orca::detail::association_rows: the many-to-many part of one flush — which association
// rows its collections gained and lost, and the DELETEs and multi-row INSERTs for them.
// Used by the flush: a member of flush_run (flush_run.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "orca/drivers/dialect.hpp"
#include "orca/model/identity_map.hpp"
#include "orca/model/plan.hpp"

namespace orca::detail {

/// The association rows one flush writes or deletes, queued while it cascades.
class association_rows {
public:
  /// Whether a related object has a row to refer to: it is in the session, or joins it
  /// because the relationship saves what it holds.
  using in_session = std::function<bool(const relationship_info&, const std::shared_ptr<void>&)>;

  /// Queues the pairs that `owner`'s loaded many-to-many collection gained and lost since it
  /// was loaded or last flushed (all of them for a pending owner). Each row is queued once,
  /// from whichever side of a back_populates pair sees it first.
  void follow(const std::shared_ptr<void>& owner, bool persistent, const relationship_info& rel,
              const many_to_many_accessor& many, const in_session& known);
  /// The statements: rows taken out of collections and those of owners being deleted first,
  /// then the new pairs (every object's INSERT is done by then), `batch_size` rows per
  /// INSERT at most. Returns the number of statements.
  plan<std::size_t> write(identity_map& objects, const std::vector<const table_info*>& tables,
                          const drivers::dialect& dialect, std::size_t batch_size);
  /// The flush succeeded: each collection now holds what the database holds.
  void finish();
  /// True if no pair was queued: write() sends nothing but the rows of deleted owners.
  bool empty() const noexcept { return inserts_.empty() && deletes_.empty(); }

private:
  /// An association row: `owner` and `target` paired by a many-to-many relationship.
  struct pair_change {
    const relationship_info* relationship;
    std::shared_ptr<void> owner;
    std::shared_ptr<void> target;
  };
  void queue(std::vector<pair_change>& queue, const relationship_info& rel, const std::shared_ptr<void>& owner,
             const std::shared_ptr<void>& target);
  plan<std::size_t> delete_rows_of_deleted_owners(identity_map& objects, const std::vector<const table_info*>& tables,
                                                  const drivers::dialect& dialect);

  std::vector<std::pair<std::shared_ptr<void>, const relationship_info*>> owners_;  ///< collections followed
  std::vector<pair_change> inserts_;
  std::vector<pair_change> deletes_;
  std::set<std::tuple<const table_info*, const void*, const void*, const void*>> queued_;
};

}  // namespace orca::detail

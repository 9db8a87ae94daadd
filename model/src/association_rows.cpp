// The flush's association rows: pairs queued from many-to-many collections, written as
// DELETEs by pair, DELETEs by deleted owner and multi-row INSERTs.
#include "association_rows.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"

namespace orca::detail {

namespace {

/// The association table and its two columns, in ordinal order: the same row seen from
/// either side of a back_populates pair has the same statement and parameter order.
struct association_columns {
  const table_info* table;
  std::size_t first;
  std::size_t second;
  auto operator<=>(const association_columns&) const = default;
};

value related_key(const table_info& table, const void* object, const relationship_info& rel) {
  auto key = table.key_of(object);
  if (key.empty())
    throw error(errc::invalid_state, "a " + table.class_name() + " paired by " + rel.owner->class_name() + "." +
                                         rel.name +
                                         " has no primary key: add it to the session (the relationship does not "
                                         "cascade save_update)");
  return key.part(0);
}

// The association table, its columns in ordinal order and the keys for them.
std::pair<association_columns, params> pair_row(const relationship_info& rel, const void* owner, const void* target) {
  auto& s = *rel.secondary;
  auto owner_key = related_key(*rel.owner, owner, rel);
  auto target_key = related_key(rel.target(), target, rel);
  if (s.owner_column < s.target_column)
    return {{&s.table(), s.owner_column, s.target_column}, {std::move(owner_key), std::move(target_key)}};
  return {{&s.table(), s.target_column, s.owner_column}, {std::move(target_key), std::move(owner_key)}};
}

}  // namespace

void association_rows::follow(const std::shared_ptr<void>& owner, bool persistent, const relationship_info& rel,
                              const many_to_many_accessor& many, const in_session& known) {
  if (!many.is_loaded(owner.get())) return;
  std::unordered_set<const void*> persisted;
  auto before = persistent ? many.persisted(owner.get()) : std::vector<std::shared_ptr<void>>{};
  for (auto& target : before) persisted.insert(target.get());
  std::unordered_set<const void*> held;
  for (auto& target : many.items(owner.get())) {
    held.insert(target.get());
    if (!known(rel, target)) continue;  // not saved with the owner, and not in the session: no row to refer to
    if (persisted.count(target.get()) == 0) queue(inserts_, rel, owner, target);
    if (auto* back = rel.back_populates) {
      // Built before either side was in a session: the other side learns of the pair now.
      back->many_to_many()->append(target.get(), owner);
      owners_.push_back({target, back});
    }
  }
  for (auto& target : before)
    if (held.count(target.get()) == 0) queue(deletes_, rel, owner, target);
  owners_.push_back({owner, &rel});
}

void association_rows::queue(std::vector<pair_change>& queue, const relationship_info& rel,
                             const std::shared_ptr<void>& owner, const std::shared_ptr<void>& target) {
  auto& s = *rel.secondary;
  bool owner_first = s.owner_column < s.target_column;
  auto seen = std::make_tuple(&s.table(), owner_first ? owner.get() : target.get(),
                              owner_first ? target.get() : owner.get(), &queue);
  if (queued_.insert(seen).second) queue.push_back({&rel, owner, target});
}

plan<std::size_t> association_rows::write(identity_map& objects, const std::vector<const table_info*>& tables,
                                          const drivers::dialect& dialect, std::size_t batch_size) {
  std::size_t statements = 0;
  std::map<association_columns, std::vector<params>> deletes;
  for (auto& change : deletes_) {
    auto row = pair_row(*change.relationship, change.owner.get(), change.target.get());
    deletes[row.first].push_back(std::move(row.second));
  }
  for (auto& [columns, sets] : deletes) {
    io::execute_many removal{sql::delete_pair(*columns.table, columns.first, columns.second, dialect), std::move(sets)};
    co_await removal;
    ++statements;
  }
  auto owner_statements = co_await delete_rows_of_deleted_owners(objects, tables, dialect);
  statements += owner_statements;
  std::map<association_columns, std::vector<value>> inserts;
  for (auto& change : inserts_) {
    auto row = pair_row(*change.relationship, change.owner.get(), change.target.get());
    auto& values = inserts[row.first];
    values.insert(values.end(), row.second.begin(), row.second.end());
  }
  std::size_t batch = std::max<std::size_t>(1, std::min(batch_size, dialect.max_parameters() / 2));
  for (auto& [columns, values] : inserts) {
    std::size_t rows = values.size() / 2;
    for (std::size_t start = 0; start < rows; start += batch) {
      auto n = std::min(batch, rows - start);
      params p(values.begin() + static_cast<std::ptrdiff_t>(2 * start),
               values.begin() + static_cast<std::ptrdiff_t>(2 * (start + n)));
      io::execute insert{sql::insert_pairs(*columns.table, columns.first, columns.second, n, dialect), std::move(p)};
      co_await insert;
      ++statements;
    }
  }
  co_return statements;
}

// The association rows of objects being deleted go, whether their collections are loaded
// or not (the foreign keys' ON DELETE CASCADE would too; the DELETE makes it explicit).
plan<std::size_t> association_rows::delete_rows_of_deleted_owners(identity_map& objects,
                                                                  const std::vector<const table_info*>& tables,
                                                                  const drivers::dialect& dialect) {
  // The flush's tables include those of deleted objects: without a many-to-many among
  // them, no record needs looking at (a flush must not cost as much as the session is large).
  bool any = std::any_of(tables.begin(), tables.end(), [](const table_info* t) {
    return std::any_of(t->relationships().begin(), t->relationships().end(),
                       [](const relationship_info& r) { return r.kind == relationship_kind::many_to_many; });
  });
  if (!any) co_return 0;
  std::map<std::pair<const table_info*, std::size_t>, std::vector<params>> deletes;
  objects.for_each_record([&](object_record& r) {
    if (r.state != object_state::deleted) return;
    for (auto& rel : r.table->relationships())
      if (rel.kind == relationship_kind::many_to_many)
        deletes[{&rel.secondary->table(), rel.secondary->owner_column}].push_back(params{r.key.part(0)});
  });
  std::size_t statements = 0;
  for (auto& [where, sets] : deletes) {
    io::execute_many removal{sql::delete_where(*where.first, where.second, dialect), std::move(sets)};
    co_await removal;
    ++statements;
  }
  co_return statements;
}

void association_rows::finish() {
  for (auto& [owner, rel] : owners_) rel->many_to_many()->mark_persisted(owner.get());
}

}  // namespace orca::detail

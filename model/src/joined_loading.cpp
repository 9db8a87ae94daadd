// loader::merge_result(): the rows of a statement with joinedload options become objects.
// Each row holds the statement's class and every joined table (joined_tables.hpp says
// where); objects repeated over rows are merged once, and each relationship is assigned
// what the rows held for its owner.
#include <unordered_map>
#include <unordered_set>

#include "joined_tables.hpp"
#include "orca/drivers/error.hpp"
#include "orca/model/loading.hpp"
#include "relationship_sync.hpp"

namespace orca {

namespace detail {

namespace {
// What a loaded relationship of `owner` holds: a collection's items, or a reference's target.
std::vector<std::shared_ptr<void>> related_objects(const relationship_info& rel, const void* owner) {
  if (auto* collection = rel.collection())
    return collection->is_loaded(owner) ? collection->items(owner) : std::vector<std::shared_ptr<void>>{};
  if (auto* reference = rel.reference(); reference != nullptr && reference->is_loaded(owner))
    return {reference->target(owner)};
  return {};
}
}  // namespace

std::vector<object_ref> related_of(const relationship_info& rel, object_span owners) {
  std::vector<object_ref> related;
  std::unordered_set<const void*> seen;
  auto& target = rel.target();
  for (std::size_t i = 0; i < owners.size(); ++i)
    for (auto& object : related_objects(rel, owners.get(i)))
      if (object && seen.insert(object.get()).second) related.push_back({&target, object});
  return related;
}

}  // namespace detail

namespace {

// What the rows held for one joined relationship: per owner, its related objects in row
// order, each once (two joined collections repeat each other's rows).
struct related_rows {
  std::shared_ptr<void> owner;
  std::vector<std::shared_ptr<void>> items;
  std::unordered_set<const void*> known;
};

}  // namespace

std::vector<object_ref> loader::merge_result(const select_spec& spec, const drivers::rowset& rows) {
  if (!detail::has_joined_loads(spec)) return merge(*spec.table, rows, &spec);
  return merge_joined(spec, rows);
}

std::vector<object_ref> loader::merge_joined(const select_spec& spec, const drivers::rowset& rows) {
  auto tables = detail::joined_tables(spec);
  auto width = tables.back().offset + tables.back().table->columns().size();
  if (!rows.empty() && rows.width() != width)
    throw error(errc::internal, "a joined load of " + spec.table->class_name() + " expected " + std::to_string(width) +
                                    " columns per row, got " + std::to_string(rows.width()));
  // Per table: the objects merged so far by key; per joined table: what each owner holds.
  std::vector<std::unordered_map<key, std::shared_ptr<void>, key_hash>> merged(tables.size());
  std::vector<std::unordered_map<void*, related_rows>> held(tables.size());
  std::vector<std::shared_ptr<void>> current(tables.size());  // this row's object per table
  std::vector<object_ref> result;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t t = 0; t < tables.size(); ++t) {
      auto& entry = tables[t];
      current[t].reset();
      if (t > 0 && current[entry.parent] == nullptr) continue;  // below a NULL row, all is NULL
      // A LEFT OUTER JOIN that matched nothing gives NULL in every column, the key too.
      if (rows.cell_at(r, entry.offset + entry.table->primary_key().ordinal).is_null()) continue;
      auto key = entry.table->key_from(
          [&](std::size_t c) -> const drivers::cell& { return rows.cell_at(r, entry.offset + c); });
      auto& object = merged[t][key];
      if (!object) {
        object = merge_row(*entry.table, rows, r, entry.offset, t == 0 ? &spec : nullptr, false).object;
        if (t == 0) result.push_back({entry.table, object});
      }
      current[t] = object;
    }
    for (std::size_t t = 1; t < tables.size(); ++t) {
      auto* owner = current[tables[t].parent].get();
      if (owner == nullptr) continue;
      auto& holds = held[t][owner];  // an owner without related rows still gets an empty collection
      if (!holds.owner) holds.owner = current[tables[t].parent];
      if (current[t] != nullptr && holds.known.insert(current[t].get()).second) holds.items.push_back(current[t]);
    }
  }
  for (std::size_t t = 1; t < tables.size(); ++t) {
    auto& rel = *tables[t].relationship;
    for (auto& [owner, holds] : held[t]) {
      if (auto* collection = rel.collection())
        collection->assign(owner, std::move(holds.items));
      else
        detail::link_reference(rel, holds.owner, holds.items.empty() ? nullptr : holds.items.front());
    }
  }
  return result;
}

}  // namespace orca

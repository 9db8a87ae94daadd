// Packing new objects that only the session holds into the rows of their INSERTs: the walk
// that decides whether a graph qualifies, then its values, packed as snapshots are.
#include "orca/model/pending_rows.hpp"

#include <algorithm>
#include <memory>
#include <variant>

#include "orca/drivers/error.hpp"
#include "orca/model/overloaded.hpp"
#include "orca/model/relationship.hpp"

namespace orca {

pending_rows::pending_rows() : pool_(std::make_unique<snapshot_pool>()) {}
pending_rows::pending_rows(pending_rows&&) noexcept = default;
pending_rows& pending_rows::operator=(pending_rows&&) noexcept = default;
// The groups' packed values point into pool_, which frees all of them at once.
pending_rows::~pending_rows() = default;

namespace {

// A new object of a table whose key the database generates: the key is still unset. A
// loaded or flushed object has its key, so it is never taken for a new one.
bool new_with_generated_key(const table_info& table, const void* object) {
  if (!table.has_integer_key() || table.primary_key_columns().size() != 1) return false;
  const auto& key = table.primary_key();
  return key.autoincrement && key.access->is_unset(object);
}

}  // namespace

// Gathers the graph of `root` into walk_, parents before children; false as soon as
// something in it keeps it an object.
bool pending_rows::walk(const table_info& table, const void* root) {
  walk_.clear();
  walk_.push_back({&table, root, no_slot, no_link, false});
  for (std::size_t i = 0; i < walk_.size(); ++i) {
    const auto n = walk_[i];  // a copy: push_back below may move the vector
    if (!new_with_generated_key(*n.table, n.object)) return false;
    auto optional = std::count_if(n.table->columns().begin(), n.table->columns().end(),
                                  [](const column_info& c) { return c.autoincrement || c.server_default; });
    if (optional > 63) return false;  // the flush refuses such a table, naming it
    for (auto& rel : n.table->relationships()) {
      bool ok = std::visit(
          overloaded{
              [&](const std::shared_ptr<const detail::collection_accessor>& c) {
                if (!c->is_loaded(n.object)) return true;
                if (!c->removed(n.object).empty()) return false;
                auto items = c->items(n.object);
                if (items.empty()) return true;
                if (!has(rel.cascades, cascade::save_update)) return false;
                // A table below itself (a tree): a child's row and its own children's would
                // share an INSERT form, and one statement cannot use a key it returns.
                for (auto up = static_cast<std::uint32_t>(i); up != no_slot; up = walk_[up].parent)
                  if (walk_[up].table == &rel.target()) return false;
                for (auto& child : items) {
                  // Held by the collection and by `items` only: nothing else can reach it.
                  if (child.use_count() != 2) return false;
                  walk_.push_back({&rel.target(), child.get(), static_cast<std::uint32_t>(i), rel.foreign_key, false});
                }
                walk_[i].has_children = true;
                return true;
              },
              [&](const std::shared_ptr<const detail::write_only_accessor>& w) {
                return w->added(n.object).empty() && w->removed(n.object).empty();
              },
              [&](const std::shared_ptr<const detail::reference_accessor>& r) {
                // Only the parent that holds the object in its collection, through the
                // foreign key its key fills (back_populates): another reference's column
                // would need a key the rows do not carry.
                auto target = r->target(n.object);
                return !target ||
                       (n.parent != no_slot && target.get() == walk_[n.parent].object && rel.foreign_key == n.link);
              },
              [&](const std::shared_ptr<const detail::many_to_many_accessor>& m) {
                return !m->is_loaded(n.object) || (m->items(n.object).empty() && m->persisted(n.object).empty());
              },
          },
          rel.access);
      if (!ok) return false;
    }
  }
  return walk_.size() < no_slot;
}

pending_rows::group& pending_rows::group_for(const node& n, std::uint64_t left_out) {
  const auto& table = *n.table;
  std::vector<std::size_t> included;
  std::size_t bit = 0, link = no_link;
  for (auto& c : table.columns()) {
    bool optional = (c.autoincrement || c.server_default) && c.ordinal != n.link;
    if (optional && (left_out >> bit++ & 1)) continue;
    if (c.ordinal == n.link) link = included.size();
    included.push_back(c.ordinal);
  }
  for (auto& g : groups_)
    if (g.table == &table && g.link == link && g.included == included) return g;
  group g;
  g.table = &table;
  g.included = std::move(included);
  g.link = link;
  g.rows = row_chunks{g.width()};
  return groups_.emplace_back(std::move(g));
}

void pending_rows::row_chunks::append(block_arena& arena, std::uint32_t parent, std::uint32_t slot,
                                      const packed_value* values) {
  if (size_ == chunks_.size() * per_chunk_) {
    chunks_.reserve(chunks_.size() + 1);  // so that the push_back below cannot throw
    chunks_.push_back(static_cast<std::byte*>(arena.allocate(per_chunk_ * row_bytes_)));
  }
  auto* row = at(size_);
  store_unaligned(row, parent);
  store_unaligned(row + 4, slot);
  auto width = (row_bytes_ - header_bytes) / sizeof(packed_value);
  for (std::size_t i = 0; i < width; ++i)
    std::construct_at(reinterpret_cast<packed_value*>(row + header_bytes) + i, values[i]);
  ++size_;
}

bool pending_rows::pack(const table_info& table, const std::shared_ptr<void>& root) {
  if (!root || !walk(table, root.get())) return false;
  // The values first, aside: a member that cannot be converted leaves nothing half packed.
  scratch_.clear();
  try {
    for (auto& n : walk_) {
      for (auto& c : n.table->columns()) {
        if (c.ordinal == n.link) continue;
        if ((c.autoincrement || c.server_default) && c.access->is_unset(n.object)) continue;
        // A version counter starts at 1, as the flush writes it.
        value x = c.access->get(n.object);
        if (c.version && x == value{std::int64_t{0}}) x = value{std::int64_t{1}};
        scratch_.push_back(packed_value::pack(x, *pool_));
      }
    }
  } catch (const error&) {
    for (auto& v : scratch_) v.release(*pool_);
    return false;
  }
  std::size_t next_value = 0;
  for (auto& n : walk_) {  // parents first: a parent's slot is known before its children
    std::uint64_t left_out = 0;
    std::size_t bit = 0;
    for (auto& c : n.table->columns())
      if ((c.autoincrement || c.server_default) && c.ordinal != n.link)
        left_out |= std::uint64_t{c.access->is_unset(n.object)} << bit++;
    auto& g = group_for(n, left_out);
    if (n.has_children) {
      n.slot = static_cast<std::uint32_t>(keys_.size());
      keys_.push_back(0);
      g.returns_keys = true;
    }
    g.rows.append(pool_->arena(), n.parent == no_slot ? no_slot : walk_[n.parent].slot, n.slot,
                  scratch_.data() + next_value);
    next_value += g.width();
    ++rows_;
  }
  return true;
}

}  // namespace orca

// statement_cache: LRU bookkeeping of a PostgreSQL connection's prepared statements.
// Used by postgresql_connection; evicted names are queued for DEALLOCATE.
#include "postgresql_statement_cache.hpp"

namespace orca::drivers::postgresql {

namespace {

bool fits(const std::vector<Oid>& prepared, std::span<const Oid> signature) noexcept {
  if (prepared.size() != signature.size()) return false;
  for (std::size_t i = 0; i < signature.size(); ++i)
    if (signature[i] != oid::any && signature[i] != prepared[i]) return false;
  return true;
}

}  // namespace

prepared_statement* statement_cache::find(std::string_view sql, std::span<const Oid> signature) {
  auto found = index_.find(sql);
  if (found == index_.end() || !fits(found->second->types, signature)) return nullptr;
  entries_.splice(entries_.begin(), entries_, found->second);
  return &*found->second;
}

prepared_statement& statement_cache::add(std::string_view sql, std::span<const Oid> signature) {
  std::vector<Oid> types(signature.begin(), signature.end());
  // A NULL says nothing about a slot's type: keep what an earlier preparation used, so
  // that statements alternating NULL and a value converge on one preparation.
  if (auto old = index_.find(sql); old != index_.end()) {
    const auto& previous = old->second->types;
    for (std::size_t i = 0; i < types.size() && i < previous.size(); ++i)
      if (types[i] == oid::any) types[i] = previous[i];
    // Retired, not destroyed: a pipeline being built may still refer to the old entry.
    retired_.splice(retired_.end(), entries_, old->second);
    index_.erase(old);
  }
  for (auto& type : types)
    if (type == oid::any) type = oid::unspecified;
  entries_.push_front(prepared_statement{std::string{sql}, "orca_" + std::to_string(++next_name_), std::move(types),
                                         prepared_statement::state::unprepared});
  index_.emplace(entries_.front().sql, entries_.begin());
  return entries_.front();
}

void statement_cache::erase(prepared_statement& entry) {
  if (entry.where == prepared_statement::state::prepared) pending_.push_back("DEALLOCATE " + entry.name);
  forget(entry);
}

void statement_cache::forget(prepared_statement& entry) {
  // A retired entry is not indexed; trim() disposes of it.
  entry.where = prepared_statement::state::unprepared;
  auto found = index_.find(entry.sql);
  if (found == index_.end() || &*found->second != &entry) return;
  auto position = found->second;
  index_.erase(found);
  entries_.erase(position);
}

void statement_cache::clear() noexcept {
  index_.clear();
  entries_.clear();
  retired_.clear();
  pending_.clear();
}

void statement_cache::trim() {
  for (const auto& old : retired_)
    if (old.where == prepared_statement::state::prepared) pending_.push_back("DEALLOCATE " + old.name);
  retired_.clear();
  while (index_.size() > capacity_) erase(entries_.back());
}

}  // namespace orca::drivers::postgresql

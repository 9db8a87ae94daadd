// Stable topological sort of tables by foreign keys (Kahn's algorithm in input order).
#include "orca/model/dependency_order.hpp"

#include <algorithm>
#include <string>

#include "orca/drivers/error.hpp"

namespace orca {

std::vector<const table_info*> sort_by_dependency(const std::vector<const table_info*>& tables) {
  // Every table a foreign key reaches joins the set, so that callers may pass a subset.
  std::vector<const table_info*> all = tables;
  for (std::size_t i = 0; i < all.size(); ++i)
    for (auto& c : all[i]->columns())
      if (c.foreign_key) {
        auto* target = &c.foreign_key->target();
        if (std::find(all.begin(), all.end(), target) == all.end()) all.push_back(target);
      }

  auto depends_on = [](const table_info* t, const table_info* other) {
    if (t == other) return false;
    return std::any_of(t->columns().begin(), t->columns().end(),
                       [&](const column_info& c) { return c.foreign_key && &c.foreign_key->target() == other; });
  };
  std::vector<const table_info*> sorted;
  std::vector<bool> placed(all.size(), false);
  while (sorted.size() < all.size()) {
    bool progress = false;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (placed[i]) continue;
      bool ready = true;
      for (std::size_t j = 0; j < all.size() && ready; ++j)
        if (!placed[j] && depends_on(all[i], all[j])) ready = false;
      if (ready) {
        placed[i] = true;
        sorted.push_back(all[i]);
        progress = true;
      }
    }
    if (!progress) {
      std::string names;
      for (std::size_t i = 0; i < all.size(); ++i)
        if (!placed[i]) names += (names.empty() ? "" : ", ") + all[i]->name();
      throw error(errc::invalid_argument, "foreign keys form a cycle between tables: " + names);
    }
  }
  // Callers asked about their tables only.
  std::erase_if(sorted,
                [&](const table_info* t) { return std::find(tables.begin(), tables.end(), t) == tables.end(); });
  return sorted;
}

}  // namespace orca

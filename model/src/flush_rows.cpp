// The flush's INSERTs of pending rows (flush_run, flush_run.hpp): the rows of new objects the
// session holds as rows (pending_rows), table by table before the table's objects, each
// child's foreign key taken from the key its parent's INSERT returned.
#include <algorithm>
#include <numeric>

#include "orca/model/compiler.hpp"
#include "flush_run.hpp"

namespace orca::detail {

bool flush_run::rows_need_keys() const noexcept {
  return std::any_of(rows_.begin(), rows_.end(), [](const pending_rows& batch) {
    return std::any_of(batch.groups().begin(), batch.groups().end(),
                       [](const pending_rows::group& g) { return g.link != pending_rows::no_link; });
  });
}

plan<void> flush_run::insert_rows(const table_info& table) {
  for (auto& batch : rows_) {
    for (auto& g : batch.groups()) {
      if (g.table != &table) continue;
      // Only a parent's key is wanted back: its children's INSERTs come later in the flush.
      std::vector<std::size_t> returning;
      if (g.returns_keys) returning = table.primary_key_columns();
      insert_source source{
          g.size(),
          [&](std::size_t first, std::size_t n, params& out) {
            for (std::size_t r = first; r < first + n; ++r) {
              const auto* values = g.rows.values(r);
              for (std::size_t i = 0, next = 0; i < g.included.size(); ++i)
                out.push_back(i == g.link ? value{batch.key(g.rows.parent(r))} : values[next++].unpack());
            }
          },
          [this, &batch, &g, &table, returning](std::size_t first, std::size_t n) -> returned_rows {
            return
                [this, &batch, &g, &table, returning, first, n](const std::string& text, const drivers::rowset& rows) {
                  ++stats_.statements;
                  stats_.inserted += n;
                  if (returning.empty()) return;
                  if (rows.size() != n)
                    throw error(errc::internal,
                                "INSERT INTO " + table.name() + " returned " + std::to_string(rows.size()) +
                                    " rows for " + std::to_string(n) + " rows",
                                {text, {}, {}, false});
                  // Generated keys ascend in VALUES order (the dialect's insert form guarantees it).
                  std::vector<std::int64_t> keys(n);
                  for (std::size_t r = 0; r < n; ++r) keys[r] = rows.cell_at(r, 0).as_integer();
                  std::sort(keys.begin(), keys.end());
                  for (std::size_t i = 0; i < n; ++i)
                    if (auto slot = g.rows.slot(first + i); slot != pending_rows::no_slot) batch.set_key(slot, keys[i]);
                };
          }};
      co_await insert_group(table, g.included, returning, source);
    }
  }
}

}  // namespace orca::detail

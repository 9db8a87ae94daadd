// The flush's INSERTs (flush_run, flush_run.hpp): each table's pending objects in batched
// multi-row INSERT ... RETURNING, the generated keys and server defaults written back.
#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

#include "orca/model/compiler.hpp"
#include "flush_run.hpp"

namespace orca::detail {

// (2b) Batched multi-row INSERT ... RETURNING of one table's pending objects.
plan<void> flush_run::insert_pending(const table_info& table) {
  std::vector<const tracked*> pending;
  pending.reserve(work_.size());  // a bound; only the part used is ever touched (and faulted in)
  for (auto& t : work_)
    if (t.record->table == &table && t.record->state == object_state::pending) pending.push_back(&t);
  if (pending.empty()) co_return;
  if (const auto* version = table.version_column())
    for (auto* t : pending)
      if (version->access->get(t->object.get()) == value{std::int64_t{0}})
        write(*t->record, t->object.get(), *version, value{std::int64_t{1}});

  // Rows leaving out the same columns (generated key, server defaults) share a statement.
  // Only those columns can be left out, so a bit per such column tells the groups apart.
  std::vector<std::size_t> optional_columns;
  for (auto& c : table.columns())
    if (c.autoincrement || c.server_default) optional_columns.push_back(c.ordinal);
  if (optional_columns.size() > 63)
    throw error(errc::invalid_argument, "table " + table.name() + " has more than 63 columns with defaults");
  // Usually every row leaves out the same columns: one group, the pending list itself.
  std::map<std::uint64_t, std::vector<const tracked*>> groups;
  auto left_out_of = [&](const tracked& t) {
    std::uint64_t left_out = 0;
    for (std::size_t i = 0; i < optional_columns.size(); ++i)
      if (table.columns()[optional_columns[i]].access->is_unset(t.object.get())) left_out |= std::uint64_t{1} << i;
    return left_out;
  };
  auto first = left_out_of(*pending.front());
  auto other = std::find_if(pending.begin() + 1, pending.end(),
                            [&](const tracked* t) { return left_out_of(*t) != first; });
  if (other == pending.end()) {
    groups.emplace(first, std::move(pending));
  } else {
    for (auto* t : pending) groups[left_out_of(*t)].push_back(t);
    pending = {};
  }
  for (auto& [left_out, group] : groups) {
    std::vector<std::size_t> included;
    std::size_t next_optional = 0;
    for (auto& c : table.columns()) {
      bool optional = next_optional < optional_columns.size() && optional_columns[next_optional] == c.ordinal;
      if (optional && (left_out >> next_optional++ & 1)) continue;
      included.push_back(c.ordinal);
    }
    // RETURNING starts with the key columns (in key order), then what the database filled in.
    auto& key_columns = table.primary_key_columns();
    bool key_generated = std::find(included.begin(), included.end(), key_columns.front()) == included.end();
    std::vector<std::size_t> returning{key_columns};
    for (auto& c : table.columns())
      if (!c.primary_key && std::find(included.begin(), included.end(), c.ordinal) == included.end())
        returning.push_back(c.ordinal);
    insert_source source{group.size(),
                         [&](std::size_t first, std::size_t n, params& out) {
                           for (std::size_t i = first; i < first + n; ++i)
                             for (auto column : included)
                               out.push_back(column_value(table, table.columns()[column], group[i]->object.get()));
                         },
                         [&](std::size_t first, std::size_t n) -> returned_rows {
                           // A copy of the slice: a queued INSERT's answer comes after `group` is gone.
                           std::vector<const tracked*> objects(group.begin() + static_cast<std::ptrdiff_t>(first),
                                                               group.begin() + static_cast<std::ptrdiff_t>(first + n));
                           return [this, &table, returning, key_generated, objects = std::move(objects)](
                                      const std::string& text, const drivers::rowset& rows) {
                             take_returned(table, returning, key_generated, objects, text, rows);
                           };
                         }};
    co_await insert_group(table, included, returning, source);
    group = {};  // done with: its memory goes before the next group's statements
  }
}

plan<void> flush_run::insert_group(const table_info& table, const std::vector<std::size_t>& included,
                                   const std::vector<std::size_t>& returning, const insert_source& source) {
  std::size_t batch = included.empty()
                          ? 1
                          : std::max<std::size_t>(
                                1, std::min(options_.insert_batch_size, dialect_.max_parameters() / included.size()));
  std::string full_batch_sql;
  params parameters;
  // Where the backend pipelines (PostgreSQL), the statements go a few at a time in one
  // round trip: the server runs the first while the others arrive, and a table's rows cost
  // a round trip per group of statements instead of per statement.
  constexpr std::size_t statements_per_trip = 16;
  bool grouped = !queue_inserts_ && dialect_.pipelines();
  io::execute_batch trip;
  std::vector<std::size_t> trip_starts;  // where each statement of the trip starts in the source
  std::string partial_sql;               // the last statement's, if it has fewer rows
  const std::size_t total = source.size;
  for (std::size_t start = 0; start < total; start += batch) {
    std::size_t n = std::min(batch, total - start);
    if (n == batch && full_batch_sql.empty())
      full_batch_sql = sql::insert(table, included, n, returning, dialect_);
    else if (n != batch)
      partial_sql = sql::insert(table, included, n, returning, dialect_);
    const std::string& text = n == batch ? full_batch_sql : partial_sql;

    parameters.clear();
    parameters.reserve(n * included.size());
    source.fill(start, n, parameters);
    if (queue_inserts_) {
      // Before a commit: queued with the UPDATEs, its rows taken when the pipeline answers.
      std::size_t limit = std::max<std::size_t>(1, options_.insert_batch_size);
      if (!deferred_.empty() && deferred_rows_ + n > limit) co_await send_deferred();
      std::vector<params> sets;
      sets.push_back(std::move(parameters));
      parameters = {};
      deferred_.push_back({&table, text, std::move(sets), n, false, included,
                           [take = source.take(start, n), text](const drivers::rowset& rows) { take(text, rows); }});
      deferred_rows_ += n;
      continue;
    }
    if (grouped && deferred_.empty()) {
      trip.statements.emplace_back(text, std::move(parameters));
      parameters = {};
      trip_starts.push_back(start);
      if (trip.statements.size() < statements_per_trip && start + n < total) continue;
      std::vector<drivers::rowset> results;
      try {
        results = co_await trip;
      } catch (const error& e) {
        throw naming_column(e, table, included);
      }
      for (std::size_t i = 0; i < trip_starts.size(); ++i) {
        auto first = trip_starts[i];
        auto count = std::min(batch, total - first);
        source.take(first, count)(count == batch ? full_batch_sql : partial_sql, results.at(i));
      }
      trip = {};
      trip_starts.clear();
      continue;
    }
    drivers::rowset rows;
    if (deferred_.empty()) {
      io::execute insert{text, std::move(parameters)};
      try {
        rows = co_await insert;
      } catch (const error& e) {
        throw naming_column(e, table, included);
      }
    } else {
      // The UPDATEs waiting for a round trip go in the same pipeline, before the INSERT.
      auto batch = deferred_statements();
      batch.statements.emplace_back(text, std::move(parameters));
      std::vector<drivers::rowset> results;
      try {
        results = co_await batch;
      } catch (const error& e) {
        if (e.details().sql == text) throw naming_column(e, table, included);
        throw naming_deferred_column(e);
      }
      rows = std::move(results.back());
      results.pop_back();
      check_deferred(results);
    }
    source.take(start, n)(text, rows);
  }
}

void flush_run::take_returned(const table_info& table, const std::vector<std::size_t>& returning, bool key_generated,
                              std::span<const tracked* const> objects, const std::string& text,
                              const drivers::rowset& rows) {
  auto n = objects.size();
  ++stats_.statements;
  if (rows.size() != n)
    throw error(errc::internal,
                "INSERT INTO " + table.name() + " returned " + std::to_string(rows.size()) + " rows for " +
                    std::to_string(n) + " objects",
                {text, {}, {}, false});

  // RETURNING rows come in no promised order. Generated keys ascend in VALUES order (the
  // dialect's insert form guarantees it), so the i-th smallest key is the i-th row's;
  // explicit keys are matched by value.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<key> keys(n);
  for (std::size_t r = 0; r < n; ++r) {
    std::size_t k = 0;
    keys[r] = table.key_from([&](std::size_t) -> const drivers::cell& { return rows.cell_at(r, k++); });
  }
  if (key_generated) {
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return keys[a].integer() < keys[b].integer(); });
  } else {
    std::unordered_map<key, std::size_t, key_hash> by_key;
    for (std::size_t r = 0; r < n; ++r) by_key[keys[r]] = r;
    for (std::size_t i = 0; i < n; ++i) {
      auto found = by_key.find(table.key_of(objects[i]->object.get()));
      if (found == by_key.end())
        throw error(errc::internal, "INSERT INTO " + table.name() + " returned no row for a given key",
                    {text, {}, {}, false});
      order[i] = found->second;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto& t = *objects[i];
    auto row = order[i];
    for (std::size_t k = 0; k < returning.size(); ++k)
      write(*t.record, t.object.get(), table.columns()[returning[k]], rows.at(row, k));
    t.record->key = std::move(keys[row]);  // still pending: the identity map learns it in finish()
  }
  stats_.inserted += n;
}

}  // namespace orca::detail

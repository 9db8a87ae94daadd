// The flush's UPDATEs and DELETEs (flush_run, flush_run.hpp): changed columns batched by
// column set, sent at once or deferred to ride with the next INSERT, and deletes by key.
#include <algorithm>
#include <map>
#include <numeric>

#include "orca/model/compiler.hpp"
#include "flush_run.hpp"

namespace orca::detail {

namespace {

// True if the column's member still gives `x` (its snapshot value).
bool column_holds(const table_info& table, const column_info& column, const void* object, const value& x) {
  return reading_column(table, column, [&] { return column.access->holds(object, x); });
}

// An UPDATE or DELETE by key that matched fewer rows than it had objects (`affected`, or -1
// where only that is known): someone else changed (with a version column) or deleted one of
// them since this session read it.
error stale(const char* statement, const table_info& table, std::int64_t affected, std::size_t expected, bool versioned,
            const char* without_version, const std::string& sql) {
  auto matched = affected < 0 ? "fewer than " + std::to_string(expected)
                              : std::to_string(affected) + " of " + std::to_string(expected);
  return error(errc::stale_data,
               std::string{statement} + " of " + table.class_name() + " matched " + matched + " rows: " +
                   (versioned ? "a row was changed or deleted by someone else since this session read it"
                              : std::string{without_version} + " by someone else"),
               {sql, {}, {}, false});
}

void check_matched(const char* statement, const table_info& table, std::int64_t affected, std::size_t expected,
                   bool versioned, const char* without_version, const std::string& sql) {
  if (affected != static_cast<std::int64_t>(expected))
    throw stale(statement, table, affected, expected, versioned, without_version, sql);
}

// Rows per UPDATE ... FROM (VALUES ...): few enough that PostgreSQL's planner finds each
// row through the primary key (a nested loop); from about 1,000 rows on it hashes a full
// scan of the table instead, many times slower (bench/README.md, P4).
constexpr std::size_t update_rows = 200;
// UPDATE ... FROM (VALUES ...) statements sent in one pipeline (10,000 rows). The session
// builds a pipeline's parameters, sends it and waits for its answers, the server idle in the
// first part and the session in the second: longer pipelines pay that wait fewer times.
// With 1,000 rows a pipeline P4 took 1.28× raw libpq's time, with 10,000 1.08×, with 25,000
// 1.08× (bench/README.md).
constexpr std::size_t statements_per_pipeline = 50;

}  // namespace

// (3) UPDATE of the columns that differ from the snapshot, grouped by column set. Parameter
// sets are built a batch (`insert_batch_size`) at a time, so that only one batch of them
// exists at once: reading a changed column again costs less than holding every object's.
//
// With `defer`, a table whose changed rows fit one batch only queues its UPDATEs (in
// deferred_), to go with the next INSERT or send_deferred(); its rows' counts are checked
// when the answer comes.
plan<void> flush_run::update_dirty(const table_info& table, bool defer) {
  const auto* version = table.version_column();
  std::map<std::vector<std::size_t>, std::vector<const tracked*>> groups;
  std::vector<std::size_t> changed;
  for (auto& t : work_) {
    if (t.record->table != &table || t.record->state != object_state::persistent) continue;
    changed.clear();
    auto& record = *t.record;
    if (!record.has_snapshot()) continue;  // never loaded or flushed: nothing to compare
    for (std::size_t part = 0; auto key_column : table.primary_key_columns())
      if (!column_holds(table, table.columns()[key_column], t.object.get(), t.record->key.part(part++)))
        changed.push_back(key_column);
    for (auto& c : table.columns()) {
      auto slot = table.snapshot_slot(c.ordinal);
      if (&c != version && slot != table_info::no_snapshot_slot &&
          !column_holds(table, c, t.object.get(), record.snapshot(slot)))
        changed.push_back(c.ordinal);
    }
    if (changed.empty()) continue;
    if (std::any_of(changed.begin(), changed.end(), [&](std::size_t c) { return table.columns()[c].primary_key; }))
      throw error(errc::invalid_state, "the primary key of a persistent " + table.class_name() + " (" +
                                           t.record->key.to_string() + ") was changed; orca does not update keys");
    auto group = groups.find(changed);
    if (group == groups.end()) group = groups.emplace(changed, std::vector<const tracked*>{}).first;
    group->second.push_back(&t);
  }
  updated_.reserve(updated_.size() + std::accumulate(groups.begin(), groups.end(), std::size_t{0},
                                                     [](std::size_t n, auto& g) { return n + g.second.size(); }));
  std::size_t batch = std::max<std::size_t>(1, options_.insert_batch_size);
  std::size_t changed_rows = 0;
  for (auto& [columns, group] : groups) changed_rows += group.size();
  if (defer && deferred_rows_ + changed_rows > batch) defer = false;
  if (!defer) co_await send_deferred();  // statements keep their order
  for (auto& [changed_columns, group] : groups) {
    // Where statements are pipelined (PostgreSQL), each still costs the server an executor
    // start-up: one UPDATE per row paid it 100,000 times for 100,000 changed objects (P4).
    // There a column set's rows go `update_rows` to a statement.
    if (dialect_.pipelines() && group.size() > 1) {
      co_await update_from_values(table, changed_columns, group, defer);
      group = {};
      continue;
    }
    auto set_columns = changed_columns;
    if (version) set_columns.push_back(version->ordinal);
    auto text = sql::update(table, set_columns, dialect_);
    // The columns of a set's parameters, in order (a refused value is named after its column).
    auto parameter_columns = changed_columns;
    auto& key_columns = table.primary_key_columns();
    parameter_columns.insert(parameter_columns.end(), key_columns.begin(), key_columns.end());
    for (std::size_t start = 0; start < group.size(); start += batch) {
      auto n = std::min(batch, group.size() - start);
      std::vector<params> sets;
      sets.reserve(n);
      for (std::size_t i = start; i < start + n; ++i) {
        const auto* t = group[i];
        params p;
        p.reserve(changed_columns.size() + t->record->key.size() + (version != nullptr ? 2 : 0));
        for (auto column : changed_columns) p.push_back(column_value(table, table.columns()[column], t->object.get()));
        value known;  // the version this session last loaded or wrote
        if (version) {
          known = t->record->snapshot(table.snapshot_slot(version->ordinal));
          value next{known.as_integer() + 1};
          write(*t->record, t->object.get(), *version, next);
          p.push_back(std::move(next));
        }
        t->record->key.append_to(p);
        if (version) p.push_back(std::move(known));
        sets.push_back(std::move(p));
        updated_.push_back(t);
      }
      if (defer) {
        deferred_.push_back({&table, text, std::move(sets), n, version != nullptr, parameter_columns});
        deferred_rows_ += n;
        continue;
      }
      io::execute_many update{text, std::move(sets)};
      std::int64_t affected = 0;
      try {
        affected = co_await update;
      } catch (const error& e) {
        throw naming_column(e, table, parameter_columns);
      }
      count_update(table, affected, n, version != nullptr, text);
    }
    group = {};
  }
}

// update_dirty()'s rows of one column set, `update_rows` to an UPDATE ... FROM (VALUES ...):
// each row's parameters are its key, its changed columns and (versioned) the next and the
// known version. A pipeline of statements (statements_per_pipeline) is built at a time and
// sent, or (`defer`) queued like the single-row UPDATEs.
plan<void> flush_run::update_from_values(const table_info& table, const std::vector<std::size_t>& changed,
                                         const std::vector<const tracked*>& group, bool defer) {
  const auto* version = table.version_column();
  auto& key_columns = table.primary_key_columns();
  // The columns of a row's parameters, in order (a refused value is named after its column).
  std::vector<std::size_t> parameter_columns(key_columns.begin(), key_columns.end());
  parameter_columns.insert(parameter_columns.end(), changed.begin(), changed.end());
  if (version) parameter_columns.insert(parameter_columns.end(), {version->ordinal, version->ordinal});
  auto width = parameter_columns.size();
  auto per_statement = std::clamp<std::size_t>(dialect_.max_parameters() / width, 1, update_rows);
  auto batch = per_statement * statements_per_pipeline;
  std::string full_text;  // the text of a statement of per_statement rows, made once
  std::string tail_text;  // the last statement's, if it has fewer rows
  for (std::size_t start = 0; start < group.size(); start += batch) {
    io::execute_batch statements;
    std::vector<std::size_t> rows;
    for (auto first = start; first < std::min(group.size(), start + batch); first += per_statement) {
      auto n = std::min(per_statement, group.size() - first);
      auto& text = n == per_statement ? full_text : tail_text;
      if (text.empty()) text = sql::update_from_values(table, changed, n, dialect_);
      params p;
      p.reserve(n * width);
      for (auto i = first; i < first + n; ++i) {
        const auto* t = group[i];
        t->record->key.append_to(p);
        for (auto column : changed) p.push_back(column_value(table, table.columns()[column], t->object.get()));
        if (version) {
          auto known = t->record->snapshot(table.snapshot_slot(version->ordinal));  // last loaded or written
          value next{known.as_integer() + 1};
          write(*t->record, t->object.get(), *version, next);
          p.push_back(std::move(next));
          p.push_back(std::move(known));
        }
        updated_.push_back(t);
      }
      if (defer) {
        std::vector<params> sets;
        sets.push_back(std::move(p));
        deferred_.push_back({&table, text, std::move(sets), n, version != nullptr, parameter_columns});
        deferred_rows_ += n;
        continue;
      }
      statements.statements.emplace_back(text, std::move(p));
      rows.push_back(n);
    }
    if (defer) continue;
    std::vector<drivers::rowset> results;
    try {
      results = co_await statements;
    } catch (const error& e) {
      throw naming_column(e, table, parameter_columns);
    }
    for (std::size_t i = 0; i < rows.size(); ++i)  // (the statements were moved into the request)
      count_update(table, results.at(i).affected_rows, rows[i], version != nullptr,
                   rows[i] == per_statement ? full_text : tail_text);
  }
}

// One UPDATE statement's answer: every row it was sent for must have matched.
void flush_run::count_update(const table_info& table, std::int64_t affected, std::size_t rows, bool versioned,
                             const std::string& text) {
  ++stats_.statements;
  check_matched("UPDATE", table, affected, rows, versioned, "a row was deleted", text);
  stats_.updated += rows;
}

// The statements queued by update_dirty(defer) and insert_group(), as one pipeline's.
io::execute_batch flush_run::deferred_statements() {
  io::execute_batch batch;
  for (auto& u : deferred_)
    for (auto& set : u.sets) batch.statements.emplace_back(u.text, std::move(set));
  return batch;
}

// Takes the answers of the queued statements (in deferred_statements() order): an UPDATE's
// rows must all have matched, an INSERT's RETURNING rows go into its objects. Then forgets them.
void flush_run::check_deferred(const std::vector<drivers::rowset>& results) {
  std::size_t next = 0;
  for (auto& u : deferred_) {
    if (u.returned) {
      u.returned(results.at(next++));
      continue;
    }
    std::int64_t affected = 0;
    for (std::size_t i = 0; i < u.sets.size(); ++i) affected += results.at(next++).affected_rows;
    count_update(*u.table, affected, u.rows, u.versioned, u.text);
  }
  deferred_.clear();
  deferred_rows_ = 0;
}

// Sends the statements still queued (none rode with an INSERT), in one pipeline. With
// `commit`, COMMIT goes in it too; since an UPDATE's row count cannot be looked at before
// COMMIT runs, each UPDATE goes with its expected count, which the connection checks first:
// one that matched no row (deleted, or changed under a version column) fails the pipeline
// with stale_data and nothing commits, as when the flush checks it.
plan<void> flush_run::send_deferred(bool commit) {
  if (deferred_.empty()) co_return;
  auto batch = deferred_statements();
  if (commit) {
    batch.commit = true;
    batch.expected_rows.reserve(batch.statements.size());
    for (auto& u : deferred_) {
      // Each set of an UPDATE updates u.rows / u.sets.size() rows: one, or all of them.
      auto expected = u.returned ? -1 : static_cast<std::int64_t>(u.rows / u.sets.size());
      for (std::size_t i = 0; i < u.sets.size(); ++i) batch.expected_rows.push_back(expected);
    }
  }
  std::vector<drivers::rowset> results;
  try {
    results = co_await batch;
  } catch (const error& e) {
    if (e.code() == errc::stale_data) throw stale_deferred(e);
    throw naming_deferred_column(e);
  }
  committed_ = commit;
  check_deferred(results);
}

// A refused value of a queued statement, named after its column (found by the failed statement).
error flush_run::naming_deferred_column(const error& e) const {
  for (auto& u : deferred_)
    if (u.text == e.details().sql) return naming_column(e, *u.table, u.columns);
  return e;
}

// A queued UPDATE that the connection found matching no row before COMMIT: the error the
// flush gives when it counts the rows itself.
error flush_run::stale_deferred(const error& e) const {
  for (auto& u : deferred_)
    if (!u.returned && u.text == e.details().sql) {
      auto rows = u.rows / u.sets.size();  // one, or every row of an UPDATE ... FROM VALUES
      return stale("UPDATE", *u.table, rows == 1 ? 0 : -1, rows, u.versioned, "a row was deleted", u.text);
    }
  return e;
}

// (4) DELETE, children's tables before parents'.
plan<void> flush_run::delete_removed(const table_info& table) {
  const auto* version = table.version_column();
  std::vector<params> sets;
  objects_.for_each_record([&](object_record& r) {
    if (r.table == &table && r.state == object_state::deleted) {  // held strongly
      auto& p = sets.emplace_back();
      r.key.append_to(p);
      if (version) p.push_back(r.snapshot(table.snapshot_slot(version->ordinal)));
      deleted_.push_back({r.lock(), &r});
    }
  });
  if (sets.empty()) co_return;
  auto text = sql::delete_by_key(table, dialect_);
  auto count = sets.size();
  io::execute_many removal{text, std::move(sets)};
  auto affected = co_await removal;
  ++stats_.statements;
  check_matched("DELETE", table, affected, count, version != nullptr, "a row was already deleted", text);
  stats_.deleted += count;
}

}  // namespace orca::detail

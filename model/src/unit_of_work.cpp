// The flush. State is changed in the identity map only once every statement succeeded;
// until then new keys live in the pending records and old column values in the insert
// journal (pending objects) or `journal_` (the others), so a failure can put every object
// back as it was.
#include "orca/model/unit_of_work.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <numeric>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"
#include "orca/model/dependency_order.hpp"
#include "orca/model/overloaded.hpp"
#include "association_rows.hpp"
#include "relationship_sync.hpp"

namespace orca {

namespace {

/// A foreign key to set from a relationship: child.fk = parent.key (or NULL: unlink). One
/// per child of every collection, so it is kept small: objects with a record stay alive
/// through work_ (pending and persistent ones) or their record (deleted ones) for the whole
/// flush, and a child without a record is only compared by address.
struct link {
  object_record* parent_record;  ///< null for an unlink
  void* child;
  object_record* child_record;
  const table_info* child_table;
  const relationship_info* relationship;
  bool unlink;
};

struct tracked {
  std::shared_ptr<void> object;
  object_record* record;
};

// Fills `values` with an object's columns, in place: a snapshot taken again keeps its buffer.
void read_columns(const table_info& table, const void* object, snapshot_values& values) {
  auto& columns = table.columns();
  values.resize(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) values[i] = columns[i].access->get(object);
}

// A member's value for a statement; a member that cannot be converted (a time finer than a
// microsecond, an enumerator without a name) names its column, as a driver's refusal does.
// Runs f, a read of one column's member; a value the member cannot give names the column.
template <class F>
auto reading_column(const table_info& table, const column_info& column, F&& f) {
  try {
    return f();
  } catch (const error& e) {
    auto details = e.details();
    details.column = table.name() + "." + column.name;
    throw error{e.code(), "column " + details.column + ": " + e.message(), std::move(details)};
  }
}

value column_value(const table_info& table, const column_info& column, const void* object) {
  return reading_column(table, column, [&] { return column.access->get(object); });
}

// True if the column's member still gives `x` (its snapshot value).
bool column_holds(const table_info& table, const column_info& column, const void* object, const value& x) {
  return reading_column(table, column, [&] { return column.access->holds(object, x); });
}

// A value the driver refused names its 1-based parameter ("parameter 3: text holds ...");
// the flush knows which column each parameter is for, and says so instead.
error naming_column(const error& refused, const table_info& table, const std::vector<std::size_t>& columns) {
  auto details = refused.details();
  if (details.parameter == 0 || columns.empty()) return refused;
  const auto& column = table.columns()[columns[(details.parameter - 1) % columns.size()]];
  details.column = table.name() + "." + column.name;
  std::string reason = refused.message();
  auto prefix = "parameter " + std::to_string(details.parameter) + ": ";
  if (reason.starts_with(prefix)) reason.erase(0, prefix.size());
  return error{refused.code(), "column " + details.column + ": " + reason, std::move(details)};
}

// An UPDATE or DELETE by key matched fewer rows than it had objects: someone else changed
// (with a version column) or deleted one of them since this session read it.
void check_matched(const char* statement, const table_info& table, std::int64_t affected, std::size_t expected,
                   bool versioned, const char* without_version, const std::string& sql) {
  if (affected == static_cast<std::int64_t>(expected)) return;
  throw error(errc::stale_data,
              std::string{statement} + " of " + table.class_name() + " matched " + std::to_string(affected) + " of " +
                  std::to_string(expected) + " rows: " +
                  (versioned ? "a row was changed or deleted by someone else since this session read it"
                             : std::string{without_version} + " by someone else"),
              {sql, {}, {}, false});
}

class flush_run {
public:
  flush_run(identity_map& objects, insert_journal& inserts, const drivers::dialect& dialect, flush_options options)
      : objects_(objects), inserts_(inserts), inserts_mark_(inserts.size()), dialect_(dialect), options_(options) {}

  plan<flush_stats> run() {
    cascade();
    auto tables = involved_tables();
    std::exception_ptr failure;
    try {
      // When no foreign key waits for a key the database generates (every link's parent is
      // persistent), UPDATEs depend on no INSERT: each table's go first (SQLAlchemy's order)
      // and ride with the next INSERT, one round trip for both. Otherwise the UPDATEs follow
      // every INSERT, which set the keys they may need.
      bool pipelined = std::all_of(links_.begin(), links_.end(), [](const link& l) {
        return l.parent_record == nullptr || l.parent_record->state == object_state::persistent;
      });
      for (auto* table : tables) {
        apply_links(*table);
        if (pipelined) co_await update_dirty(*table, true);
        co_await insert_pending(*table);
      }
      links_ = {};  // every foreign key is set: its memory can serve the snapshots
      if (!pipelined)
        for (auto* table : tables) co_await update_dirty(*table, false);
      co_await send_deferred();
      auto association_statements = co_await associations_.write(objects_, tables, dialect_,
                                                                 options_.insert_batch_size);
      stats_.statements += association_statements;
      for (auto it = tables.rbegin(); it != tables.rend(); ++it) co_await delete_removed(**it);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      restore();
      std::rethrow_exception(failure);
    }
    finish();
    co_return stats_;
  }

private:
  // (1) Everything reachable from the session joins it (save-update cascade).
  void cascade() {
    objects_.for_each([&](const std::shared_ptr<void>& object, object_record& record) {
      if (record.state == object_state::pending || record.state == object_state::persistent)
        work_.push_back({object, &record});
    });
    // In add() order, so that inserts follow the user's order. Records are mostly in that
    // order already (slots are handed out in turn): the sort and its buffer are then skipped.
    auto by_sequence = [](const tracked& a, const tracked& b) { return a.record->sequence < b.record->sequence; };
    if (!std::is_sorted(work_.begin(), work_.end(), by_sequence))
      std::stable_sort(work_.begin(), work_.end(), by_sequence);
    for (std::size_t i = 0; i < work_.size(); ++i) {
      const auto& item = work_[i];  // a deque: it stays where it is while follow() appends
      for (auto& rel : item.record->table->relationships()) follow(item, rel);
    }
  }

  // The record of a related object; one the session does not know joins it as pending.
  object_record* join(const relationship_info& rel, const std::shared_ptr<void>& related) {
    auto* record = objects_.find(related.get());
    if (record == nullptr) {
      record = &objects_.add_pending({&rel.target(), related});
      work_.push_back({related, record});
    }
    return record;
  }

  // Links `item` with what one of its relationships holds. Without cascade::save_update,
  // related objects the session does not know are left out.
  void follow(const tracked& item, const relationship_info& rel) {
    auto* owner = item.object.get();
    bool save = has(rel.cascades, cascade::save_update);
    // A child the session does not know has no foreign key to set, nor one to clear.
    auto link_child = [&](const std::shared_ptr<void>& child, bool unlink) {
      auto* record = unlink || !save ? objects_.find(child.get()) : join(rel, child);
      if (record == nullptr) return;
      links_.push_back({unlink ? nullptr : item.record, child.get(), record, &rel.target(), &rel, unlink});
    };
    std::visit(overloaded{
                   [&](const std::shared_ptr<const detail::collection_accessor>& collection) {
                     for (auto& child : collection->items(owner)) {
                       link_child(child, false);
                       detail::link_back(rel, item.object, child);
                     }
                     auto removed = collection->removed(owner);
                     for (auto& child : removed) link_child(child, true);
                     if (!removed.empty()) removed_from_.push_back({item.object, &rel});
                   },
                   [&](const std::shared_ptr<const detail::write_only_accessor>& write_only) {
                     for (auto& child : write_only->added(owner)) link_child(child, false);
                     for (auto& child : write_only->removed(owner)) link_child(child, true);
                     write_only_owners_.push_back({item.object, &rel});
                   },
                   [&](const std::shared_ptr<const detail::many_to_many_accessor>& many) {
                     associations_.follow(item.object, item.record->state == object_state::persistent, rel, *many,
                                          [&](const relationship_info& r, const std::shared_ptr<void>& target) {
                                            if (has(r.cascades, cascade::save_update))
                                              return join(r, target) != nullptr;
                                            return objects_.find(target.get()) != nullptr;
                                          });
                   },
                   [&](const std::shared_ptr<const detail::reference_accessor>& reference) {
                     auto parent = reference->target(owner);
                     if (!parent) return;
                     auto* record = save ? join(rel, parent) : objects_.find(parent.get());
                     if (record == nullptr) return;
                     links_.push_back({record, item.object.get(), item.record, item.record->table, &rel, false});
                     if (rel.back_populates != nullptr) detail::link_reference(rel, item.object, parent);
                   },
               },
               rel.access);
  }

  std::vector<const table_info*> involved_tables() const {
    std::vector<const table_info*> tables;
    for (auto& t : work_)
      if (std::find(tables.begin(), tables.end(), t.record->table) == tables.end()) tables.push_back(t.record->table);
    objects_.for_each_record([&](object_record& r) {
      if (r.state == object_state::deleted && std::find(tables.begin(), tables.end(), r.table) == tables.end())
        tables.push_back(r.table);
    });
    return sort_by_dependency(tables);
  }

  // Sets one column during the flush, remembering its old value: all of them are put back
  // if the flush fails. A pending object's go to the transaction's insert journal, where a
  // rollback of its INSERT finds them; the others are the flush's own.
  void write(object_record& record, void* object, const column_info& column, const value& x) {
    auto old = column.access->get(object);
    if (old == x) return;
    if (record.state == object_state::pending)
      record.before_insert = inserts_.record(record.before_insert, column.ordinal, std::move(old));
    else
      journal_.push_back({object, &column, std::move(old)});
    column.access->set(object, x);
  }

  // A parent's key: a persistent one's, or the one its INSERT in this flush returned. A
  // relationship's foreign key is one column, so the parent's key is one value.
  static value key_of(const object_record& parent) {
    if (parent.key.size() != 1)
      throw error(errc::invalid_argument, "relationships to " + parent.table->class_name() +
                                              " are not mapped: its primary key is composite; set the foreign key "
                                              "columns and declare t.foreign_key(...) instead");
    if (parent.state == object_state::persistent || (parent.state == object_state::pending && !parent.key.empty()))
      return parent.key.part(0);
    throw error(errc::internal, "a parent object has no primary key when its children are flushed");
  }

  // (2a) Children's foreign keys from their parents (parents' tables come first). A child
  // taken out of one collection and put into another is linked, not unlinked.
  void apply_links(const table_info& table) {
    std::unordered_set<const void*> linked;  // filled only when something is unlinked
    if (std::any_of(links_.begin(), links_.end(), [&](const link& l) { return l.unlink && l.child_table == &table; }))
      for (auto& l : links_)
        if (!l.unlink && l.child_table == &table) linked.insert(l.child);
    for (auto& l : links_) {
      if (l.child_table != &table) continue;
      if (l.unlink && linked.count(l.child) != 0) continue;
      auto& column = table.columns()[l.relationship->foreign_key];
      value wanted;
      if (l.unlink) {
        if (!column.nullable)
          throw error(errc::invalid_state, "cannot remove a " + table.class_name() + " from " +
                                               l.relationship->owner->class_name() + "." + l.relationship->name + ": " +
                                               table.name() + "." + column.name +
                                               " is NOT NULL; delete the object with session.remove() instead");
      } else {
        wanted = key_of(*l.parent_record);
      }
      write(*l.child_record, l.child, column, wanted);
    }
  }

  // (2b) Batched multi-row INSERT ... RETURNING of one table's pending objects.
  plan<void> insert_pending(const table_info& table) {
    std::vector<const tracked*> pending;
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
      co_await insert_group(table, included, group);
      group = {};  // done with: its memory goes before the next group's statements
    }
  }

  plan<void> insert_group(const table_info& table, const std::vector<std::size_t>& included,
                          const std::vector<const tracked*>& group) {
    // RETURNING starts with the key columns (in key order), then what the database filled in.
    auto& key_columns = table.primary_key_columns();
    bool key_generated = std::find(included.begin(), included.end(), key_columns.front()) == included.end();
    std::vector<std::size_t> returning{key_columns};
    for (auto& c : table.columns())
      if (!c.primary_key && std::find(included.begin(), included.end(), c.ordinal) == included.end())
        returning.push_back(c.ordinal);

    std::size_t batch = included.empty()
                            ? 1
                            : std::max<std::size_t>(
                                  1, std::min(options_.insert_batch_size, dialect_.max_parameters() / included.size()));
    std::string full_batch_sql;
    params parameters;
    for (std::size_t start = 0; start < group.size(); start += batch) {
      std::size_t n = std::min(batch, group.size() - start);
      std::string partial_sql;
      if (n == batch && full_batch_sql.empty())
        full_batch_sql = sql::insert(table, included, n, returning, dialect_);
      else if (n != batch)
        partial_sql = sql::insert(table, included, n, returning, dialect_);
      const std::string& text = n == batch ? full_batch_sql : partial_sql;

      parameters.clear();
      parameters.reserve(n * included.size());
      for (std::size_t i = start; i < start + n; ++i)
        for (auto column : included)
          parameters.push_back(column_value(table, table.columns()[column], group[i]->object.get()));
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
        keys[r] = table.key_from([&](std::size_t) -> const value& { return rows.at(r, k++); });
      }
      if (key_generated) {
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return keys[a].integer() < keys[b].integer(); });
      } else {
        std::unordered_map<key, std::size_t, key_hash> by_key;
        for (std::size_t r = 0; r < n; ++r) by_key[keys[r]] = r;
        for (std::size_t i = 0; i < n; ++i) {
          auto found = by_key.find(table.key_of(group[start + i]->object.get()));
          if (found == by_key.end())
            throw error(errc::internal, "INSERT INTO " + table.name() + " returned no row for a given key",
                        {text, {}, {}, false});
          order[i] = found->second;
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        auto& t = *group[start + i];
        auto row = order[i];
        for (std::size_t k = 0; k < returning.size(); ++k)
          write(*t.record, t.object.get(), table.columns()[returning[k]], rows.at(row, k));
        t.record->key = std::move(keys[row]);  // still pending: the identity map learns it in finish()
      }
      stats_.inserted += n;
    }
  }

  // (3) UPDATE of the columns that differ from the snapshot, grouped by column set. Parameter
  // sets are built a batch (`insert_batch_size`) at a time, so that only one batch of them
  // exists at once: reading a changed column again costs less than holding every object's.
  //
  // With `defer`, a table whose changed rows fit one batch only queues its UPDATEs (in
  // deferred_), to go with the next INSERT or send_deferred(); its rows' counts are checked
  // when the answer comes.
  plan<void> update_dirty(const table_info& table, bool defer) {
    const auto* version = table.version_column();
    std::map<std::vector<std::size_t>, std::vector<const tracked*>> groups;
    std::vector<std::size_t> changed;
    for (auto& t : work_) {
      if (t.record->table != &table || t.record->state != object_state::persistent) continue;
      changed.clear();
      auto& snapshot = t.record->snapshot;
      for (auto& c : table.columns())
        if (&c != version && c.ordinal < snapshot.size() &&
            !column_holds(table, c, t.object.get(), snapshot[c.ordinal]))
          changed.push_back(c.ordinal);
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
          for (auto column : changed_columns)
            p.push_back(column_value(table, table.columns()[column], t->object.get()));
          value known;  // the version this session last loaded or wrote
          if (version) {
            known = t->record->snapshot[version->ordinal];
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

  // One UPDATE statement's answer: every row it was sent for must have matched.
  void count_update(const table_info& table, std::int64_t affected, std::size_t rows, bool versioned,
                    const std::string& text) {
    ++stats_.statements;
    check_matched("UPDATE", table, affected, rows, versioned, "a row was deleted", text);
    stats_.updated += rows;
  }

  // UPDATEs queued by update_dirty(defer), as the statements of one pipeline.
  io::execute_batch deferred_statements() {
    io::execute_batch batch;
    for (auto& u : deferred_)
      for (auto& set : u.sets) batch.statements.emplace_back(u.text, std::move(set));
    return batch;
  }

  // Checks the queued UPDATEs' row counts against the answers of their statements (in
  // deferred_statements() order), then forgets them.
  void check_deferred(const std::vector<drivers::rowset>& results) {
    std::size_t next = 0;
    for (auto& u : deferred_) {
      std::int64_t affected = 0;
      for (std::size_t i = 0; i < u.rows; ++i) affected += results.at(next++).affected_rows;
      count_update(*u.table, affected, u.rows, u.versioned, u.text);
    }
    deferred_.clear();
    deferred_rows_ = 0;
  }

  // Sends the UPDATEs still queued (none rode with an INSERT), in one pipeline.
  plan<void> send_deferred() {
    if (deferred_.empty()) co_return;
    auto batch = deferred_statements();
    std::vector<drivers::rowset> results;
    try {
      results = co_await batch;
    } catch (const error& e) {
      throw naming_deferred_column(e);
    }
    check_deferred(results);
  }

  // A refused value of a queued UPDATE, named after its column (found by the failed statement).
  error naming_deferred_column(const error& e) const {
    for (auto& u : deferred_)
      if (u.text == e.details().sql) return naming_column(e, *u.table, u.columns);
    return e;
  }

  // (4) DELETE, children's tables before parents'.
  plan<void> delete_removed(const table_info& table) {
    const auto* version = table.version_column();
    std::vector<params> sets;
    objects_.for_each_record([&](object_record& r) {
      if (r.table == &table && r.state == object_state::deleted) {  // held strongly
        auto& p = sets.emplace_back();
        r.key.append_to(p);
        if (version) p.push_back(r.snapshot[version->ordinal]);
        deleted_.push_back({r.strong, &r});
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

  void restore() noexcept {
    // The values were read from the objects themselves, so they convert back.
    for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
      try {
        it->column->access->set(it->object, it->old);
      } catch (...) {
      }
    }
    for (auto& t : work_)
      if (t.record->state == object_state::pending) {
        try {
          inserts_.restore(*t.record->table, t.object.get(), t.record->before_insert);
        } catch (...) {
        }
        t.record->before_insert = insert_journal::none;
        t.record->key = key{};
      }
    inserts_.truncate(inserts_mark_);
  }

  // Every statement succeeded: now the identity map learns what happened.
  void finish() {
    // The inserted objects' addresses are indexed already; only their keys are new.
    std::vector<std::pair<const table_info*, std::size_t>> inserted;  // per table: a handful
    for (auto& t : work_) {
      if (t.record->state != object_state::pending) continue;
      auto at = std::find_if(inserted.begin(), inserted.end(), [&](auto& x) { return x.first == t.record->table; });
      if (at == inserted.end())
        inserted.emplace_back(t.record->table, 1);
      else
        ++at->second;
    }
    for (auto& [table, n] : inserted) objects_.reserve_keys(*table, n);
    // Every pending object of the flush was inserted: each table of work_ had its INSERTs.
    for (auto& t : work_) {
      auto& r = *t.record;
      if (r.state != object_state::pending) continue;
      r.inserted_in_transaction = true;
      objects_.make_persistent(r, r.key);
      read_columns(*r.table, t.object.get(), r.snapshot);
    }
    for (const auto* t : updated_) read_columns(*t->record->table, t->object.get(), t->record->snapshot);
    for (auto& t : deleted_) objects_.erase(t.object.get());
    for (auto& [owner, rel] : removed_from_) rel->collection()->clear_removed(owner.get());
    associations_.finish();
    for (auto& [owner, rel] : write_only_owners_) {
      auto* write_only = rel->write_only();
      write_only->clear_pending(owner.get());
      if (auto* r = objects_.find(owner.get()); r != nullptr && r->state == object_state::persistent)
        write_only->bind(owner.get(), *rel, r->key.part(0), objects_.write_only_changed());
    }
  }

  struct saved_value {
    void* object;  ///< kept alive by work_ or its record for the flush's duration
    const column_info* column;
    value old;
  };

  identity_map& objects_;
  insert_journal& inserts_;
  std::size_t inserts_mark_;  ///< the journal's size before this flush
  const drivers::dialect& dialect_;
  flush_options options_;
  flush_stats stats_;
  // Deques, one per object or link, grow in small blocks: never copied as they grow, and
  // their memory goes back to the allocator's free lists for the allocations that follow.
  std::deque<tracked> work_;
  std::deque<link> links_;
  std::vector<std::pair<std::shared_ptr<void>, const relationship_info*>> write_only_owners_;
  std::vector<std::pair<std::shared_ptr<void>, const relationship_info*>> removed_from_;  ///< collections
  detail::association_rows associations_;
  std::vector<saved_value> journal_;
  std::vector<const tracked*> updated_;  ///< into work_, which no longer grows once they are taken
  /// UPDATEs waiting to go with the next INSERT (or send_deferred()): one per column set.
  struct deferred_update {
    const table_info* table;
    std::string text;
    std::vector<params> sets;  ///< one row each; moved into the pipeline when it is sent
    std::size_t rows;
    bool versioned;
    std::vector<std::size_t> columns;  ///< the parameters' columns, to name a refused value
  };
  std::vector<deferred_update> deferred_;
  std::size_t deferred_rows_ = 0;
  std::vector<tracked> deleted_;
};

}  // namespace

plan<flush_stats> unit_of_work::flush(const drivers::dialect& dialect) {
  flush_run run{objects_, inserts_, dialect, options_};
  co_return co_await run.run();
}

flush_stats unit_of_work::flush(drivers::connection& connection) {
  return drive(flush(connection.sql_dialect()), connection);
}

}  // namespace orca

// Eager loads of relationships (loader::load_relationships): selectin batches of parents'
// keys, as IN lists or key ranges, pipelined where the backend can; each loaded child goes
// straight into its parent's collection (or reference).
#include "orca/model/loading.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "orca/drivers/error.hpp"
#include "joined_tables.hpp"
#include "orca/model/compiler.hpp"
#include "relationship_sync.hpp"

namespace orca {

namespace {

// The key a single foreign key value refers to (an integer takes orca::key's integer path).
key key_of_value(const column_info& column, const value& x) {
  return x.type() == value_type::integer ? key{x.as_integer()} : key{std::vector<value>{key_value(column.type, x)}};
}
key key_of_value(const column_info& column, const drivers::cell& x) {
  return x.type() == value_type::integer ? key{x.integer()}
                                         : key{std::vector<value>{key_value(column.type, x.to_value())}};
}

// Relationships join one foreign key column to a single-column primary key.
void require_single_column_key(const table_info& parent, const relationship_info& rel) {
  if (parent.primary_key_columns().size() != 1)
    throw error(errc::invalid_argument, "relationship " + rel.owner->class_name() + "." + rel.name +
                                            " cannot be loaded: " + parent.class_name() +
                                            "'s primary key is composite, and relationships map one foreign key "
                                            "column");
}

// Distinct keys numbered in the order first seen. Integer keys (the usual case) live in a
// flat table, so a load of 100,000 parents allocates no node per parent.
class key_positions {
public:
  key_positions(const table_info& table, std::size_t n) : table_(&table) { index_.reserve(&table, n); }
  /// True (and numbered size() - 1) if `k` was not seen before.
  bool insert(const key& k) {
    if (index_.find(table_, k) != nullptr) return false;
    index_.put(table_, k, reinterpret_cast<const void*>(++size_));  // stored one-based: null is "absent"
    return true;
  }
  /// The number of `k`, if it was seen.
  std::optional<std::size_t> find(const key& k) const {
    auto stored = reinterpret_cast<std::uintptr_t>(index_.find(table_, k));
    return stored == 0 ? std::nullopt : std::optional<std::size_t>{stored - 1};
  }
  std::size_t size() const noexcept { return size_; }

private:
  const table_info* table_;
  key_index index_;
  std::uintptr_t size_ = 0;
};

// The parents of a relationship load, each key once: its value for the IN list, and the
// parent object that receives what the key's rows bring.
struct distinct_parents {
  distinct_parents(const table_info& table, object_span parents) : positions(table, parents.size()) {
    keys.reserve(parents.size());
    owners.reserve(parents.size());
    for (std::size_t i = 0; i < parents.size(); ++i) {
      auto* parent = parents.get(i);
      auto key = parents.table(i)->key_of(parent);
      if (!positions.insert(key)) continue;
      keys.push_back(std::move(key));
      owners.push_back(parent);
    }
  }
  key_positions positions;
  std::vector<key> keys;  ///< single-column keys (require_single_column_key)
  std::vector<void*> owners;
};

// The parents of a collection load whose keys are the consecutive integers first, first +
// 1, ... each once (a table's rows loaded in key order, the usual case): the parent of key
// k is the (k - first)-th, with no list of keys nor index of positions, and, where the
// parents come in key order, no list of them either (SQLite P2: 2.4 MB of the load's peak).
struct parent_range {
  /// The range of `parents`, if their keys make one.
  static std::optional<parent_range> of(object_span parents) {
    if (parents.empty()) return std::nullopt;
    auto key_at = [&](std::size_t i) { return parents.table(i)->key_of(parents.get(i)); };
    auto first = key_at(0);
    if (!first.is_integer()) return std::nullopt;
    auto ordered = true;
    for (std::size_t i = 1; i < parents.size() && ordered; ++i) {
      auto k = key_at(i);
      ordered = k.is_integer() &&
                static_cast<std::uint64_t>(k.integer()) - static_cast<std::uint64_t>(first.integer()) == i;
    }
    if (ordered) return parent_range{first.integer(), parents, {}};
    auto low = std::numeric_limits<std::int64_t>::max();
    auto high = std::numeric_limits<std::int64_t>::min();
    for (std::size_t i = 0; i < parents.size(); ++i) {
      auto k = key_at(i);
      if (!k.is_integer()) return std::nullopt;
      low = std::min(low, k.integer());
      high = std::max(high, k.integer());
    }
    if (static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low) != parents.size() - 1) return std::nullopt;
    parent_range range{low, std::nullopt, std::vector<void*>(parents.size(), nullptr)};
    for (std::size_t i = 0; i < parents.size(); ++i) {
      auto& slot = range.owners[static_cast<std::size_t>(key_at(i).integer() - low)];
      if (slot != nullptr) return std::nullopt;  // a key twice: some key of the range is missing
      slot = parents.get(i);
    }
    return range;
  }
  std::size_t size() const noexcept { return in_order ? in_order->size() : owners.size(); }
  /// The parent of key first + i.
  void* owner(std::size_t i) const noexcept { return in_order ? in_order->get(i) : owners[i]; }
  /// The parent of value `x` of foreign key `fk`, or null.
  void* owner_of(const column_info& fk, const drivers::cell& x) const {
    std::int64_t k;
    if (x.type() == value_type::integer) {
      k = x.integer();
    } else {
      auto converted = key_of_value(fk, x);  // another type the column's converts
      if (!converted.is_integer()) return nullptr;
      k = converted.integer();
    }
    auto at = static_cast<std::uint64_t>(k) - static_cast<std::uint64_t>(first);
    return at < size() ? owner(at) : nullptr;
  }
  std::int64_t first;
  std::optional<object_span> in_order;  ///< the parents, if they come in key order
  std::vector<void*> owners;            ///< else each parent at its key's place
};

std::size_t batch_size(const load_options& options, const drivers::dialect& dialect) {
  return std::max<std::size_t>(1, std::min(options.selectin_batch_size, dialect.max_parameters()));
}

}  // namespace

plan<void> loader::load_relationships(const select_spec& spec, object_span parents, const drivers::dialect& dialect) {
  co_await load_eager(spec.loaders, parents, dialect);
}

plan<void> loader::load_eager(const std::vector<loader_option>& options, object_span parents,
                              const drivers::dialect& dialect) {
  if (parents.empty()) co_return;
  for (auto& option : options) {
    std::vector<object_ref> loaded;
    if (option.what == loader_option::kind::selectin) {
      if (option.relationship->kind == relationship_kind::many_to_one)
        loaded = co_await load_reference(*option.relationship, parents, dialect);
      else if (option.relationship->kind == relationship_kind::many_to_many)
        loaded = co_await load_secondary(*option.relationship, parents, dialect);
      else
        loaded = co_await load_collection(*option.relationship, parents, dialect, !option.nested.empty());
    } else if (option.what == loader_option::kind::joined && !option.nested.empty()) {
      loaded = detail::related_of(*option.relationship, parents);  // the statement's joins loaded them
    }
    if (!option.nested.empty()) co_await load_eager(option.nested, loaded, dialect);
  }
}

void loader::load_relationships(drivers::connection& connection, const select_spec& spec, object_span parents) {
  drive(load_relationships(spec, parents, connection.sql_dialect()), connection);
}

namespace {

// The first and last of `n` distinct keys from `first` if they are consecutive integers
// (any order): the keys a load of a table's rows in key order finds for its children.
std::optional<std::pair<std::int64_t, std::int64_t>> consecutive(const std::vector<key>& keys, std::size_t first,
                                                                 std::size_t n) {
  auto low = std::numeric_limits<std::int64_t>::max();
  auto high = std::numeric_limits<std::int64_t>::min();
  for (auto k = first; k < first + n; ++k) {
    if (!keys[k].is_integer()) return std::nullopt;
    low = std::min(low, keys[k].integer());
    high = std::max(high, keys[k].integer());
  }
  if (static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low) != n - 1) return std::nullopt;
  return std::pair{low, high};
}

// Orders integer keys (others compare equal: consecutive() finds none among them).
bool by_integer(const key& a, const key& b) { return a.is_integer() && b.is_integer() && a.integer() < b.integer(); }

}  // namespace

plan<void> loader::select_in(const table_info& table, std::size_t column, const std::vector<key>& keys,
                             const drivers::dialect& dialect, const std::function<void(drivers::rowset&)>& consume) {
  const std::function<std::string(std::size_t)> sql_for = [&](std::size_t n) {
    return sql::select_in(table, column, n, dialect);
  };
  const std::function<std::string()> between_sql = [&] { return sql::select_between(table, column, dialect); };
  // Keys that are consecutive integers as a whole but come in another order (parents
  // ordered by another column) are sorted, so that every batch is a range.
  if (keys.size() > 1 && !std::is_sorted(keys.begin(), keys.end(), by_integer) && consecutive(keys, 0, keys.size())) {
    auto sorted = keys;
    std::sort(sorted.begin(), sorted.end(), by_integer);
    co_await select_in(table, sql_for, sorted, dialect, consume, between_sql);
    co_return;
  }
  co_await select_in(table, sql_for, keys, dialect, consume, between_sql);
}

plan<void> loader::select_in(const table_info& loaded, const std::function<std::string(std::size_t)>& sql_for,
                             const std::vector<key>& keys, const drivers::dialect& dialect,
                             const std::function<void(drivers::rowset&)>& consume,
                             const std::function<std::string()>& between_sql) {
  std::size_t batch = batch_size(options_, dialect);
  std::string full_sql;
  std::string between;  // made on first use
  const batch_statement statement = [&](std::size_t start, std::size_t n) {
    // Consecutive keys (a table's rows loaded in key order) read one range of the index
    // instead of looking up each key, with two parameters instead of n: P2 took 1.50× raw
    // sqlite3's time instead of 2.08×, 1.10× raw libpq's instead of 1.55× (bench/README.md).
    if (between_sql && n > 1)
      if (auto range = consecutive(keys, start, n)) {
        if (between.empty()) between = between_sql();
        return std::pair{between, params{value{range->first}, value{range->second}}};
      }
    if (n == batch && full_sql.empty()) full_sql = sql_for(n);
    params p;
    p.reserve(n);
    for (auto k = start; k < start + n; ++k) keys[k].append_to(p);
    return std::pair{n == batch ? full_sql : sql_for(n), std::move(p)};
  };
  co_await select_batches(loaded, keys.size(), statement, dialect, consume);
}

plan<void> loader::select_range(const table_info& table, std::size_t column, std::int64_t first, std::size_t count,
                                const drivers::dialect& dialect, const std::function<void(drivers::rowset&)>& consume) {
  auto between = sql::select_between(table, column, dialect);
  const batch_statement statement = [&](std::size_t start, std::size_t n) {
    auto low = first + static_cast<std::int64_t>(start);
    return std::pair{between, params{value{low}, value{low + static_cast<std::int64_t>(n - 1)}}};
  };
  co_await select_batches(table, count, statement, dialect, consume);
}

plan<void> loader::select_batches(const table_info& loaded, std::size_t count, const batch_statement& statement,
                                  const drivers::dialect& dialect,
                                  const std::function<void(drivers::rowset&)>& consume) {
  std::size_t batch = batch_size(options_, dialect);
  auto batches = (count + batch - 1) / batch;
  auto statement_of = [&](std::size_t i) { return statement(i * batch, std::min(batch, count - i * batch)); };
  if (batches > 1 && dialect.pipelines()) {
    // One round trip for every batch; the rows come together, after the last statement.
    std::vector<std::pair<std::string, params>> statements;
    statements.reserve(batches);
    for (std::size_t i = 0; i < batches; ++i) statements.push_back(statement_of(i));
    io::execute_batch pipeline{std::move(statements)};
    auto results = co_await pipeline;
    std::size_t rows = 0;
    for (auto& r : results) rows += r.size();
    objects_.reserve(loaded, rows);  // the indexes grow once for every batch, not per batch
    for (auto& r : results) {
      consume(r);
      r = {};  // each batch's rows are freed once merged, while the next ones are
    }
    co_return;
  }
  // A statement costs no round trip (SQLite): each batch is merged as it comes, so that one
  // batch of rows exists at a time instead of all of them (SQLite P2: 24 MB of cells).
  drivers::rowset rows;
  for (std::size_t i = 0; i < batches; ++i) {
    auto [sql, p] = statement_of(i);
    io::execute query{std::move(sql), std::move(p)};
    rows = co_await query;
    // The first batch tells how many rows the others will bring, about.
    if (i == 0 && batches > 1) objects_.reserve(loaded, rows.size() * batches);
    consume(rows);
  }
}

plan<std::vector<object_ref>> loader::load_collection(const relationship_info& rel, object_span parents,
                                                      const drivers::dialect& dialect, bool list_loaded) {
  auto& child_table = rel.target();
  require_single_column_key(*rel.owner, rel);
  auto& fk = child_table.columns()[rel.foreign_key];
  auto range = parent_range::of(parents);
  std::optional<distinct_parents> listed;
  if (!range) listed.emplace(*rel.owner, parents);
  auto for_each_owner = [&](auto&& f) {
    if (range)
      for (std::size_t i = 0; i < range->size(); ++i) f(range->owner(i));
    else
      for (auto* owner : listed->owners) f(owner);
  };
  std::vector<object_ref> loaded;
  // Each child goes straight into its parent's collection, emptied and marked loaded first:
  // no list per parent to build and move. A failure on the way leaves every collection of
  // the load unloaded (reading one raises not_loaded), never half filled.
  auto& collection = *rel.collection();
  for_each_owner([&](void* owner) { collection.assign(owner, {}); });
  auto consume = [&](drivers::rowset& rows) {
    auto objects = merge(child_table, rows, nullptr);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      auto& x = rows.cell_at(r, rel.foreign_key);
      void* owner = nullptr;
      if (range)
        owner = range->owner_of(fk, x);
      else if (auto at = listed->positions.find(key_of_value(fk, x)))
        owner = listed->owners[*at];
      if (owner == nullptr) continue;
      if (list_loaded)
        collection.add_loaded(owner, objects[r].object);
      else
        collection.add_loaded(owner, std::move(objects[r].object));  // the list goes next
    }
    if (list_loaded)
      loaded.insert(loaded.end(), std::make_move_iterator(objects.begin()), std::make_move_iterator(objects.end()));
  };
  try {
    if (range)
      co_await select_range(child_table, rel.foreign_key, range->first, range->size(), dialect, consume);
    else
      co_await select_in(child_table, rel.foreign_key, listed->keys, dialect, consume);
  } catch (...) {
    for_each_owner([&](void* owner) { collection.set_unloaded(owner, rel); });
    throw;
  }
  co_return loaded;
}

plan<std::vector<object_ref>> loader::load_secondary(const relationship_info& rel, object_span parents,
                                                     const drivers::dialect& dialect) {
  auto& target = rel.target();
  auto& association = rel.secondary->table();
  auto& owner_column = association.columns()[rel.secondary->owner_column];
  distinct_parents owners(*rel.owner, parents);
  // One statement per batch of owners: the target's columns, then the owner's key from the
  // association row that joined them.
  const std::function<std::string(std::size_t)> sql_for = [&](std::size_t n) {
    return sql::select_secondary_in(rel, n, dialect);
  };
  std::vector<std::vector<std::shared_ptr<void>>> related(owners.keys.size());
  std::vector<object_ref> loaded;
  std::unordered_set<const void*> known;
  auto owner_at = target.columns().size();  // the owner's key follows the target's columns
  co_await select_in(target, sql_for, owners.keys, dialect, [&](drivers::rowset& rows) {
    auto objects = merge(target, rows, nullptr);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (auto at = owners.positions.find(key_of_value(owner_column, rows.cell_at(r, owner_at))))
        related[*at].push_back(objects[r].object);
      if (known.insert(objects[r].object.get()).second) loaded.push_back(objects[r]);
    }
  });
  for (std::size_t i = 0; i < owners.owners.size(); ++i)
    rel.many_to_many()->assign(owners.owners[i], std::move(related[i]));
  co_return loaded;
}

plan<std::vector<object_ref>> loader::load_reference(const relationship_info& rel, object_span owners,
                                                     const drivers::dialect& dialect) {
  auto& target = rel.target();
  require_single_column_key(target, rel);
  auto& fk = owners.table(0)->columns()[rel.foreign_key];
  std::vector<key> keys;
  std::unordered_set<key, key_hash> seen;
  for (std::size_t i = 0; i < owners.size(); ++i) {
    auto v = fk.access->get(owners.get(i));
    if (v.is_null()) continue;
    if (auto k = key_of_value(fk, v); seen.insert(k).second) keys.push_back(std::move(k));
  }
  std::unordered_map<key, std::shared_ptr<void>, key_hash> by_key;
  std::vector<object_ref> loaded;
  co_await select_in(target, target.primary_key().ordinal, keys, dialect, [&](drivers::rowset& rows) {
    for (auto& object : merge(target, rows, nullptr)) {
      by_key[target.key_of(object.object.get())] = object.object;
      loaded.push_back(std::move(object));
    }
  });
  for (std::size_t i = 0; i < owners.size(); ++i) {
    auto v = fk.access->get(owners.get(i));
    std::shared_ptr<void> related;
    if (!v.is_null())
      if (auto it = by_key.find(key_of_value(fk, v)); it != by_key.end()) related = it->second;
    detail::link_reference(rel, owners.ref(i).object, related);
  }
  co_return loaded;
}

}  // namespace orca

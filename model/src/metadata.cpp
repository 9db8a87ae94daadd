// orca::metadata: orders the mapped tables by their foreign keys and creates or drops them.
// Called by applications inside engine.begin().run_sync(...) and by tests.
#include "orca/model/metadata.hpp"

#include <algorithm>
#include <string>

#include "orca/drivers/error.hpp"
#include "orca/model/compiler.hpp"

namespace orca {

namespace {

bool contains(const std::vector<const table_info*>& tables, const table_info* table) {
  return std::find(tables.begin(), tables.end(), table) != tables.end();
}

// The given tables, then every table they reach through foreign keys and relationships
// (association tables too), so that metadata::of<A>() still creates the B that A's
// collection needs.
std::vector<const table_info*> reachable(const std::vector<table_getter>& getters) {
  std::vector<const table_info*> tables;
  for (auto get : getters)
    if (!contains(tables, &get())) tables.push_back(&get());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    auto visit = [&](table_getter get) {
      if (get != nullptr && !contains(tables, &get())) tables.push_back(&get());
    };
    for (auto& c : tables[i]->columns())
      if (c.foreign_key) visit(c.foreign_key->target);
    for (auto& r : tables[i]->relationships()) {
      visit(r.target);
      if (r.secondary) visit(r.secondary->table);  // a many-to-many's association table
    }
  }
  return tables;
}

// True once every table `table`'s foreign keys refer to is in `done`; a table referring to
// itself does not wait for itself (a tree of rows in one table).
bool ready(const table_info& table, const std::vector<const table_info*>& done) {
  for (auto& c : table.columns())
    if (c.foreign_key && &c.foreign_key->target() != &table && !contains(done, &c.foreign_key->target())) return false;
  return true;
}

// The tables of a cycle among `pending` (each waits on another): a table no other pending
// table refers to only waits on the cycle, so such tables are peeled off until none is left.
std::string cycle_names(std::vector<const table_info*> pending) {
  auto referred = [&](const table_info* table) {
    return std::any_of(pending.begin(), pending.end(), [&](auto* other) {
      return other != table && std::any_of(other->columns().begin(), other->columns().end(),
                                           [&](auto& c) { return c.foreign_key && &c.foreign_key->target() == table; });
    });
  };
  for (auto peeled = true; peeled;) {
    auto tail = std::find_if_not(pending.begin(), pending.end(), referred);
    peeled = tail != pending.end();
    if (peeled) pending.erase(tail);
  }
  std::string names;
  for (auto* t : pending) names += (names.empty() ? "" : ", ") + t->name();
  return names;
}

}  // namespace

std::vector<const table_info*> metadata::sorted_tables() const {
  auto pending = reachable(tables_);
  std::vector<const table_info*> sorted;
  sorted.reserve(pending.size());
  // Quadratic, and so stable: each pass takes the first pending table whose dependencies
  // are all placed. Applications map tens of tables, not thousands.
  while (!pending.empty()) {
    auto next = std::find_if(pending.begin(), pending.end(), [&](auto* t) { return ready(*t, sorted); });
    if (next == pending.end()) {
      throw error(errc::invalid_argument,
                  "the foreign keys of tables " + cycle_names(pending) +
                      " form a cycle, so no table can be created before the others; break the cycle "
                      "(make one of the keys nullable and set it after insert, or drop it)");
    }
    sorted.push_back(*next);
    pending.erase(next);
  }
  return sorted;
}

void metadata::create_all(drivers::connection& connection, bool check_first) const {
  auto& dialect = connection.sql_dialect();
  for (auto* table : sorted_tables()) {
    connection.execute_script(sql::create_table(*table, check_first, dialect));
    for (auto& index : sql::create_indexes(*table, check_first, dialect)) connection.execute_script(index);
  }
}

void metadata::drop_all(drivers::connection& connection, bool check_first) const {
  auto& dialect = connection.sql_dialect();
  auto tables = sorted_tables();
  // Referring tables go first, so that no foreign key points into a dropped table.
  for (auto table = tables.rbegin(); table != tables.rend(); ++table)
    connection.execute_script(sql::drop_table(**table, check_first, dialect));
}

}  // namespace orca

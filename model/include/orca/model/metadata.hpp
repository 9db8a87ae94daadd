// orca::metadata: a set of mapped tables, sorted by foreign-key dependency, with
// create_all / drop_all. Used by applications (engine.begin().run_sync) and tests.
#pragma once

#include <initializer_list>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/model/table.hpp"
#include "orca/model/table_of.hpp"

namespace orca {

/// The tables of an application (SQLAlchemy's MetaData).
class metadata {
public:
  /// The tables given by their getters (`orca::metadata{orca::table_of<A>, orca::table_of<B>}`).
  metadata(std::initializer_list<table_getter> tables) : tables_(tables) {}
  /// The tables of mapped classes T... (`orca::metadata::of<A, B>()`).
  template <class... T>
  static metadata of() {
    return metadata{&table_of<T>...};
  }

  /// The tables in dependency order: every table after the tables its foreign keys refer
  /// to (ties keep declaration order). Throws invalid_argument on a cycle.
  std::vector<const table_info*> sorted_tables() const;

  /// Creates every table and index in dependency order; with check_first, tables that
  /// exist are left alone (IF NOT EXISTS). Runs in the connection's current transaction.
  void create_all(drivers::connection& connection, bool check_first = true) const;
  /// Drops every table in reverse dependency order; with check_first, missing tables are
  /// skipped (IF EXISTS).
  void drop_all(drivers::connection& connection, bool check_first = true) const;

private:
  std::vector<table_getter> tables_;
};

}  // namespace orca

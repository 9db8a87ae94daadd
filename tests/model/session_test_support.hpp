// Helpers of the synchronous-session tests (tests/model/*_test.cpp): a connection fake that
// records the SQL the model sends before forwarding it to a real backend, small readers, and
// the seed's objects as the synchronous session takes them.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orca/drivers/connection.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/sync_session.hpp"
#include "support/seed_schema.hpp"

namespace session_test {

/// A connection that forwards every call to a real one and records each statement's SQL
/// (one entry per statement; execute_many records its SQL once per parameter set).
class recording_connection final : public orca::drivers::connection {
public:
  explicit recording_connection(std::unique_ptr<orca::drivers::connection> inner)
      : connection(inner->options()), inner_(std::move(inner)) {}

  /// Every statement sent since construction or the last clear(), in order.
  const std::vector<std::string>& statements() const noexcept { return statements_; }
  /// Forgets the recorded statements.
  void clear() noexcept { statements_.clear(); }
  /// How many recorded statements start with `prefix` ("UPDATE", "SELECT", ...).
  std::size_t count_starting_with(std::string_view prefix) const {
    std::size_t n = 0;
    for (auto& s : statements_)
      if (std::string_view{s}.substr(0, prefix.size()) == prefix) ++n;
    return n;
  }
  /// The connection underneath.
  orca::drivers::connection& inner() noexcept { return *inner_; }

  const orca::drivers::dialect& sql_dialect() const noexcept override { return inner_->sql_dialect(); }
  bool in_transaction() const noexcept override { return inner_->in_transaction(); }
  bool ping() noexcept override { return inner_->ping(); }
  bool is_broken() const noexcept override { return inner_->is_broken(); }
  void interrupt() noexcept override { inner_->interrupt(); }
  std::int64_t last_insert_id() override { return inner_->last_insert_id(); }

protected:
  orca::drivers::rowset do_execute(std::string_view sql, const orca::params& parameters) override {
    statements_.emplace_back(sql);
    return inner_->execute(sql, parameters);
  }
  std::int64_t do_execute_many(std::string_view sql, const std::vector<orca::params>& sets) override {
    for (std::size_t i = 0; i < sets.size(); ++i) statements_.emplace_back(sql);
    return inner_->execute_many(sql, sets);
  }
  std::vector<orca::drivers::rowset> do_execute_batch(
      const std::vector<std::pair<std::string, orca::params>>& batch) override {
    for (auto& [sql, parameters] : batch) statements_.push_back(sql);
    return inner_->execute_batch(batch);
  }
  std::unique_ptr<orca::drivers::cursor> do_open_cursor(std::string_view sql, const orca::params& parameters) override {
    statements_.emplace_back(sql);
    return inner_->open_cursor(sql, parameters);
  }
  void do_execute_script(std::string_view sql) override {
    statements_.emplace_back(sql);
    inner_->execute_script(sql);
  }
  void do_begin() override {
    statements_.emplace_back("BEGIN");
    inner_->begin();
  }
  void do_commit() override {
    statements_.emplace_back("COMMIT");
    inner_->commit();
  }
  void do_rollback() override {
    statements_.emplace_back("ROLLBACK");
    inner_->rollback();
  }

private:
  std::unique_ptr<orca::drivers::connection> inner_;
  std::vector<std::string> statements_;
};

/// Drops and creates the tables (a Catch2 generator value may serve several SECTION runs,
/// which then share one database).
inline void reset_schema(orca::drivers::connection& connection, const orca::metadata& tables) {
  tables.drop_all(connection);
  tables.create_all(connection);
}

/// The integer in the first cell of a query's result (count(*), a key...).
inline std::int64_t scalar(orca::drivers::connection& connection, const std::string& sql,
                           const orca::params& parameters = {}) {
  return connection.execute(sql, parameters).at(0, 0).as_integer();
}

/// A new seed A holding `data`.
inline std::shared_ptr<seed::A> new_a(std::string data) {
  auto a = std::make_shared<seed::A>();
  a->data = std::move(data);
  return a;
}

/// An object as the synchronous session takes it: its class and the object.
template <class T>
orca::object_ref object_of(const std::shared_ptr<T>& object) {
  return {&orca::table_of<T>(), object};
}

/// Commits the seed's three As (2, 1 and 2 Bs) in a session of its own.
inline void insert_seed(orca::drivers::connection& conn) {
  using seed::A;
  using seed::B;
  orca::sync_session s;
  s.add(object_of(std::make_shared<A>(A{.data = "a1", .bs = {B{.data = "b1"}, B{.data = "b2"}}})));
  s.add(object_of(std::make_shared<A>(A{.data = "a2", .bs = {B{.data = "b3"}}})));
  s.add(object_of(std::make_shared<A>(A{.data = "a3", .bs = {B{.data = "b4"}, B{.data = "b5"}}})));
  s.commit(conn);
}

/// Fresh seed tables holding the seed's three As and their Bs.
inline void reset_with_seed(orca::drivers::connection& conn) {
  reset_schema(conn, orca::metadata::of<seed::A, seed::B>());
  insert_seed(conn);
}

/// The data of a collection's Bs ("NULL" for none).
inline std::set<std::string> data_of(const orca::collection<seed::B>& bs) {
  std::set<std::string> out;
  for (auto& b : bs) out.insert(b->data.value_or("NULL"));
  return out;
}

}  // namespace session_test

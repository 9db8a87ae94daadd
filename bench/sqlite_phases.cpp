// The raw sqlite3 baseline: each phase as the fastest honest hand-written C API code
// (prepared statements, one transaction). Used by the harness next to the orca side.
#include "sqlite_phases.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "raw_rows.hpp"
#include "sqlite_client.hpp"

namespace orca_bench {

namespace {

using clock = std::chrono::steady_clock;
using sqlite::database;
using sqlite::statement;

// The DDL orca's create_all emits on SQLite (model/src/compiler.cpp + sqlite_dialect.cpp).
constexpr const char* drop_sql = "DROP TABLE IF EXISTS b; DROP TABLE IF EXISTS a";
constexpr const char* create_sql =
    "CREATE TABLE a (id INTEGER NOT NULL PRIMARY KEY, data VARCHAR, create_date TIMESTAMP DEFAULT "
    "(strftime('%Y-%m-%d %H:%M:%f', 'now')) NOT NULL);"
    "CREATE TABLE b (id INTEGER NOT NULL PRIMARY KEY, a_id INTEGER NOT NULL, data VARCHAR, "
    "FOREIGN KEY(a_id) REFERENCES a (id));"
    "CREATE INDEX ix_b_a_id ON b (a_id)";

bool is_busy(int rc) noexcept { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

// One P6 thread's connection and statements, kept across runs (opened untimed).
struct p6_connection {
  explicit p6_connection(const std::string& path, int busy_ms)
      : db(path, busy_ms),
        begin(db, "BEGIN IMMEDIATE"),
        read(db, "SELECT id, data, create_date FROM a WHERE id = ?"),
        update(db, "UPDATE a SET data = ? WHERE id = ?"),
        insert(db, "INSERT INTO b (a_id, data) VALUES (?, ?)"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK") {}
  database db;
  statement begin, read, update, insert, commit, rollback;

  // One transaction; false (rolled back) if SQLite reported busy.
  bool transact(const run_context& c, std::int64_t tx, std::int64_t id) {
    auto finish = [](statement& s) {
      int rc = s.try_step();
      s.reset();
      return rc;
    };
    int rc = finish(begin);
    if (is_busy(rc)) return false;
    db.check(rc, "BEGIN IMMEDIATE");
    read.bind(1, id);
    if (!read.step()) throw std::runtime_error("raw sqlite3 P6: parent " + std::to_string(id) + " is missing");
    parent_row parent{read.integer(0), std::string{read.text(1)}, parse_timestamp_micros(read.text(2)), {}};
    read.reset();
    auto data = "p6-" + std::to_string(c.run) + "-" + std::to_string(tx);
    auto child = "p6-child-" + std::to_string(tx);
    update.bind(1, data);
    update.bind(2, parent.id);
    insert.bind(1, parent.id);
    insert.bind(2, child);
    for (auto* s : {&update, &insert, &commit}) {
      rc = finish(*s);
      if (is_busy(rc)) {
        finish(rollback);
        return false;
      }
      db.check(rc, sqlite3_sql(s->get()));
    }
    return true;
  }
};

class raw_sqlite final : public raw_side {
public:
  raw_sqlite(std::string path, int busy_ms) : path_(std::move(path)), busy_ms_(busy_ms), db_(path_, busy_ms) {}

  std::string_view name() const noexcept override { return "raw"; }

  void reset_schema() override {
    db_.exec(drop_sql);
    db_.exec(create_sql);
  }

  std::int64_t count_updated(std::int64_t run) override {
    statement s{db_, "SELECT count(*) FROM a WHERE data = 'updated-' || ? || '-' || id"};
    s.bind(1, run);
    s.step();
    return s.integer(0);
  }
  // The C API rather than PRAGMA wal_checkpoint: the PRAGMA, run right after another
  // connection changed the schema, holds a read lock of its own and so reports busy.
  // A checkpoint fails at once while another one runs (orca's checkpointer may be finishing
  // the last run's): settling is untimed, so it tries again for up to a few seconds.
  void release_memory() override { sqlite3_db_release_memory(db_.get()); }

  void settle() override {
    int rc = SQLITE_BUSY;
    for (int attempt = 0; attempt < 300 && rc == SQLITE_BUSY; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
    db_.check(rc, "wal_checkpoint(TRUNCATE)");
  }

private:
  std::int64_t scalar(const char* sql) override {
    statement s{db_, sql};
    s.step();
    return s.integer(0);
  }

  // P1: one transaction; per parent one INSERT (its rowid from sqlite3_last_insert_rowid)
  // and two child INSERTs, all through two prepared statements.
  run_result insert(const run_context& c) override {
    run_result out;
    auto start = clock::now();
    db_.exec("BEGIN");
    statement parent{db_, "INSERT INTO a (data) VALUES (?)"};
    statement child{db_, "INSERT INTO b (a_id, data) VALUES (?, ?)"};
    for (std::int64_t i = 0; i < c.n; ++i) {
      auto data = parent_data(i);
      parent.bind(1, data);
      parent.step();
      parent.reset();
      auto id = sqlite3_last_insert_rowid(db_.get());
      child.bind(1, id);
      for (std::int64_t j = 0; j < 2; ++j) {
        auto text = child_data(i, j);
        child.bind(2, text);
        child.step();
        child.reset();
      }
    }
    db_.exec("COMMIT");
    out.seconds = seconds_since(start);
    out.rows = 3 * c.n;
    return out;
  }

  // P2: every parent, then every child in one scan, attached through a hash map (what the
  // selectin loader achieves, without the IN batches a full load does not need).
  run_result load(const run_context& c) override {
    run_result out;
    auto start = clock::now();
    {
      db_.exec("BEGIN");
      std::vector<parent_row> parents;
      parents.reserve(static_cast<std::size_t>(c.n));
      std::unordered_map<std::int64_t, parent_row*> by_id;
      by_id.reserve(static_cast<std::size_t>(c.n));
      statement a{db_, "SELECT id, data, create_date FROM a"};
      while (a.step()) parents.push_back({a.integer(0), std::string{a.text(1)}, parse_timestamp_micros(a.text(2)), {}});
      for (auto& p : parents) by_id.emplace(p.id, &p);
      statement b{db_, "SELECT id, a_id, data FROM b"};
      while (b.step()) {
        auto found = by_id.find(b.integer(1));
        if (found != by_id.end()) found->second->bs.push_back({b.integer(0), b.integer(1), std::string{b.text(2)}});
      }
      db_.exec("COMMIT");
      digest_parents(parents, out);
    }
    out.seconds = seconds_since(start);
    return out;
  }

  // P3: one SELECT stepped row by row (SQLite's own cursor): constant memory.
  run_result stream(const run_context&) override {
    run_result out;
    auto start = clock::now();
    db_.exec("BEGIN");
    statement b{db_, "SELECT id, a_id, data FROM b"};
    while (b.step()) {
      child_row row{b.integer(0), b.integer(1), std::string{b.text(2)}};
      ++out.rows;
      out.checksum += static_cast<std::int64_t>(row.data.size()) + row.a_id;
    }
    db_.exec("COMMIT");
    out.seconds = seconds_since(start);
    return out;
  }

  // P4: load every parent, then one prepared UPDATE per parent, one transaction.
  run_result update(const run_context& c) override {
    run_result out;
    auto start = clock::now();
    {
      db_.exec("BEGIN");
      std::vector<parent_row> parents;
      parents.reserve(static_cast<std::size_t>(c.n));
      statement a{db_, "SELECT id, data, create_date FROM a"};
      while (a.step()) parents.push_back({a.integer(0), std::string{a.text(1)}, parse_timestamp_micros(a.text(2)), {}});
      statement set{db_, "UPDATE a SET data = ? WHERE id = ?"};
      for (auto& p : parents) {
        p.data = updated_data(c.run, p.id);
        set.bind(1, p.data);
        set.bind(2, p.id);
        set.step();
        set.reset();
        out.rows += sqlite3_changes(db_.get());
      }
      db_.exec("COMMIT");
    }
    out.seconds = seconds_since(start);
    return out;
  }

  // P7: children per parent, one join + group_by, each row materialised.
  run_result aggregate(const run_context&) override {
    run_result out;
    auto start = clock::now();
    db_.exec("BEGIN");
    statement q{db_, aggregate_sql};
    while (q.step()) {
      std::int64_t id = q.integer(0);
      std::string data{q.text(1)};
      std::int64_t children = q.integer(2);
      ++out.rows;
      out.checksum += aggregate_digest(id, children, data.size());
    }
    db_.exec("COMMIT");
    out.seconds = seconds_since(start);
    return out;
  }

  // P5: one prepared point SELECT per id, each row materialised, in one read transaction.
  run_result get(const run_context& c) override {
    run_result out;
    auto start = clock::now();
    db_.exec("BEGIN");
    statement a{db_, "SELECT id, data, create_date FROM a WHERE id = ?"};
    for (auto id : c.point_ids) {
      a.bind(1, id);
      if (a.step()) {
        parent_row row{a.integer(0), std::string{a.text(1)}, parse_timestamp_micros(a.text(2)), {}};
        ++out.rows;
        out.checksum += row.id + static_cast<std::int64_t>(row.data.size());
      }
      a.reset();
    }
    db_.exec("COMMIT");
    out.seconds = seconds_since(start);
    return out;
  }

  // P6: P threads, each with its own connection, take transaction numbers from a shared
  // counter; BEGIN IMMEDIATE takes the write lock up front, so a busy database makes the
  // thread wait in SQLite's busy handler instead of failing at COMMIT.
  run_result concurrency(const run_context& c) override {
    while (connections_.size() < static_cast<std::size_t>(c.pool))
      connections_.push_back(std::make_unique<p6_connection>(path_, busy_ms_));
    run_result out;
    std::atomic<std::int64_t> next{0};
    std::mutex merge;
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(c.pool));
    auto start = clock::now();
    std::vector<std::thread> threads;
    for (std::int64_t t = 0; t < c.pool; ++t)
      threads.emplace_back([&, t] {
        std::vector<double> latencies;
        std::int64_t retries = 0;
        try {
          auto& conn = *connections_[static_cast<std::size_t>(t)];
          for (std::int64_t tx = 0; (tx = next.fetch_add(1)) < c.transactions;) {
            auto begin = clock::now();
            while (!conn.transact(c, tx, p6_parent(c, tx))) ++retries;
            latencies.push_back(milliseconds_since(begin));
          }
        } catch (...) {
          errors[static_cast<std::size_t>(t)] = std::current_exception();
        }
        std::lock_guard lock{merge};
        out.latencies_ms.insert(out.latencies_ms.end(), latencies.begin(), latencies.end());
        out.retries += retries;
      });
    for (auto& t : threads) t.join();
    out.seconds = seconds_since(start);
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    out.rows = static_cast<std::int64_t>(out.latencies_ms.size());
    return out;
  }

  std::string path_;
  int busy_ms_;
  database db_;
  std::vector<std::unique_ptr<p6_connection>> connections_;
};

}  // namespace

std::unique_ptr<raw_side> make_raw_sqlite(const std::string& path, int busy_timeout_ms) {
  return std::make_unique<raw_sqlite>(path, busy_timeout_ms);
}

}  // namespace orca_bench

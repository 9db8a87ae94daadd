// The PostgreSQL backend of drivers::connection on libpq, and open_postgresql().
// Reached through drivers::connect(); cursors, pipelines and results live in postgresql_*.
#include "orca/drivers/postgresql_connection.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "orca/config.hpp"
#include "orca/drivers/error.hpp"
#include "postgresql_connect.hpp"
#include "postgresql_cursor.hpp"
#include "postgresql_parameters.hpp"
#include "postgresql_pipeline.hpp"
#include "postgresql_result.hpp"
#include "postgresql_statement_cache.hpp"

namespace orca::drivers {

namespace {

namespace pg = postgresql;
using pg::connection_ptr;
using pg::prepared_statement;

// One command of a pipeline the connection builds.
struct command {
  enum class kind : std::uint8_t { prepare, execute, simple, deallocate };
  kind what;
  std::size_t statement;          ///< the caller's statement / parameter set it serves
  prepared_statement* prepared;   ///< prepare, execute
  const params* parameters;       ///< execute
  std::string* text;              ///< simple: the statement; deallocate: "DEALLOCATE orca_N"
};

struct failed_command {
  std::size_t index;  ///< into the command list
  orca::error error;
};

bool discards_statements(std::string_view tag) {
  return tag.starts_with("DISCARD") || tag.starts_with("DEALLOCATE");
}

// Statements are always prepared and cached by SQL text (named "orca_N"), so a statement
// run again costs one round trip and no parse. A statement run for the first time is
// prepared and executed in one pipeline (one round trip too); execute_many and
// execute_batch pipeline everything. DEALLOCATEs of evicted statements ride along, after
// a sync point of their own, in the next pipeline.
//
// Transaction states follow PQtransactionStatus: idle --begin()--> in transaction
// --a statement fails--> failed --rollback()--> idle; commit() from in transaction --> idle,
// from failed throws pending_rollback. A cursor opened while idle begins a transaction the
// cursors own (see postgresql_cursor.hpp); in_transaction() does not report it, so that
// streaming outside a transaction behaves as on SQLite. The connection goes to broken
// (CONNECTION_BAD) when the server closes it; every error after that is connection_lost.
class postgresql_connection final : public connection {
public:
  postgresql_connection(connection_ptr conn, const connection_options& options)
      : connection(options),
        conn_(std::move(conn)),
        cancel_(PQgetCancel(conn_.get())),
        cache_(options.statement_cache_size) {}

  ~postgresql_connection() override {
    pg::detach_cursors(cursors_);
    if (cancel_ != nullptr)
      PQfreeCancel(cancel_);
  }

  const dialect& sql_dialect() const noexcept override { return postgresql_dialect(); }

  bool in_transaction() const noexcept override {
    if (begin_pending_)
      return true;
    auto status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INERROR
           || (status == PQTRANS_INTRANS && !cursors_.cursor_owns_transaction);
  }

  // In a failed transaction SELECT 1 would fail; an empty query still makes a round trip.
  bool ping() noexcept override {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      return false;
    const char* probe = PQtransactionStatus(conn_.get()) == PQTRANS_INERROR ? "" : "SELECT 1";
    pg::result_ptr result{PQexec(conn_.get(), probe)};
    return pg::succeeded(result.get()) && PQstatus(conn_.get()) == CONNECTION_OK;
  }

  bool is_broken() const noexcept override {
    return broken_ || PQstatus(conn_.get()) == CONNECTION_BAD;
  }

  // PQcancel on the PGcancel made at connect time is documented as thread-safe.
  void interrupt() noexcept override {
    char reason[256];
    if (cancel_ != nullptr)
      PQcancel(cancel_, reason, sizeof reason);
  }

  // lastval() is the session's last sequence value; the ORM reads generated keys through
  // INSERT ... RETURNING, which is exact even for multi-row inserts. This is for callers
  // that insert one row without RETURNING.
  std::int64_t last_insert_id() override {
    send_pending_begin();
    auto result = run_simple("SELECT lastval()");
    return pg::to_rowset(result.get()).at(0, 0).as_integer();
  }

protected:
  int socket() const noexcept override { return ORCA_HAVE_PQ_PIPELINE ? PQsocket(conn_.get()) : -1; }

  // The blocking calls are the non-blocking ones with a poll() in between.
  rowset do_execute(std::string_view sql, const params& parameters) override {
    call c;
    c.what = call::kind::execute;
    c.sql = sql;
    c.parameters = &parameters;
    drive(c);
    return std::get<rowset>(std::move(c.result));
  }

  std::int64_t do_execute_many(std::string_view sql, const std::vector<params>& sets) override {
    call c;
    c.what = call::kind::many;
    c.sql = sql;
    c.sets = &sets;
    drive(c);
    return std::get<std::int64_t>(c.result);
  }

  std::vector<rowset> do_execute_batch(
      const std::vector<std::pair<std::string, params>>& statements) override {
    call c;
    c.what = call::kind::batch;
    c.statements = &statements;
    drive(c);
    return std::get<std::vector<rowset>>(std::move(c.result));
  }

  void do_begin() override { drive_simple(call::kind::begin); }
  void do_commit() override { drive_simple(call::kind::commit); }
  void do_rollback() override { drive_simple(call::kind::rollback); }

  // Every call is a pipeline of commands (prepare, execute, simple statement), so each
  // costs one round trip however many statements it carries.
  io_wait do_start(call& c) override {
    commands_.clear();
    collected_ = {};
    retry_prepared_ = false;
    switch (c.what) {
      case call::kind::execute: plan_execute(c.sql, *c.parameters); break;
      case call::kind::many:
        if (c.sets->empty()) {
          c.result = std::int64_t{0};
          return io_wait::done;
        }
        plan_many(c.sql, *c.sets);
        break;
      case call::kind::batch:
        if (c.statements->empty()) {
          c.result = std::vector<rowset>{};
          return io_wait::done;
        }
        plan_batch(*c.statements);
        break;
      case call::kind::begin:
        // A transaction begun by a cursor becomes the caller's: nothing to send.
        if (cursors_.cursor_owns_transaction && PQtransactionStatus(conn_.get()) == PQTRANS_INTRANS) {
          cursors_.cursor_owns_transaction = false;
          return io_wait::done;
        }
        // BEGIN goes out with the transaction's first statement: no round trip of its own.
        begin_pending_ = true;
        return io_wait::done;
      case call::kind::commit:
        check_commit();
        if (std::exchange(begin_pending_, false))
          return io_wait::done;  // nothing was sent: nothing to commit
        plan_simple("COMMIT");
        break;
      case call::kind::rollback:
        if (std::exchange(begin_pending_, false))
          return io_wait::done;
        plan_simple("ROLLBACK");
        break;
      case call::kind::none: return io_wait::done;
    }
    return start_commands(c);
  }

  io_wait do_advance(call& c) override {
    auto wait = pipeline_.advance();
    return wait == io_wait::done ? complete(c) : wait;
  }

  std::unique_ptr<cursor> do_open_cursor(std::string_view sql, const params& parameters) override {
    send_pending_begin();
    return pg::open_cursor(conn_.get(), cursors_, buffer_, sql, parameters);
  }

  // The simple query protocol: several statements allowed, no parameters.
  void do_execute_script(std::string_view sql) override {
    send_pending_begin();
    std::string text{sql};
    pg::result_ptr result{PQexec(conn_.get(), text.c_str())};
    if (contains_ignoring_case(sql, "discard") || contains_ignoring_case(sql, "deallocate"))
      cache_.clear();
    if (!pg::succeeded(result.get()))
      throw failure(result.get(), sql);
    cursors_.observe(conn_.get());
  }

private:
  static std::string_view error_field(const PGresult* result, int code) {
    const char* text = PQresultErrorField(result, code);
    return text != nullptr ? text : "";
  }

  static bool contains_ignoring_case(std::string_view text, std::string_view word) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return std::search(text.begin(), text.end(), word.begin(), word.end(),
                       [&](char a, char b) { return lower(a) == lower(b); })
           != text.end();
  }

  static prepared_statement unnamed_statement(std::string_view sql, std::span<const Oid> signature) {
    std::vector<Oid> types(signature.begin(), signature.end());
    for (auto& type : types)
      if (type == pg::oid::any)
        type = pg::oid::unspecified;
    return {std::string{sql}, std::string{}, std::move(types), prepared_statement::state::unprepared};
  }

  // The error for a failed result (or failed send, when null); notes a lost connection
  // and the transaction state the failure left.
  orca::error failure(const PGresult* result, std::string_view sql) {
    auto failed = pg::make_error(conn_.get(), result, sql);
    broken_ = broken_ || failed.details().connection_poisoned;
    cursors_.observe(conn_.get());
    return failed;
  }

  pg::result_ptr run_simple(const char* sql) {
    pg::result_ptr result{PQexec(conn_.get(), sql)};
    if (!pg::succeeded(result.get()))
      throw failure(result.get(), sql);
    cursors_.observe(conn_.get());
    return result;
  }

  // COMMIT in a failed transaction "succeeds" as a ROLLBACK; refuse it, so that work
  // is never dropped without an error.
  void check_commit() const {
    if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR)
      throw orca::error{errc::pending_rollback,
                        "cannot COMMIT: a statement failed earlier in this transaction, so "
                        "PostgreSQL has aborted it; call rollback() and retry the transaction",
                        error_details{"COMMIT", "25P02", {}, false}};
    if (!in_transaction())
      throw orca::error{errc::invalid_state, "cannot COMMIT: no transaction is open (call begin() first)"};
  }

  // The blocking calls that bypass the pipeline send a deferred BEGIN first.
  void send_pending_begin() {
    if (std::exchange(begin_pending_, false))
      run_simple("BEGIN");
  }

  void drive(call& c) {
    for (auto wait = do_start(c); wait != io_wait::done; wait = do_advance(c))
      if (!pg::wait_for_socket(conn_.get(), wait)) {
        broken_ = true;
        throw orca::error{errc::connection_lost, "waiting for the PostgreSQL server failed (poll)"};
      }
  }

  void drive_simple(call::kind what) {
    call c;
    c.what = what;
    drive(c);
  }

  // -- planning: each call becomes commands_ ------------------------------------------

  void plan_execute(std::string_view sql, const params& parameters) {
    buffer_.bind(parameters);
    prepared_statement* entry;
    if (cache_.capacity() == 0) {
      entry = &unnamed_.emplace_back(unnamed_statement(sql, buffer_.signature()));
    } else if (entry = cache_.find(sql, buffer_.signature());
               entry == nullptr || entry->where != prepared_statement::state::prepared) {
      entry = &cache_.add(sql, buffer_.signature());
    } else {
      retry_prepared_ = true;  // the server may have dropped it: see complete()
    }
    schedule_prepare(*entry, 0);
    commands_.push_back({command::kind::execute, 0, entry, &parameters, nullptr});
  }

  void plan_many(std::string_view sql, const std::vector<params>& sets) {
    auto signature = pg::common_signature(sets);
    prepared_statement* entry;
    if (cache_.capacity() == 0)
      entry = &unnamed_.emplace_back(unnamed_statement(sql, signature));
    else if (entry = cache_.find(sql, signature);
             entry == nullptr || entry->where != prepared_statement::state::prepared)
      entry = &cache_.add(sql, signature);
    schedule_prepare(*entry, 0);
    for (std::size_t i = 0; i < sets.size(); ++i)
      commands_.push_back({command::kind::execute, i, entry, &sets[i], nullptr});
  }

  void plan_batch(const std::vector<std::pair<std::string, params>>& statements) {
    collected_.rowsets.resize(statements.size());
    unnamed_.reserve(statements.size());  // with no cache: each Parse replaces the last
    for (std::size_t i = 0; i < statements.size(); ++i) {
      const auto& [sql, parameters] = statements[i];
      buffer_.bind(parameters);
      prepared_statement* entry;
      if (cache_.capacity() == 0)
        entry = &unnamed_.emplace_back(unnamed_statement(sql, buffer_.signature()));
      else if (entry = cache_.find(sql, buffer_.signature()); entry == nullptr)
        entry = &cache_.add(sql, buffer_.signature());
      schedule_prepare(*entry, i);
      commands_.push_back({command::kind::execute, i, entry, &parameters, nullptr});
    }
  }

  void plan_simple(const char* sql) {
    simple_ = sql;
    commands_.push_back({command::kind::simple, 0, nullptr, nullptr, &simple_});
  }

  void schedule_prepare(prepared_statement& entry, std::size_t statement) {
    if (entry.where != prepared_statement::state::unprepared)
      return;
    entry.where = prepared_statement::state::preparing;
    preparing_.push_back(&entry);
    commands_.push_back({command::kind::prepare, statement, &entry, nullptr, nullptr});
  }

  // After a pipeline: a PREPARE that failed or was aborted left nothing on the server.
  void settle_preparations() {
    for (auto* entry : preparing_)
      if (entry->where == prepared_statement::state::preparing)
        cache_.forget(*entry);
    preparing_.clear();
    cache_.trim();
  }

  // -- running: commands_ in one pipeline -----------------------------------------------

  // Starts commands_ in one pipeline, plus the pending DEALLOCATEs after a sync point of
  // their own (their failure must not abort the caller's statements, nor theirs ours).
  io_wait start_commands(call& c) {
    if (std::exchange(begin_pending_, false))
      commands_.insert(commands_.begin(), {command::kind::simple, 0, nullptr, nullptr, &begin_sql_});
    collecting_ = c.what;
    own_ = commands_.size();
    segments_.assign(1, own_);
    auto& pending = cache_.pending_deallocations();
    if (!pending.empty() && PQtransactionStatus(conn_.get()) != PQTRANS_INERROR) {
      for (auto& text : pending)
        commands_.push_back({command::kind::deallocate, 0, nullptr, nullptr, &text});
      segments_.push_back(commands_.size());
    }
    auto wait = pipeline_.start(conn_.get(), segments_, send_, receive_);
    return wait == io_wait::done ? complete(c) : wait;
  }

  int send(std::size_t i) {
    const command& c = commands_[i];
    PGconn* conn = conn_.get();
    switch (c.what) {
      case command::kind::prepare:
        return PQsendPrepare(conn, c.prepared->name.c_str(), c.prepared->sql.c_str(),
                             static_cast<int>(c.prepared->types.size()), c.prepared->types.data());
      case command::kind::execute:
        buffer_.bind(*c.parameters);
        return PQsendQueryPrepared(conn, c.prepared->name.c_str(), buffer_.count(), buffer_.values(),
                                   buffer_.lengths(), buffer_.formats(), 0);
      case command::kind::simple:
      case command::kind::deallocate:
        return PQsendQueryParams(conn, c.text->c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
    }
    return 0;
  }

  void receive(std::size_t i, pg::result_ptr result) {
    const command& c = commands_[i];
    bool ok = pg::succeeded(result.get());
    if (c.what == command::kind::deallocate) {
      if (ok)
        c.text->clear();  // sent: dropped from the pending list by complete()
    } else if (!ok) {
      if (!failed_)
        failed_ = failed_command{i, failure(result.get(), sql_of(c))};
    } else if (c.what == command::kind::prepare) {
      c.prepared->where = prepared_statement::state::prepared;
    } else if (c.what == command::kind::execute) {
      switch (collecting_) {
        case call::kind::execute: collected_.rows = std::move(result); break;
        case call::kind::many: collected_.total += pg::affected_rows(result.get()); break;
        case call::kind::batch: collected_.rowsets[c.statement] = pg::to_rowset(result.get()); break;
        default: break;
      }
    }
  }

  static const std::string& sql_of(const command& c) { return c.prepared ? c.prepared->sql : *c.text; }

  // The pipeline ended: the call's result, or its error. A prepared statement the server
  // forgot (26000: someone ran DISCARD ALL) or will not reuse because a table it reads
  // changed shape (0A000 "cached plan must not change result type") is prepared afresh and
  // run again, but only when no transaction was open: inside one the failure aborted it.
  io_wait complete(call& c) {
    PGconn* conn = conn_.get();
    std::erase_if(cache_.pending_deallocations(), [](const std::string& text) { return text.empty(); });
    commands_.resize(own_);
    // The pipeline stopped on an I/O failure: whatever libpq says, the connection is gone.
    if (auto lost_at = pipeline_.lost_at(); lost_at && !failed_) {
      std::size_t index = std::min(*lost_at, own_ - 1);
      auto lost = pg::make_error(conn, nullptr, sql_of(commands_[index]));
      auto details = lost.details();
      details.connection_poisoned = broken_ = true;
      failed_ = failed_command{index, orca::error{errc::connection_lost, lost.message(), details}};
    }
    cursors_.observe(conn);
    settle_preparations();
    unnamed_.clear();
    auto failed = std::exchange(failed_, std::nullopt);
    if (failed && c.what == call::kind::execute && retry_prepared_) {
      auto& entry = *commands_[0].prepared;
      std::string_view state = failed->error.details().sqlstate;
      if (state == "26000" || state == "0A000") {
        if (state == "26000")
          cache_.forget(entry);
        else
          cache_.erase(entry);
        if (PQtransactionStatus(conn) == PQTRANS_IDLE) {
          commands_.clear();
          retry_prepared_ = false;
          plan_execute(c.sql, *c.parameters);
          return start_commands(c);
        }
      }
    }
    if (failed && c.what == call::kind::many && commands_[failed->index].what == command::kind::execute) {
      auto set = commands_[failed->index].statement;
      throw orca::error{failed->error.code(),
                        fmt::format("{} (parameter set {} of {})", failed->error.message(), set + 1,
                                    c.sets->size()),
                        failed->error.details()};
    }
    if (failed)
      throw std::move(failed->error);
    switch (c.what) {
      case call::kind::execute: {
        auto rows = std::move(collected_.rows);
        if (discards_statements(PQcmdStatus(rows.get())))
          cache_.clear();
        c.result = pg::to_rowset(rows.get());
        break;
      }
      case call::kind::many: c.result = collected_.total; break;
      case call::kind::batch: c.result = std::move(collected_.rowsets); break;
      default: break;
    }
    return io_wait::done;
  }

  /// What receive() keeps of a call's successful executes.
  struct collected {
    pg::result_ptr rows;          ///< execute: the statement's result
    std::int64_t total = 0;       ///< many: affected rows
    std::vector<rowset> rowsets;  ///< batch: each statement's rows
  };

  connection_ptr conn_;
  PGcancel* cancel_;
  pg::parameter_buffer buffer_;
  pg::statement_cache cache_;
  pg::cursor_registry cursors_;
  std::vector<command> commands_;              ///< the pipeline being built (reused)
  std::size_t own_ = 0;                         ///< commands_ of the call, before DEALLOCATEs
  std::vector<std::size_t> segments_;          ///< its sync points
  std::vector<prepared_statement*> preparing_;  ///< entries it prepares
  std::vector<prepared_statement> unnamed_;     ///< statements of a call without a cache
  std::string simple_;                          ///< COMMIT or ROLLBACK
  std::string begin_sql_{"BEGIN"};
  /// begin() was called and BEGIN not sent yet: it rides with the next statement (PostgreSQL
  /// takes a transaction's snapshot at its first statement, not at BEGIN, so this changes
  /// nothing but the round trip).
  bool begin_pending_ = false;
  pg::pipeline pipeline_;
  pg::send_command send_{[this](std::size_t i) { return send(i); }};
  pg::receive_result receive_{[this](std::size_t i, pg::result_ptr r) { receive(i, std::move(r)); }};
  call::kind collecting_ = call::kind::none;  ///< the call receive() collects for
  collected collected_;
  std::optional<failed_command> failed_;      ///< the call's first failure
  bool retry_prepared_ = false;               ///< the call ran a cached statement as is
  bool broken_ = false;                       ///< a failure showed the connection is gone
};

}  // namespace

std::unique_ptr<connection> open_postgresql(const url& target, const connection_options& options) {
  return std::make_unique<postgresql_connection>(postgresql::connect_server(target, options), options);
}

}  // namespace orca::drivers

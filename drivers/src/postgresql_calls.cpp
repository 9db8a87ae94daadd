// postgresql_connection's calls as pipelines of commands: planning a call (prepare,
// execute, simple statements), running it without blocking, and reading its results.
#include <algorithm>

#include <fmt/format.h>

#include "postgresql_connection_impl.hpp"

namespace orca::drivers::postgresql {

bool may_write(std::string_view sql) noexcept {
  auto start = sql.find_first_not_of(" \t\r\n(");
  if (start == std::string_view::npos) return false;
  auto word = sql.substr(start, 6);
  auto is = [&](std::string_view reader) {
    return word.size() >= reader.size() && std::equal(reader.begin(), reader.end(), word.begin(), [](char r, char w) {
             return r == (w >= 'a' && w <= 'z' ? static_cast<char>(w - 'a' + 'A') : w);
           });
  };
  return !(is("SELECT") || is("SHOW") || is("FETCH") || is("VALUES") || is("TABLE"));
}

// A call inside a transaction whose id is not known yet, with a statement that may write,
// carries txid_current() at the end of its pipeline: the id comes at no extra round trip.
bool postgresql_connection::wants_transaction_id(const call& c) const {
  if (xid_ || !in_transaction() || PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) return false;
  switch (c.what) {
    case call::kind::execute:
    case call::kind::many: return may_write(c.sql);
    case call::kind::batch:
      return std::any_of(c.statements->begin(), c.statements->end(), [](const auto& s) { return may_write(s.first); });
    // Its answer would come back with COMMIT's, in the same round trip: a connection lost
    // before that answer loses both, so the id would almost never serve a look-up.
    case call::kind::batch_commit: return false;
    default: return false;
  }
}

void postgresql_connection::plan_execute(std::string_view sql, const params& parameters) {
  buffer_.bind(parameters);
  prepared_statement* entry;
  if (cache_.capacity() == 0) {
    entry = &unnamed_.emplace_back(unnamed_statement(sql, buffer_.signature()));
  } else {
    entry = &cached(sql, buffer_.signature());
    // Prepared by an earlier call: the server may have dropped it since (see complete()).
    if (entry->where == prepared_statement::state::prepared) retry_prepared_ = true;
  }
  schedule_prepare(*entry, 0);
  commands_.push_back({command::kind::execute, 0, entry, &parameters, nullptr});
}

void postgresql_connection::plan_many(std::string_view sql, const std::vector<params>& sets) {
  auto signature = common_signature(sets);
  auto* entry = cache_.capacity() == 0 ? &unnamed_.emplace_back(unnamed_statement(sql, signature))
                                       : &cached(sql, signature);
  schedule_prepare(*entry, 0);
  for (std::size_t i = 0; i < sets.size(); ++i)
    commands_.push_back({command::kind::execute, i, entry, &sets[i], nullptr});
}

// A statement of a batch that carries COMMIT, checked on the server: it fails (division by
// zero, SQLSTATE 22012) unless it affected `expected` rows, which aborts the pipeline before
// COMMIT. The count is read at run time, so that the planner cannot fold the check away.
static std::string checked_statement(std::string_view sql, std::int64_t expected) {
  return fmt::format("WITH orca_checked AS ({} RETURNING 1) SELECT 1 / (count(*) = {})::integer FROM orca_checked", sql,
                     expected);
}

void postgresql_connection::plan_batch(const std::vector<std::pair<std::string, params>>& statements,
                                       const std::vector<std::int64_t>* expected_rows) {
  collected_.rowsets.resize(statements.size());
  unnamed_.reserve(statements.size());  // with no cache: each Parse replaces the last
  std::string checked;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto& parameters = statements[i].second;
    std::string_view sql = statements[i].first;
    if (expected_rows != nullptr && !expected_rows->empty() && (*expected_rows)[i] >= 0) {
      checked = checked_statement(sql, (*expected_rows)[i]);
      sql = checked;
    }
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

void postgresql_connection::plan_simple(const char* sql) {
  simple_ = sql;
  commands_.push_back({command::kind::simple, 0, nullptr, nullptr, &simple_});
}

// txid_current() rides at the end of the pipeline as a cached prepared statement like any
// other, so the server parses and plans it once per connection, not once per transaction.
void postgresql_connection::plan_transaction_id() {
  static const params none;
  prepared_statement* entry = nullptr;
  if (cache_.capacity() > 0) {
    entry = &cached(xid_sql_, {});
    schedule_prepare(*entry, 0);
  }
  commands_.push_back({command::kind::transaction_id, 0, entry, &none, &xid_sql_});
}

// The cache's entry for `sql`: the prepared one, or a new one to prepare (an entry whose
// PREPARE never went through is replaced).
prepared_statement& postgresql_connection::cached(std::string_view sql, std::span<const Oid> signature) {
  auto* entry = cache_.find(sql, signature);
  if (entry != nullptr && entry->where == prepared_statement::state::prepared) return *entry;
  return cache_.add(sql, signature);
}

void postgresql_connection::schedule_prepare(prepared_statement& entry, std::size_t statement) {
  if (entry.where != prepared_statement::state::unprepared) return;
  entry.where = prepared_statement::state::preparing;
  preparing_.push_back(&entry);
  commands_.push_back({command::kind::prepare, statement, &entry, nullptr, nullptr});
}

// After a pipeline: a PREPARE that failed or was aborted left nothing on the server.
void postgresql_connection::settle_preparations() {
  for (auto* entry : preparing_)
    if (entry->where == prepared_statement::state::preparing) cache_.forget(*entry);
  preparing_.clear();
  cache_.trim();
}

// Starts commands_ in one pipeline, plus the pending DEALLOCATEs after a sync point of
// their own (their failure must not abort the caller's statements, nor theirs ours).
io_wait postgresql_connection::start_commands(call& c) {
  if (wants_transaction_id(c)) plan_transaction_id();
  if (c.what == call::kind::batch_commit) plan_simple("COMMIT");  // last: a failed statement aborts it
  if (std::exchange(begin_pending_, false))
    commands_.insert(commands_.begin(), {command::kind::simple, 0, nullptr, nullptr, &begin_sql_});
  collecting_ = c.what;
  own_ = commands_.size();
  segments_.assign(1, own_);
  auto& pending = cache_.pending_deallocations();
  if (!pending.empty() && PQtransactionStatus(conn_.get()) != PQTRANS_INERROR) {
    for (auto& text : pending) commands_.push_back({command::kind::deallocate, 0, nullptr, nullptr, &text});
    segments_.push_back(commands_.size());
  }
  auto wait = pipeline_.start(conn_.get(), segments_, send_, receive_);
  return wait == io_wait::done ? complete(c) : wait;
}

int postgresql_connection::send(std::size_t i) {
  const command& c = commands_[i];
  PGconn* conn = conn_.get();
  switch (c.what) {
    case command::kind::prepare:
      return PQsendPrepare(conn, c.prepared->name.c_str(), c.prepared->sql.c_str(),
                           static_cast<int>(c.prepared->types.size()), c.prepared->types.data());
    case command::kind::execute:
      buffer_.bind(*c.parameters);
      return PQsendQueryPrepared(conn, c.prepared->name.c_str(), buffer_.count(), buffer_.values(), buffer_.lengths(),
                                 buffer_.formats(), c.prepared->binary_results ? 1 : 0);
    case command::kind::transaction_id:
      if (c.prepared != nullptr)
        return PQsendQueryPrepared(conn, c.prepared->name.c_str(), 0, nullptr, nullptr, nullptr, 0);
      [[fallthrough]];
    case command::kind::simple:
    case command::kind::deallocate:
      return PQsendQueryParams(conn, c.text->c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
    case command::kind::fetch:
      // A FETCH's own result format overrides the cursor's: binary once the first batch's
      // column types said they read the same in binary.
      return PQsendQueryParams(conn, c.text->c_str(), 0, nullptr, nullptr, nullptr, nullptr, fetch_binary_ ? 1 : 0);
  }
  return 0;
}

void postgresql_connection::receive(std::size_t i, result_ptr result) {
  const command& c = commands_[i];
  bool ok = succeeded(result.get());
  if (c.what == command::kind::deallocate) {
    if (ok) c.text->clear();  // sent: dropped from the pending list by complete()
  } else if (c.what == command::kind::transaction_id) {
    // Aborted with the transaction when a statement before it failed: nothing to learn.
    if (ok && PQntuples(result.get()) == 1) xid_ = std::stoll(PQgetvalue(result.get(), 0, 0));
  } else if (!ok) {
    if (!failed_) failed_ = failed_command{i, failure(result.get(), sql_of(c))};
  } else if (c.what == command::kind::fetch) {
    collected_.rows = std::move(result);
  } else if (c.what == command::kind::prepare) {
    c.prepared->where = prepared_statement::state::prepared;
  } else if (c.what == command::kind::execute) {
    if (!c.prepared->binary_results) c.prepared->binary_results = binary_decodable(result.get());
    switch (collecting_) {
      case call::kind::execute: collected_.rows = std::move(result); break;
      case call::kind::many: collected_.total += affected_rows(result.get()); break;
      case call::kind::batch: collected_.rowsets[c.statement] = to_rowset(result.get()); break;
      case call::kind::batch_commit: {
        // A checked statement answers its check's row: it affected the rows it had to.
        auto expected = checked_rows(c.statement);
        if (expected < 0) {
          collected_.rowsets[c.statement] = to_rowset(result.get());
        } else {
          collected_.rowsets[c.statement] = rowset{};
          collected_.rowsets[c.statement].affected_rows = expected;
        }
        break;
      }
      default: break;
    }
  }
}

// The pipeline ended: the call's result, or its error. A prepared statement the server
// forgot (26000: someone ran DISCARD ALL) or will not reuse because a table it reads
// changed shape (0A000 "cached plan must not change result type") is prepared afresh and
// run again, but only when no transaction was open: inside one the failure aborted it.
io_wait postgresql_connection::complete(call& c) {
  PGconn* conn = conn_.get();
  std::erase_if(cache_.pending_deallocations(), [](const std::string& text) { return text.empty(); });
  commands_.resize(own_);
  // The pipeline stopped on an I/O failure: whatever libpq says, the connection is gone.
  if (auto lost_at = pipeline_.lost_at(); lost_at && !failed_) {
    std::size_t index = std::min(*lost_at, own_ - 1);
    // Name the caller's statement, not the transaction id's (or its PREPARE) after it.
    auto serves_transaction_id = [&](const command& x) {
      return x.what == command::kind::transaction_id ||
             (x.what == command::kind::prepare && x.prepared != nullptr && x.prepared->sql == xid_sql_);
    };
    while (index > 0 && serves_transaction_id(commands_[index])) --index;
    auto lost = make_error(conn, nullptr, sql_of(commands_[index]));
    auto details = lost.details();
    details.connection_poisoned = broken_ = true;
    failed_ = failed_command{index, orca::error{errc::connection_lost, lost.message(), details}};
  }
  cursors_.observe(conn);
  if (PQtransactionStatus(conn) == PQTRANS_IDLE) xid_.reset();  // the transaction ended
  settle_preparations();
  unnamed_.clear();
  auto failed = std::exchange(failed_, std::nullopt);
  if (failed && c.what == call::kind::execute && retry_prepared_) {
    std::string_view state = failed->error.details().sqlstate;
    if (state == "26000" || state == "0A000") {
      // The call's one execute; a BEGIN that rode along comes first.
      auto& entry = *std::find_if(commands_.begin(), commands_.end(), [](const command& x) {
                       return x.what == command::kind::execute;
                     })->prepared;
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
                      fmt::format("{} (parameter set {} of {})", failed->error.message(), set + 1, c.sets->size()),
                      failed->error.details()};
  }
  if (failed && c.what == call::kind::fetch) postgresql::fetch_failed(*c.fetched);
  if (failed && c.what == call::kind::batch_commit && commands_[failed->index].what == command::kind::execute) {
    auto statement = commands_[failed->index].statement;
    if (auto expected = checked_rows(statement); expected >= 0 && failed->error.details().sqlstate == "22012")
      throw unexpected_row_count(c.statements->at(statement).first, expected, -1);
  }
  if (failed) throw std::move(failed->error);
  switch (c.what) {
    case call::kind::execute: {
      auto rows = std::move(collected_.rows);
      if (discards_statements(PQcmdStatus(rows.get()))) cache_.clear();
      c.result = to_rowset(rows.get());
      break;
    }
    case call::kind::many: c.result = collected_.total; break;
    case call::kind::batch:
    case call::kind::batch_commit: c.result = std::move(collected_.rowsets); break;
    case call::kind::fetch: {
      rowset rows;
      bool more = postgresql::take_fetched(*c.fetched, collected_.rows.get(), c.max_rows, rows);
      c.result = std::pair<rowset, bool>{std::move(rows), more};
      break;
    }
    default: break;
  }
  return io_wait::done;
}

}  // namespace orca::drivers::postgresql

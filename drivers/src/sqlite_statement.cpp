// SQLite prepared statements: binding, reading, caching and error mapping.
// Used by sqlite_connection.cpp for every statement and cursor it runs.
#include "sqlite_statement.hpp"

#include <utility>

#include <fmt/format.h>

namespace orca::drivers::sqlite {

namespace {

errc code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return errc::constraint_violation;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return errc::database_busy;
    case SQLITE_INTERRUPT: return errc::interrupted;
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: return errc::type_mismatch;
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN: return errc::connection_lost;
    default: return errc::statement_error;
  }
}

// SQLite names the constraint in its message: "UNIQUE constraint failed: a.data",
// "CHECK constraint failed: positive", but "FOREIGN KEY constraint failed".
std::string constraint_of(std::string_view message) {
  constexpr std::string_view failed = "failed: ";
  if (auto at = message.find(failed); at != std::string_view::npos)
    return std::string{message.substr(at + failed.size())};
  constexpr std::string_view suffix = " constraint failed";
  if (auto at = message.find(suffix); at != std::string_view::npos) return std::string{message.substr(0, at)};
  return {};
}

// True if `rest` (what follows a prepared statement) holds another statement; trailing
// blanks, semicolons and comments do not count. Only the rare non-blank tail is prepared.
bool has_statement(sqlite3* db, std::string_view rest) {
  auto first = rest.find_first_not_of(" \t\r\n;");
  if (first == std::string_view::npos) return false;
  rest.remove_prefix(first);
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db, rest.data(), static_cast<int>(rest.size()), &raw, nullptr);
  statement_ptr next{raw};
  // A tail that fails to prepare is still a second statement: refuse it as well.
  return next != nullptr || sqlite3_errcode(db) != SQLITE_OK;
}

}  // namespace

error make_error(sqlite3* db, int rc, std::string_view sql) {
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  error_details details;
  details.sql = std::string{sql};
  details.sqlstate = fmt::format("sqlite:{}", rc);
  auto code = code_for(rc);
  if (code == errc::constraint_violation) details.constraint = constraint_of(message);
  details.connection_poisoned = code == errc::connection_lost;
  if (rc == SQLITE_BUSY_SNAPSHOT)
    message +=
        " (another connection committed after this transaction read; retry the transaction, "
        "or begin transactions with BEGIN IMMEDIATE: engine option sqlite_begin_immediate)";
  return error{code, std::move(message), std::move(details)};
}

statement_ptr prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  // SQLITE_PREPARE_PERSISTENT: cached statements live long; it tells SQLite not to use its
  // small lookaside memory for them.
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, &tail);
  statement_ptr statement{raw};
  if (rc != SQLITE_OK) throw make_error(db, rc, sql);
  if (statement == nullptr)
    throw error{errc::invalid_argument, "the SQL text holds no statement",
                error_details{std::string{sql}, {}, {}, false}};
  if (has_statement(db, std::string_view{tail, static_cast<std::size_t>(sql.data() + sql.size() - tail)}))
    throw error{errc::invalid_argument,
                "the SQL text holds several statements; execute() runs one, use execute_script()",
                error_details{std::string{sql}, {}, {}, false}};
  return statement;
}

void bind_parameters(sqlite3* db, sqlite3_stmt* statement, const params& parameters, binding_lifetime lifetime) {
  int expected = sqlite3_bind_parameter_count(statement);
  if (static_cast<std::size_t>(expected) != parameters.size())
    throw error{errc::invalid_argument,
                fmt::format("the statement has {} parameter placeholders but {} values were given", expected,
                            parameters.size()),
                error_details{sqlite3_sql(statement), {}, {}, false}};
  auto destructor = lifetime == binding_lifetime::borrowed ? SQLITE_STATIC : SQLITE_TRANSIENT;
  for (int i = 0; i < expected; ++i) {
    const auto& data = parameters[static_cast<std::size_t>(i)].data();
    int index = i + 1;
    int rc = SQLITE_OK;
    switch (data.index()) {
      case 0: rc = sqlite3_bind_null(statement, index); break;
      case 1: rc = sqlite3_bind_int64(statement, index, std::get<1>(data)); break;
      case 2: rc = sqlite3_bind_double(statement, index, std::get<2>(data)); break;
      case 3: {
        const auto& text = std::get<3>(data);
        rc = sqlite3_bind_text64(statement, index, text.data(), text.size(), destructor, SQLITE_UTF8);
        break;
      }
      case 4: {
        const auto& bytes = std::get<4>(data).bytes;
        // A null pointer would bind NULL: an empty blob must stay an empty blob.
        rc = bytes.empty() ? sqlite3_bind_zeroblob(statement, index, 0)
                           : sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(), destructor);
        break;
      }
      case 5: rc = sqlite3_bind_int64(statement, index, std::get<5>(data) ? 1 : 0); break;
      case 6: {
        // Text in the same format SQLite's own datetime functions use, so that it sorts.
        auto text = format_timestamp(std::get<6>(data));
        rc = sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      }
      case 7: {
        // A UUID is stored as its 16 bytes (see docs/values.md).
        const auto& bytes = std::get<7>(data).bytes;
        rc = sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(), destructor);
        break;
      }
    }
    if (rc != SQLITE_OK) throw make_error(db, rc, sqlite3_sql(statement));
  }
}

std::vector<std::string> column_names(sqlite3_stmt* statement) {
  int count = sqlite3_column_count(statement);
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) names.emplace_back(sqlite3_column_name(statement, i));
  return names;
}

// Each column is looked up once (sqlite3_column_value) and read through its value: every
// sqlite3_column_* call looks the column up again and checks for a failed allocation, which
// was about a third of this function. The value is unprotected (no mutex held); connections
// are opened NOMUTEX and used by one thread at a time, where SQLite makes no difference
// between protected and unprotected values.
void read_row(sqlite3_stmt* statement, int columns, rowset& out) {
  for (int i = 0; i < columns; ++i) {
    auto* cell = sqlite3_column_value(statement, i);
    switch (sqlite3_value_type(cell)) {
      case SQLITE_INTEGER: out.push_integer(static_cast<std::int64_t>(sqlite3_value_int64(cell))); break;
      case SQLITE_FLOAT: out.push_real(sqlite3_value_double(cell)); break;
      case SQLITE_TEXT: {
        // text before bytes: that order is what SQLite documents as conversion-free.
        auto text = reinterpret_cast<const char*>(sqlite3_value_text(cell));
        auto size = static_cast<std::size_t>(sqlite3_value_bytes(cell));
        out.push_text(std::string_view{text, size});
        break;
      }
      case SQLITE_BLOB: {
        auto size = static_cast<std::size_t>(sqlite3_value_bytes(cell));
        out.push_blob(size == 0 ? "" : sqlite3_value_blob(cell), size);  // an empty blob's pointer is null
        break;
      }
      default: out.push_null(); break;
    }
  }
}

statement_cache::entry* statement_cache::find(std::string_view sql) {
  auto found = index_.find(sql);
  if (found == index_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, found->second);
  return &*found->second;
}

statement_cache::entry* statement_cache::insert(std::string_view sql, statement_ptr statement) {
  if (capacity_ == 0) return nullptr;
  entries_.push_front(entry{std::string{sql}, std::move(statement), true});
  index_.emplace(entries_.front().sql, entries_.begin());
  evict();
  return &entries_.front();
}

void statement_cache::evict() {
  // Walk from the least recently used end; entries in use stay, so the cache may briefly
  // hold more than its capacity while many cursors are open.
  auto it = entries_.end();
  while (entries_.size() > capacity_ && it != entries_.begin()) {
    --it;
    if (it->in_use) continue;
    index_.erase(it->sql);
    it = entries_.erase(it);
  }
}

void statement_cache::clear() noexcept {
  index_.clear();
  entries_.clear();
}

statement_lease::statement_lease(statement_cache::entry& borrowed) noexcept
    : statement_(borrowed.statement.get()), borrowed_(&borrowed) {
  borrowed.in_use = true;
}

statement_lease::statement_lease(statement_ptr owned) noexcept : statement_(owned.get()), owned_(std::move(owned)) {}

statement_lease::statement_lease(statement_lease&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      borrowed_(std::exchange(other.borrowed_, nullptr)),
      owned_(std::move(other.owned_)) {}

statement_lease& statement_lease::operator=(statement_lease&& other) noexcept {
  if (this != &other) {
    release();
    statement_ = std::exchange(other.statement_, nullptr);
    borrowed_ = std::exchange(other.borrowed_, nullptr);
    owned_ = std::move(other.owned_);
  }
  return *this;
}

void statement_lease::release() noexcept {
  if (borrowed_ != nullptr) {
    // Reset ends the statement's read transaction; clearing drops borrowed pointers.
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    borrowed_->in_use = false;
    borrowed_ = nullptr;
  }
  owned_.reset();
  statement_ = nullptr;
}

statement_lease checkout(sqlite3* db, statement_cache& cache, std::string_view sql) {
  auto* cached = cache.find(sql);
  if (cached != nullptr && !cached->in_use) return statement_lease{*cached};
  auto statement = prepare(db, sql);
  if (cached == nullptr && cache.capacity() > 0) return statement_lease{*cache.insert(sql, std::move(statement))};
  return statement_lease{std::move(statement)};
}

}  // namespace orca::drivers::sqlite

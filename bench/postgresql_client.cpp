// libpq wrappers of the raw PostgreSQL baseline, including a pipeline runner that keeps the
// socket non-blocking and reads results while it sends, so that a long pipeline cannot
// deadlock on full socket buffers.
#include "postgresql_client.hpp"

#include <poll.h>

#include <stdexcept>

namespace orca_bench::pg {

void parameters::reserve(std::size_t count) {
  offsets_.reserve(count);
  lengths_.reserve(count);
  formats_.reserve(count);
  bytes_.reserve(count * 16);
}

void parameters::text(std::string_view x) {
  offsets_.push_back(bytes_.size());
  lengths_.push_back(static_cast<int>(x.size()));
  formats_.push_back(0);
  bytes_.append(x);
  bytes_.push_back('\0');  // text parameters are read as C strings
}

void parameters::int8(std::int64_t x) {
  auto be = htobe64(static_cast<std::uint64_t>(x));
  offsets_.push_back(bytes_.size());
  lengths_.push_back(8);
  formats_.push_back(1);
  bytes_.append(reinterpret_cast<const char*>(&be), 8);
}

const char* const* parameters::values() {
  pointers_.resize(offsets_.size());
  for (std::size_t i = 0; i < offsets_.size(); ++i) pointers_[i] = bytes_.data() + offsets_[i];
  return pointers_.data();
}

void parameters::clear() noexcept {
  bytes_.clear();
  offsets_.clear();
  lengths_.clear();
  formats_.clear();
}

connection::connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("raw libpq: cannot connect: " + reason);
  }
}

connection::~connection() { PQfinish(conn_); }

void connection::check(const PGresult* r, std::string_view what) const {
  auto status = PQresultStatus(r);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  std::string message = r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
  throw std::runtime_error("raw libpq: " + std::string{what.substr(0, 120)} + ": " + message);
}

result connection::exec(const char* sql) {
  result r{PQexec(conn_, sql), &PQclear};
  check(r.get(), sql);
  return r;
}

result connection::query(const char* sql, parameters& params) {
  result r{PQexecParams(conn_, sql, params.count(), nullptr, params.values(), params.lengths(), params.formats(), 1),
           &PQclear};
  check(r.get(), sql);
  return r;
}

void connection::prepare(const std::string& name, const std::string& sql) {
  if (prepared_.count(name) > 0) return;
  result r{PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), &PQclear};
  check(r.get(), sql);
  prepared_.insert(name);
}

result connection::exec_prepared(const std::string& name, parameters& params) {
  result r{PQexecPrepared(conn_, name.c_str(), params.count(), params.values(), params.lengths(), params.formats(), 1),
           &PQclear};
  check(r.get(), name);
  return r;
}

void pipeline(connection& c, std::size_t count, const std::function<void(std::size_t)>& send,
              const std::function<void(std::size_t, const PGresult*)>& receive, std::size_t window) {
  PGconn* conn = c.get();
  if (PQenterPipelineMode(conn) != 1) throw std::runtime_error("raw libpq: cannot enter pipeline mode");
  PQsetnonblocking(conn, 1);
  std::size_t sent = 0, done = 0;
  bool synced = false, finished = false, in_result = false;
  std::string failure;
  while (!finished) {
    while (sent < count && sent - done < window) {
      send(sent++);
      // The server holds results back until a Sync or a Flush: without this a full
      // window would wait for results the server never sends.
      if (sent < count && PQsendFlushRequest(conn) != 1)
        throw std::runtime_error("raw libpq: PQsendFlushRequest failed");
    }
    if (sent == count && !synced) {
      if (PQpipelineSync(conn) != 1) throw std::runtime_error("raw libpq: PQpipelineSync failed");
      synced = true;
    }
    int pending = PQflush(conn);
    if (pending < 0) throw std::runtime_error(std::string{"raw libpq: "} + PQerrorMessage(conn));
    // Take every result libpq has parsed already; a NULL closes the current statement.
    while (!finished && PQisBusy(conn) == 0) {
      PGresult* r = PQgetResult(conn);
      if (r == nullptr) {
        if (!in_result) break;
        in_result = false;
        ++done;
        continue;
      }
      auto status = PQresultStatus(r);
      if (status == PGRES_PIPELINE_SYNC) {
        finished = true;
      } else if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        receive(done, r);
        in_result = true;
      } else {
        if (failure.empty()) failure = PQresultErrorMessage(r);
        in_result = true;
      }
      PQclear(r);
    }
    if (finished) break;
    if (sent < count && sent - done < window) continue;
    pollfd fd{PQsocket(conn), static_cast<short>(POLLIN | (pending == 1 ? POLLOUT : 0)), 0};
    ::poll(&fd, 1, -1);
    if ((fd.revents & (POLLIN | POLLERR | POLLHUP)) != 0 && PQconsumeInput(conn) != 1)
      throw std::runtime_error(std::string{"raw libpq: "} + PQerrorMessage(conn));
  }
  PQsetnonblocking(conn, 0);
  if (PQexitPipelineMode(conn) != 1)
    throw std::runtime_error(std::string{"raw libpq: cannot leave pipeline mode: "} + PQerrorMessage(conn));
  if (!failure.empty()) throw std::runtime_error("raw libpq: pipelined statement failed: " + failure);
}

}  // namespace orca_bench::pg

// pipeline: libpq pipeline mode driven without blocking; run_pipeline, the blocking loop around
// it, with a sequential fallback.
// The one place that branches on ORCA_HAVE_PQ_PIPELINE (orca/config.hpp).
#include "postgresql_pipeline.hpp"

#include <cerrno>
#include <cstdint>
#include <vector>

#include <poll.h>

#include "orca/config.hpp"
#include "postgresql_result.hpp"

namespace orca::drivers::postgresql {

namespace {

// Without pipeline mode: one command, one round trip. Compiled either way so that it keeps
// building where pipeline mode exists.
[[maybe_unused]] std::optional<std::size_t> run_sequentially(PGconn* conn, std::span<const std::size_t> segment_ends,
                                                             const send_command& send, const receive_result& receive) {
  std::size_t begin = 0;
  for (std::size_t end : segment_ends) {
    for (std::size_t i = begin; i < end; ++i) {
      if (send(i) != 1) {
        if (PQstatus(conn) == CONNECTION_BAD) return i;
        receive(i, nullptr);
        break;
      }
      result_ptr last;
      while (PGresult* next = PQgetResult(conn)) last.reset(next);
      if (last == nullptr) return i;
      bool failed = !succeeded(last.get());
      receive(i, std::move(last));
      if (failed) break;
    }
    begin = end;
  }
  return std::nullopt;
}

}  // namespace

#if ORCA_HAVE_PQ_PIPELINE

io_wait pipeline::start(PGconn* conn, std::span<const std::size_t> segment_ends, const send_command& send,
                        const receive_result& receive) {
  conn_ = conn;
  segment_ends_ = segment_ends;
  send_ = &send;
  receive_ = &receive;
  sent_.clear();
  read_ = next_ = segment_ = 0;
  segment_failed_ = between_ = false;
  lost_at_.reset();
  if (PQenterPipelineMode(conn_) != 1) {
    lost_at_ = 0;
    return io_wait::done;
  }
  was_nonblocking_ = PQisnonblocking(conn_);
  PQsetnonblocking(conn_, 1);
  // Nothing can have arrived before the first command is sent: no read (it would be a
  // recv() that finds nothing) until the socket says so, unless a long pipeline must read
  // between its slices.
  return advance(false);
}

// A slice of commands is queued and flushed, whatever results have arrived are read, and
// the socket is waited on only when nothing else can be done.
io_wait pipeline::advance(bool readable) {
  for (;; readable = true) {
    bool ok = send_slice();
    int flushed = ok ? PQflush(conn_) : -1;
    ok = flushed >= 0 && (!readable || PQconsumeInput(conn_) == 1) && read_available();
    bool done = read_ == sent_.size() && segment_ == segment_ends_.size();
    if (!ok || done) return finish(ok);
    // With room in the socket and commands left, keep sending instead of waiting.
    if (flushed == 1) return io_wait::read_write;
    if (segment_ == segment_ends_.size()) return io_wait::read;
  }
}

io_wait pipeline::finish(bool ok) {
  if (!ok) {
    lost_at_ = awaited();
    return io_wait::done;
  }
  PQexitPipelineMode(conn_);
  PQsetnonblocking(conn_, was_nonblocking_);
  return io_wait::done;
}

// Queues up to `slice` commands and sync points. After a failure in the segment being
// sent, its remaining commands are skipped: the server would only abort them.
bool pipeline::send_slice() {
  for (std::size_t queued = 0; queued < slice && segment_ < segment_ends_.size(); ++queued) {
    if (next_ < segment_ends_[segment_] && !segment_failed_) {
      if ((*send_)(next_) == 1) {
        sent_.push_back(next_++);
        continue;
      }
      if (PQstatus(conn_) == CONNECTION_BAD) return false;
      // libpq refused the command (e.g. too many parameters) without sending anything.
      (*receive_)(next_, nullptr);
      segment_failed_ = true;
      continue;
    }
    if (PQpipelineSync(conn_) != 1) return false;
    sent_.push_back(sync_marker);
    next_ = segment_ends_[segment_++];
    segment_failed_ = false;
  }
  return true;
}

// Reads every result libpq can hand out without waiting. In pipeline mode each command
// yields its result then a NULL; a sync point yields PGRES_PIPELINE_SYNC alone.
bool pipeline::read_available() {
  while (read_ < sent_.size() && !PQisBusy(conn_)) {
    result_ptr result{PQgetResult(conn_)};
    if (sent_[read_] == sync_marker) {
      if (result == nullptr) return PQstatus(conn_) != CONNECTION_BAD;
      if (PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) ++read_;
      continue;
    }
    if (result == nullptr) {
      if (!between_) return PQstatus(conn_) != CONNECTION_BAD;
      between_ = false;
      ++read_;
      continue;
    }
    between_ = true;
    if (PQresultStatus(result.get()) == PGRES_PIPELINE_ABORTED) continue;
    std::size_t index = sent_[read_];
    if (!succeeded(result.get()) && segment_ < segment_ends_.size() &&
        index >= (segment_ == 0 ? 0 : segment_ends_[segment_ - 1]))
      segment_failed_ = true;
    (*receive_)(index, std::move(result));
  }
  return PQstatus(conn_) != CONNECTION_BAD;
}

// The command whose result was awaited when the connection failed.
std::size_t pipeline::awaited() const noexcept {
  for (std::size_t i = read_; i < sent_.size(); ++i)
    if (sent_[i] != sync_marker) return sent_[i];
  return next_ < segment_ends_.back() ? next_ : segment_ends_.back() - 1;
}

#else

io_wait pipeline::start(PGconn*, std::span<const std::size_t>, const send_command&, const receive_result&) {
  lost_at_ = 0;
  return io_wait::done;
}
io_wait pipeline::advance() { return io_wait::done; }

#endif

bool wait_for_socket(PGconn* conn, io_wait what) {
  pollfd target{PQsocket(conn), static_cast<short>(POLLIN | (what == io_wait::read_write ? POLLOUT : 0)), 0};
  int rc;
  do rc = ::poll(&target, 1, -1);
  while (rc < 0 && errno == EINTR);
  return rc > 0;
}

std::optional<std::size_t> run_pipeline(PGconn* conn, std::span<const std::size_t> segment_ends,
                                        const send_command& send, const receive_result& receive) {
  if (segment_ends.empty() || segment_ends.back() == 0) return std::nullopt;
#if ORCA_HAVE_PQ_PIPELINE
  pipeline run;
  for (auto wait = run.start(conn, segment_ends, send, receive); wait != io_wait::done; wait = run.advance())
    if (!wait_for_socket(conn, wait)) return run.lost_at().value_or(0);
  return run.lost_at();
#else
  return run_sequentially(conn, segment_ends, send, receive);
#endif
}

}  // namespace orca::drivers::postgresql

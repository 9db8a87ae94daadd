// A TCP proxy for fault tests: it forwards connections to a PostgreSQL server and, when
// armed, drops one at a chosen protocol message (the client's COMMIT, before or after the
// server answers it; or its BEGIN, once the server ran it). Used by
// tests/actors/in_doubt_commit_test.cpp and tests/actors/restart_recovery_test.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace orca::test {

/// Forwards every connection made to 127.0.0.1:port() to `upstream_host:upstream_port`, on
/// a thread of its own, and can drop a connection at its next COMMIT or BEGIN.
class tcp_proxy {
public:
  /// Where the next COMMIT (or BEGIN) a client sends, as a Parse or Query message, cuts its
  /// connection.
  enum class cut : std::uint8_t {
    none,
    before_commit,  ///< the COMMIT is not forwarded: the server never sees it
    after_commit,   ///< the COMMIT is forwarded; the server's answer (up to ReadyForQuery) is not
    after_begin,    ///< BEGIN and what follows it are forwarded; the server's answer (up to
                    ///< ReadyForQuery) is not: the transaction's first statements ran, uncommitted
  };

  tcp_proxy(std::string upstream_host, std::uint16_t upstream_port);
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  /// The port the proxy listens on (127.0.0.1).
  std::uint16_t port() const noexcept { return port_; }
  /// `url` (a postgresql:// URL naming the upstream host and port) through the proxy.
  std::string route(const std::string& url) const;
  /// Arms the cut for the next COMMIT (BEGIN for after_begin); with `then_refuse`, connections made after the cut
  /// are closed at once (the server looks unreachable).
  void arm(cut where, bool then_refuse = false);
  /// Waits until an armed cut happened; false if it did not within `limit`.
  bool wait_for_cut(std::chrono::milliseconds limit) const;
  /// Connections accepted so far.
  int accepted() const noexcept { return accepted_; }

private:
  void serve();

  std::string upstream_host_;
  std::uint16_t upstream_port_;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<cut> armed_{cut::none};
  std::atomic<bool> refuse_after_cut_{false};
  std::atomic<bool> cut_done_{false};
  std::atomic<bool> refusing_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace orca::test

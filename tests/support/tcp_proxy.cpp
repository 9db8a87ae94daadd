// The fault tests' TCP proxy (see tcp_proxy.hpp): one poll() loop over the listening
// socket and every forwarded pair. The client's stream is parsed into PostgreSQL protocol
// messages (untyped startup messages first, then type byte + length) to find its COMMIT
// or BEGIN.
#include "support/tcp_proxy.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <list>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace orca::test {

namespace {

std::uint32_t read_u32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

// A Parse ('P': name, query) or Query ('Q': query) message whose statement is `word`.
bool is_statement(char type, const std::string& body, std::string_view word) {
  std::string query;
  if (type == 'Q') {
    query = body.substr(0, body.find('\0'));
  } else if (type == 'P') {
    auto name_end = body.find('\0');
    if (name_end == std::string::npos) return false;
    query = body.substr(name_end + 1, body.find('\0', name_end + 1) - name_end - 1);
  } else {
    return false;
  }
  std::transform(query.begin(), query.end(), query.begin(), [](unsigned char c) { return std::toupper(c); });
  return query == word;
}

struct pair_state {
  int client = -1;
  int server = -1;
  std::string from_client;       ///< bytes not yet forwarded: an incomplete message
  bool started = false;          ///< the startup message went through: typed messages follow
  bool awaiting_answer = false;  ///< after_commit / after_begin: it went out; the answer is held back
  std::string from_server;       ///< held back while awaiting_answer
  bool closed = false;

  void close() {
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
    client = server = -1;
    closed = true;
  }
};

int connect_upstream(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (auto* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

tcp_proxy::tcp_proxy(std::string upstream_host, std::uint16_t upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 || ::pipe(wake_) != 0)
    throw std::runtime_error(std::string{"tcp_proxy: cannot listen: "} + std::strerror(errno));
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

tcp_proxy::~tcp_proxy() {
  char stop = 's';
  (void)!::write(wake_[1], &stop, 1);
  thread_.join();
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::string tcp_proxy::route(const std::string& url) const {
  auto upstream = upstream_host_ + ":" + std::to_string(upstream_port_);
  auto at = url.find(upstream);
  if (at == std::string::npos) throw std::invalid_argument("tcp_proxy: " + url + " does not name " + upstream);
  return url.substr(0, at) + "127.0.0.1:" + std::to_string(port_) + url.substr(at + upstream.size());
}

void tcp_proxy::arm(cut where, bool then_refuse) {
  cut_done_ = false;
  refuse_after_cut_ = then_refuse;
  armed_ = where;
}

bool tcp_proxy::wait_for_cut(std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cut_done_) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void tcp_proxy::serve() {
  std::list<pair_state> pairs;
  auto cut_now = [this](pair_state& p) {
    p.close();
    if (refuse_after_cut_) refusing_ = true;
    cut_done_ = true;
  };
  // Forwards the client's complete messages; the armed COMMIT cuts or marks the pair.
  auto forward_client = [&](pair_state& p) {
    std::size_t at = 0;
    auto& in = p.from_client;
    while (!p.closed) {
      std::size_t header = p.started ? 5 : 4;
      if (in.size() - at < header) break;
      std::size_t length = read_u32(in, p.started ? at + 1 : at);
      std::size_t total = (p.started ? 1 : 0) + length;
      if (in.size() - at < total) break;
      if (!p.started) {
        auto code = read_u32(in, at + 4);
        p.started = code != 80877103 && code != 80877104;  // SSLRequest, GSSENCRequest: more untyped follow
      } else if (armed_ != cut::none &&
                 is_statement(in[at], in.substr(at + 5, length - 4), armed_ == cut::after_begin ? "BEGIN" : "COMMIT")) {
        auto where = armed_.exchange(cut::none);
        if (where == cut::before_commit) {
          cut_now(p);
          return;
        }
        p.awaiting_answer = true;
      }
      if (!send_all(p.server, in.data() + at, total)) {
        p.close();
        return;
      }
      at += total;
    }
    in.erase(0, at);
  };
  // Holds the server's answer back once the COMMIT (BEGIN) went out; cuts at its ReadyForQuery.
  auto forward_server = [&](pair_state& p, const char* data, std::size_t size) {
    if (!p.awaiting_answer) {
      if (!send_all(p.client, data, size)) p.close();
      return;
    }
    p.from_server.append(data, size);
    for (std::size_t at = 0; p.from_server.size() - at >= 5;) {
      std::size_t total = 1 + read_u32(p.from_server, at + 1);
      if (p.from_server.size() - at < total) break;
      if (p.from_server[at] == 'Z') {
        cut_now(p);
        return;
      }
      at += total;
    }
  };

  char buffer[65536];
  for (;;) {
    std::vector<pollfd> watched{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    for (auto& p : pairs) {
      watched.push_back({p.client, POLLIN, 0});
      watched.push_back({p.server, POLLIN, 0});
    }
    if (::poll(watched.data(), watched.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (watched[0].revents != 0) break;
    std::size_t i = 2;
    for (auto& p : pairs) {
      auto client_events = watched[i++].revents;
      auto server_events = watched[i++].revents;
      if (!p.closed && client_events != 0) {
        auto got = ::recv(p.client, buffer, sizeof buffer, 0);
        if (got <= 0) {
          p.close();
        } else {
          p.from_client.append(buffer, static_cast<std::size_t>(got));
          forward_client(p);
        }
      }
      if (!p.closed && server_events != 0) {
        auto got = ::recv(p.server, buffer, sizeof buffer, 0);
        if (got <= 0)
          p.close();
        else
          forward_server(p, buffer, static_cast<std::size_t>(got));
      }
    }
    pairs.remove_if([](const pair_state& p) { return p.closed; });
    // After the pairs: `watched` has no entries for a new one.
    if (watched[1].revents & POLLIN) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client >= 0) {
        ++accepted_;
        int server = refusing_ ? -1 : connect_upstream(upstream_host_, upstream_port_);
        if (server < 0) {
          ::close(client);
        } else {
          auto& p = pairs.emplace_back();
          p.client = client;
          p.server = server;
        }
      }
    }
  }
  for (auto& p : pairs) p.close();
}

}  // namespace orca::test

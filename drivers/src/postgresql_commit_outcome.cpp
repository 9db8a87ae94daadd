// look_up_commit: what became of a PostgreSQL transaction whose COMMIT got no answer,
// asked over a new connection. Used by the PostgreSQL connection actor after a lost COMMIT.
#include <algorithm>
#include <thread>

#include "orca/drivers/error.hpp"
#include "orca/drivers/postgresql_connection.hpp"

namespace orca::drivers {

namespace {

using clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds first_pause{20};
constexpr std::chrono::milliseconds longest_pause{500};

}  // namespace

// txid_status answers "in progress" while the transaction's server process has not ended:
// it may still be committing, or not have noticed yet that its client is gone (it then
// rolls back). A server that is restarting refuses connections for a while. Both are
// waited out, up to `patience`; then the outcome is unknown.
commit_outcome look_up_commit(const url& target, const connection_options& options, std::int64_t xid,
                              std::chrono::milliseconds patience) {
  auto deadline = clock::now() + patience;
  auto pause = first_pause;
  std::string last = "no answer";
  auto name = "transaction " + std::to_string(xid);
  std::unique_ptr<connection> asking;
  for (;;) {
    try {
      if (!asking) {
        auto opening = options;
        auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - clock::now());
        opening.connect_timeout = std::clamp(left, std::chrono::seconds{1}, options.connect_timeout);
        asking = open_postgresql(target, opening);
      }
      auto status = asking->execute("SELECT txid_status($1)", {value{xid}}).at(0, 0);
      if (status.is_null())
        return {commit_outcome::kind::unknown, "the server no longer knows " + name + " (txid_status is NULL)"};
      if (status.as_text() == "committed")
        return {commit_outcome::kind::committed, "the server reports " + name + " committed (txid_status)"};
      if (status.as_text() == "aborted")
        return {commit_outcome::kind::rolled_back, "the server reports " + name + " rolled back (txid_status)"};
      last = name + " is still in progress";
    } catch (const std::exception& e) {
      asking.reset();
      last = std::string{"asking the server failed: "} + e.what();
    }
    auto now = clock::now();
    if (now >= deadline)
      return {commit_outcome::kind::unknown,
              last + " after " + std::to_string(patience.count()) + " ms of asking (txid_status)"};
    std::this_thread::sleep_for(std::min<clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, longest_pause);
  }
}

}  // namespace orca::drivers

// orca::row_stream: a streamed query of columns (session.stream(orca::select(...))), pulled
// batch by batch from its stream actor. Made by async_session; read with next().
#pragma once

#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "orca/detail/session_core.hpp"
#include "orca/model/row_decoding.hpp"
#include "orca/task.hpp"

namespace orca {

/// Rows of a query of columns as std::tuple<Vs...>, a batch at a time from a server-side
/// cursor: memory holds one batch whatever the result size. Dropping it closes the cursor.
/// Valid while its session is open and its transaction lasts.
template <class... Vs>
class row_stream {
public:
  /// One row.
  using row_type = std::tuple<Vs...>;
  explicit row_stream(std::shared_ptr<detail::stream_core> stream) : stream_(std::move(stream)) {}

  /// The next row, or std::nullopt at the end (`while (auto row = co_await rows.next())`).
  task<std::optional<row_type>> next() {
    if (index_ >= batch_.size() && more_) {
      auto [rows, more] = co_await stream_->fetch_rows();
      query_reply reply{std::move(rows), {}, 0};
      batch_ = detail::decode_rows<Vs...>(reply, 0);
      index_ = 0;
      // A batch is never empty while rows remain; an empty one ends the stream.
      more_ = more && !batch_.empty();
    }
    if (index_ < batch_.size()) co_return std::move(batch_[index_++]);
    co_return std::nullopt;
  }

private:
  std::shared_ptr<detail::stream_core> stream_;
  std::vector<row_type> batch_;
  std::size_t index_ = 0;
  bool more_ = true;
};

}  // namespace orca

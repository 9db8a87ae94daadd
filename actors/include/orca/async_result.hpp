// orca::async_result: a streamed query result that pulls batches from its stream actor.
// Made by async_session::stream; read by application code with next() / next_batch().
#pragma once

#include <coroutine>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "orca/detail/session_core.hpp"
#include "orca/task.hpp"

namespace orca {

/// A streamed result: objects arrive in batches from a server-side cursor as next() asks
/// for them, so memory holds one batch whatever the result size. Dropping it closes the
/// cursor. Valid while its session is open and its transaction lasts.
template <class T>
class async_result {
public:
  explicit async_result(std::shared_ptr<detail::stream_core> stream) : stream_(std::move(stream)) {}
  async_result(async_result&& other) noexcept
      : stream_(std::move(other.stream_)),
        batch_(std::move(other.batch_)),
        index_(other.index_),
        more_(std::exchange(other.more_, false)) {}
  async_result& operator=(async_result&&) = delete;
  async_result(const async_result&) = delete;
  async_result& operator=(const async_result&) = delete;
  ~async_result() = default;

  /// Awaiting next(): ready at once while the current batch has objects; otherwise it asks
  /// the session for the next batch. No coroutine frame per object.
  class next_awaiter {
  public:
    explicit next_awaiter(async_result& result) : result_(result) {}
    bool await_ready() const noexcept { return result_.index_ < result_.batch_.size() || !result_.more_; }
    void await_suspend(std::coroutine_handle<> h) {
      fetch_.emplace(result_.stream_->fetch());
      fetch_->await_suspend(h);
    }
    std::shared_ptr<T> await_resume() {
      if (fetch_) {
        auto [objects, more] = fetch_->await_resume();
        result_.batch_ = std::move(objects);
        result_.index_ = 0;
        // A batch is never empty while rows remain; an empty one ends the stream.
        result_.more_ = more && !result_.batch_.empty();
      }
      // Moved out: the batch does not keep an object alive that the caller has dropped.
      if (result_.index_ < result_.batch_.size()) return detail::typed<T>(std::move(result_.batch_[result_.index_++]));
      return nullptr;
    }

  private:
    async_result& result_;
    std::optional<detail::operation<std::pair<std::vector<object_ref>, bool>>> fetch_;
  };

  /// The next object, or null at the end (`while (auto a = co_await result.next())`).
  next_awaiter next() { return next_awaiter{*this}; }
  /// The next batch (at most the stream's batch size); empty at the end.
  task<std::vector<std::shared_ptr<T>>> next_batch() {
    std::vector<std::shared_ptr<T>> out;
    if (index_ >= batch_.size() && more_) {
      auto [objects, more] = co_await stream_->fetch();
      batch_ = std::move(objects);
      index_ = 0;
      more_ = more;
    }
    for (; index_ < batch_.size(); ++index_) out.push_back(detail::typed<T>(std::move(batch_[index_])));
    co_return out;
  }
  /// The result itself (SQLAlchemy's result.scalars()).
  async_result& scalars() noexcept { return *this; }

private:
  std::shared_ptr<detail::stream_core> stream_;
  std::vector<object_ref> batch_;
  std::size_t index_ = 0;
  bool more_ = true;
};

}  // namespace orca

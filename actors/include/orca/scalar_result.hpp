// orca::scalar_result: the buffered objects of a query (session.scalars / execute).
// Made by async_session; read by application code.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/model/table_of.hpp"

namespace orca {

/// The buffered result of a query: objects in row order.
template <class T>
class scalar_result {
public:
  explicit scalar_result(std::vector<std::shared_ptr<T>> objects) : objects_(std::move(objects)) {}
  auto begin() const { return objects_.begin(); }
  auto end() const { return objects_.end(); }
  /// Number of objects.
  std::size_t size() const noexcept { return objects_.size(); }
  /// True if the query found nothing.
  bool empty() const noexcept { return objects_.empty(); }
  /// The first object, or null.
  std::shared_ptr<T> first() const { return objects_.empty() ? nullptr : objects_.front(); }
  /// The only object; errc::no_result or errc::multiple_results otherwise.
  std::shared_ptr<T> one() const {
    if (objects_.empty()) throw error(errc::no_result, "one(): the query returned no " + table_of<T>().class_name());
    if (objects_.size() > 1)
      throw error(errc::multiple_results, "one(): the query returned " + std::to_string(objects_.size()) + " " +
                                              table_of<T>().class_name() + " objects");
    return objects_.front();
  }
  /// Every object.
  const std::vector<std::shared_ptr<T>>& all() const noexcept { return objects_; }
  /// The result itself (SQLAlchemy's result.scalars()).
  const scalar_result& scalars() const noexcept { return *this; }

private:
  std::vector<std::shared_ptr<T>> objects_;
};

}  // namespace orca

// orca::result_sink and orca::object_span: the objects a query found, kept in the caller's
// own list. A buffered query of one class (session.scalars<T>()) hands the load a sink that
// appends to the std::vector<std::shared_ptr<T>> it returns, as soon as the statement's rows
// are merged: no list of object_refs (24 bytes an object) lives beside it until the eager
// loads are done, to be copied into it then (SQLite P2: 2.4 MB at the load's peak).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "orca/model/table.hpp"

namespace orca {

/// Where a load puts the objects its statement found, in row order; they are all of table().
/// The load reads them back through object_span while it runs the eager loads.
class result_sink {
public:
  virtual ~result_sink() = default;
  /// The class of the objects.
  virtual const table_info& table() const noexcept = 0;
  /// Makes room for `n` more objects.
  virtual void reserve(std::size_t n) = 0;
  /// Appends an object of table().
  virtual void push(std::shared_ptr<void> object) = 0;
  /// The number of objects.
  virtual std::size_t size() const noexcept = 0;
  /// Object i.
  virtual void* get(std::size_t i) const noexcept = 0;
  /// Object i, shared.
  virtual std::shared_ptr<void> share(std::size_t i) const = 0;
};

/// A sink that keeps the objects as object_refs: the list loader::load() returns.
class object_list_sink final : public result_sink {
public:
  /// `table` may be null until the query is checked (it is read once objects come).
  explicit object_list_sink(const table_info* table) noexcept : table_(table) {}
  const table_info& table() const noexcept override { return *table_; }
  void reserve(std::size_t n) override { objects.reserve(objects.size() + n); }
  void push(std::shared_ptr<void> object) override { objects.push_back({table_, std::move(object)}); }
  std::size_t size() const noexcept override { return objects.size(); }
  void* get(std::size_t i) const noexcept override { return objects[i].object.get(); }
  std::shared_ptr<void> share(std::size_t i) const override { return objects[i].object; }

  std::vector<object_ref> objects;

private:
  const table_info* table_;
};

/// The objects of an eager load's parents, read-only: a list of object_refs, or a sink's
/// objects. Refers to them: they must outlive the span.
class object_span {
public:
  object_span(const std::vector<object_ref>& refs) noexcept : refs_(&refs) {}  // NOLINT: a list is a span
  explicit object_span(const result_sink& sink) noexcept : sink_(&sink) {}

  std::size_t size() const noexcept { return refs_ != nullptr ? refs_->size() : sink_->size(); }
  bool empty() const noexcept { return size() == 0; }
  /// Object i's class.
  const table_info* table(std::size_t i) const noexcept {
    return refs_ != nullptr ? (*refs_)[i].table : &sink_->table();
  }
  /// Object i.
  void* get(std::size_t i) const noexcept { return refs_ != nullptr ? (*refs_)[i].object.get() : sink_->get(i); }
  /// Object i as an object_ref (a shared copy).
  object_ref ref(std::size_t i) const {
    return refs_ != nullptr ? (*refs_)[i] : object_ref{&sink_->table(), sink_->share(i)};
  }

private:
  const std::vector<object_ref>* refs_ = nullptr;
  const result_sink* sink_ = nullptr;
};

}  // namespace orca

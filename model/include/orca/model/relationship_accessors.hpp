// How a mapped relationship reads and writes its member: collections, references,
// write-only collections and many-to-many collections behind the type-erased accessors
// relationship_info holds. Internal to the mapping (orca/model/mapping.hpp).
#pragma once

#include <memory>
#include <vector>

#include "orca/model/collection.hpp"
#include "orca/model/reference.hpp"
#include "orca/model/table.hpp"
#include "orca/model/write_only.hpp"

namespace orca {

namespace detail {

template <class Items>
std::vector<std::shared_ptr<void>> erase_types(const Items& xs) {
  return {xs.begin(), xs.end()};
}

// A collection keeps its state in the three low bits of its relationship's address.
static_assert(alignof(relationship_info) >= 8);

template <class C>
class collection_access {
public:
  using items_type = decltype(collection<C>::items_);
  static items_type& items(collection<C>& c) { return c.items_; }
  static const items_type& items(const collection<C>& c) { return c.items_; }
  static const std::vector<std::shared_ptr<C>>& removed(const collection<C>& c) {
    return c.lists() ? c.lists()->removed : none();
  }
  static const std::vector<std::shared_ptr<C>>& persisted(const collection<C>& c) {
    return c.lists() ? c.lists()->persisted : none();
  }
  static void forget_removed(collection<C>& c, const std::shared_ptr<void>& item) {
    if (auto* lists = c.lists()) std::erase(lists->removed, item);
  }
  static void clear_removed(collection<C>& c) {
    if (auto* lists = c.lists()) lists->removed.clear();
  }
  static void clear_persisted(collection<C>& c) {
    if (auto* lists = c.lists()) lists->persisted.clear();
  }
  static void mark_persisted(collection<C>& c) { c.changes().persisted.assign(c.items_.begin(), c.items_.end()); }
  static void set_unloaded(collection<C>& c, const relationship_info* info) { c.set_unloaded(info); }
  static bool loaded(const collection<C>& c) { return c.is_loaded(); }
  static void bind(collection<C>& c, const std::shared_ptr<void>& owner, const relationship_info& info) {
    c.bind(owner, info);
  }

private:
  static const std::vector<std::shared_ptr<C>>& none() {
    static const std::vector<std::shared_ptr<C>> empty;
    return empty;
  }
};

template <class P>
class reference_access {
public:
  static std::shared_ptr<P> target(const reference<P>& r) {
    return r.is_loaded() ? (r.strong_ ? r.strong_ : r.weak_.lock()) : nullptr;
  }
  static void assign(reference<P>& r, std::shared_ptr<P> target, const relationship_info* weak_for) {
    r.unloaded_ = nullptr;
    r.weak_info_ = weak_for;
    if (weak_for != nullptr) {
      r.weak_ = target;
      r.strong_.reset();
    } else {
      r.strong_ = std::move(target);
      r.weak_.reset();
    }
  }
  static void set_unloaded(reference<P>& r, const relationship_info& info) {
    r.strong_.reset();
    r.weak_.reset();
    r.weak_info_ = nullptr;
    r.unloaded_ = &info;
  }
  static void bind(reference<P>& r, const std::shared_ptr<void>& owner, const relationship_info& info) {
    r.owner_ = owner;
    r.info_ = &info;
  }
};

template <class C>
class write_only_access {
public:
  static std::vector<std::shared_ptr<C>>& added(write_only<C>& c) { return c.added_; }
  static std::vector<std::shared_ptr<C>>& removed(write_only<C>& c) { return c.removed_; }
  static const std::vector<std::shared_ptr<C>>& added(const write_only<C>& c) { return c.added_; }
  static const std::vector<std::shared_ptr<C>>& removed(const write_only<C>& c) { return c.removed_; }
  static void bind(write_only<C>& c, const relationship_info* info, const value& key,
                   const std::shared_ptr<std::atomic<bool>>& changed) {
    c.info_ = info;
    c.owner_key_ = key;
    c.changed_ = changed;
  }
};

template <class T, class C, class Base = collection_accessor>
class collection_relationship : public Base {
  using access = collection_access<C>;
public:
  explicit collection_relationship(collection<C> T::*member) : member_(member) {}
  std::vector<std::shared_ptr<void>> items(const void* owner) const override {
    auto& c = static_cast<const T*>(owner)->*member_;
    return access::loaded(c) ? erase_types(access::items(c)) : std::vector<std::shared_ptr<void>>{};
  }
  void assign(void* owner, std::vector<std::shared_ptr<void>> related) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    auto& items = access::items(c);
    items.clear();
    items.reserve(related.size());
    for (auto& x : related) items.push_back(std::static_pointer_cast<C>(std::move(x)));
    access::set_unloaded(c, nullptr);
  }
  void set_unloaded(void* owner, const relationship_info& info) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    access::items(c).clear();
    access::set_unloaded(c, &info);
  }
  bool is_loaded(const void* owner) const override { return access::loaded(static_cast<const T*>(owner)->*member_); }
  bool contains(const void* owner, const void* item) const override {
    auto& c = static_cast<const T*>(owner)->*member_;
    if (!access::loaded(c)) return false;
    auto& items = access::items(c);
    return std::any_of(items.begin(), items.end(), [&](const auto& x) { return x.get() == item; });
  }
  void append(void* owner, const std::shared_ptr<void>& item) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    if (!access::loaded(c)) return;
    auto& items = access::items(c);
    if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(std::static_pointer_cast<C>(item));
    access::forget_removed(c, item);
  }
  void add_loaded(void* owner, std::shared_ptr<void> item) const override {
    access::items(static_cast<T*>(owner)->*member_).push_back(std::static_pointer_cast<C>(std::move(item)));
  }
  void take_out(void* owner, const void* item) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    if (!access::loaded(c)) return;
    auto& items = access::items(c);
    auto found = std::find_if(items.begin(), items.end(), [&](const auto& x) { return x.get() == item; });
    if (found != items.end()) items.erase(found);
  }
  std::vector<std::shared_ptr<void>> removed(const void* owner) const override {
    return erase_types(access::removed(static_cast<const T*>(owner)->*member_));
  }
  void clear_removed(void* owner) const override { access::clear_removed(static_cast<T*>(owner)->*member_); }
  void bind(void* owner, const std::shared_ptr<void>& self, const relationship_info& info) const override {
    access::bind(static_cast<T*>(owner)->*member_, self, info);
  }
protected:
  collection<C> T::*member_;
};

/// A many-to-many collection: a collection that remembers the pairs the database holds.
template <class T, class C>
class many_to_many_relationship final : public collection_relationship<T, C, many_to_many_accessor> {
  using base = collection_relationship<T, C, many_to_many_accessor>;
  using access = collection_access<C>;
public:
  using base::base;
  void assign(void* owner, std::vector<std::shared_ptr<void>> related) const override {
    base::assign(owner, std::move(related));
    mark_persisted(owner);
  }
  void set_unloaded(void* owner, const relationship_info& info) const override {
    base::set_unloaded(owner, info);
    access::clear_persisted(static_cast<T*>(owner)->*this->member_);
  }
  std::vector<std::shared_ptr<void>> persisted(const void* owner) const override {
    auto& c = static_cast<const T*>(owner)->*this->member_;
    return access::loaded(c) ? erase_types(access::persisted(c)) : std::vector<std::shared_ptr<void>>{};
  }
  void mark_persisted(void* owner) const override {
    auto& c = static_cast<T*>(owner)->*this->member_;
    access::mark_persisted(c);
  }
};

/// Relationships join one foreign key column to a single-column primary key: refuses one
/// whose keyed class (`keyed`, not finished yet, hence its flags) has a composite key.
void require_single_column_key(const table_info& keyed, const table_info& owner, const relationship_info& rel);

template <class T, class C>
class write_only_relationship final : public write_only_accessor {
  using access = write_only_access<C>;
public:
  explicit write_only_relationship(write_only<C> T::*member) : member_(member) {}
  std::vector<std::shared_ptr<void>> added(const void* owner) const override {
    return erase_types(access::added(static_cast<const T*>(owner)->*member_));
  }
  std::vector<std::shared_ptr<void>> removed(const void* owner) const override {
    return erase_types(access::removed(static_cast<const T*>(owner)->*member_));
  }
  void clear_pending(void* owner) const override {
    auto& c = static_cast<T*>(owner)->*member_;
    access::added(c).clear();
    access::removed(c).clear();
  }
  void bind(void* owner, const relationship_info& info, const value& key,
            const std::shared_ptr<std::atomic<bool>>& changed) const override {
    access::bind(static_cast<T*>(owner)->*member_, &info, key, changed);
  }
private:
  write_only<C> T::*member_;
};

template <class T, class P>
class reference_relationship final : public reference_accessor {
  using access = reference_access<P>;
public:
  explicit reference_relationship(reference<P> T::*member) : member_(member) {}
  std::shared_ptr<void> target(const void* owner) const override {
    return access::target(static_cast<const T*>(owner)->*member_);
  }
  void assign(void* owner, std::shared_ptr<void> target) const override {
    access::assign(static_cast<T*>(owner)->*member_, std::static_pointer_cast<P>(std::move(target)), nullptr);
  }
  void assign_weak(void* owner, const std::shared_ptr<void>& target, const relationship_info& info) const override {
    access::assign(static_cast<T*>(owner)->*member_, std::static_pointer_cast<P>(target), &info);
  }
  void set_unloaded(void* owner, const relationship_info& info) const override {
    access::set_unloaded(static_cast<T*>(owner)->*member_, info);
  }
  bool is_loaded(const void* owner) const override { return (static_cast<const T*>(owner)->*member_).is_loaded(); }
  void bind(void* owner, const std::shared_ptr<void>& self, const relationship_info& info) const override {
    access::bind(static_cast<T*>(owner)->*member_, self, info);
  }
private:
  reference<P> T::*member_;
};

}  // namespace detail

}  // namespace orca

// Declarative mapping of plain C++ structs through member pointers (no code generator).
// A user maps a class by writing, next to it:
//
//   void orca_table(orca::table_builder<A>& t) {
//     t.table("a");
//     t.column("id", &A::id).primary_key();
//     t.column("data", &A::data);
//     t.column("create_date", &A::create_date).server_default(orca::now);
//     t.relationship("bs", &A::bs, &B::a_id);
//   }
//
// orca::table_of<A>() turns that into the non-template table_info the rest of orca reads.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "orca/model/column_builder.hpp"
#include "orca/model/object_slabs.hpp"
#include "orca/model/relationship_builder.hpp"
#include "orca/model/table.hpp"
#include "orca/model/table_of.hpp"
#include "orca/model/table_storage.hpp"

namespace orca {

template <class T>
class table_builder;

namespace detail {

std::string demangle(const char* mangled);
/// Finishes a table after every class's columns exist: runs the resolvers (foreign keys and
/// relationship columns found by member), sets relationship owners, finds and checks the
/// primary key (via orca::detail_finish_table). Throws invalid_argument.
void finish_table(table_info& table, std::vector<std::function<void(table_info&)>>& resolvers);

}  // namespace detail

/// What a mapping function receives: declares the table, its columns and relationships.
template <class T>
class table_builder {
public:
  explicit table_builder(table_info& table) : table_(table) {}

  /// Sets the table name.
  table_builder& table(std::string name) {
    table_.name_ = std::move(name);
    return *this;
  }

  /// Maps a data member to a column. Member types: integers, floating point, bool,
  /// std::string, orca::blob, orca::timestamp, orca::uuid, or std::optional of one (nullable).
  template <class M>
  member_column_builder<T, M> column(std::string name, M T::*member) {
    static_assert(mappable<M>,
                  "orca: this member type cannot be a column (orca::mappable<M> is false); use an integer, "
                  "floating point, bool, an enum, std::string, orca::blob, orca::timestamp, "
                  "std::chrono::system_clock::time_point, std::chrono::year_month_day, orca::json, orca::uuid, or "
                  "std::optional<> of one of them");
    column_info c;
    c.name = std::move(name);
    c.type = value_traits<M>::type;
    c.nullable = value_traits<M>::nullable;
    c.ordinal = table_.columns_.size();
    c.access = std::make_shared<detail::member_access_impl<T, M>>(member);
    c.member = member;
    table_.columns_.push_back(std::move(c));
    return member_column_builder<T, M>{table_, table_.columns_.size() - 1, resolvers_};
  }

  /// A one-to-many collection (`orca::collection<C>`), never loaded implicitly;
  /// `foreign_key` is the child's column referring to this class.
  template <class C, class M>
  relationship_builder<T, C> relationship(std::string name, collection<C> T::*member, M C::*foreign_key) {
    return add_relationship<C>(std::move(name), relationship_kind::one_to_many,
                               std::make_shared<const detail::collection_relationship<T, C>>(member), member,
                               foreign_key);
  }
  /// A many-to-many collection (`orca::collection<C>` without a foreign key), never loaded
  /// implicitly; name its association table with `.secondary(...)`.
  template <class C>
  relationship_builder<T, C> relationship(std::string name, collection<C> T::*member) {
    relationship_info r;
    r.name = std::move(name);
    r.kind = relationship_kind::many_to_many;
    r.target = &table_of<C>;
    std::shared_ptr<const detail::many_to_many_accessor> access =
        std::make_shared<const detail::many_to_many_relationship<T, C>>(member);
    r.access = std::move(access);  // a many_to_many_accessor is a collection_accessor too: say which
    r.member = member;
    auto index = table_.relationships_.size();
    table_.relationships_.push_back(std::move(r));
    resolvers_.push_back([index](table_info& self) {
      auto& rel = self.relationships_[index];
      detail::require_single_column_key(self, self, rel);
      detail::require_single_column_key(detail::table_storage<C>(), self, rel);
    });
    return relationship_builder<T, C>{table_, index, resolvers_};
  }
  /// A write-only collection (`orca::write_only<C>`): never loaded, read via select().
  template <class C, class M>
  relationship_builder<T, C> relationship(std::string name, write_only<C> T::*member, M C::*foreign_key) {
    return add_relationship<C>(std::move(name), relationship_kind::write_only,
                               std::make_shared<const detail::write_only_relationship<T, C>>(member), member,
                               foreign_key);
  }
  /// A many-to-one reference (`orca::reference<P>`) through this class's foreign key column.
  template <class P, class M>
  relationship_builder<T, P> relationship(std::string name, reference<P> T::*member, M T::*foreign_key) {
    relationship_info r;
    r.name = std::move(name);
    r.kind = relationship_kind::many_to_one;
    r.target = &table_of<P>;
    r.access = std::make_shared<const detail::reference_relationship<T, P>>(member);
    r.member = member;
    auto index = table_.relationships_.size();
    table_.relationships_.push_back(std::move(r));
    resolvers_.push_back([index, foreign_key](table_info& self) {
      auto* c = self.column_for(foreign_key);
      if (c == nullptr)
        throw error(errc::invalid_argument, "relationship " + self.class_name() + "." +
                                                self.relationships()[index].name +
                                                ": the foreign key member is not a mapped column");
      self.relationships_[index].foreign_key = c->ordinal;
      detail::require_single_column_key(detail::table_storage<P>(), self, self.relationships_[index]);
    });
    return relationship_builder<T, P>{table_, index, resolvers_};
  }
  /// A std::shared_ptr member cannot be a relationship: use orca::reference<P>.
  template <class P, class M>
  relationship_builder<T, P> relationship(std::string, std::shared_ptr<P> T::*, M T::*) {
    static_assert(sizeof(P) == 0,
                  "orca: a many-to-one relationship member is an orca::reference<Parent>, not a "
                  "std::shared_ptr<Parent>: declare `orca::reference<Parent> parent{};` (it converts from and to "
                  "std::shared_ptr, and throws errc::not_loaded when read before it was loaded)");
    return {table_, 0, resolvers_};
  }

  /// A composite foreign key: this class's columns `columns` refer to the columns `referred`
  /// of P (its composite primary key, in the same order), as one FOREIGN KEY constraint:
  /// `t.foreign_key(std::tuple{&B::a_x, &B::a_y}, std::tuple{&A::x, &A::y})`.
  template <class P, class... M, class... N>
  table_builder& foreign_key(std::tuple<M T::*...> columns, std::tuple<N P::*...> referred,
                             orca::on_delete action = on_delete::no_action) {
    static_assert(sizeof...(M) == sizeof...(N) && sizeof...(M) > 0,
                  "orca: a composite foreign key names as many columns of this class as of the referred class");
    static_assert((mappable<M> && ...) && (mappable<N> && ...),
                  "orca: a composite foreign key names mapped column members");
    resolvers_.push_back([columns, referred, action](table_info& self) {
      auto& target = detail::table_storage<P>();
      std::vector<std::size_t> ordinals;
      std::vector<std::string> names;
      auto find = [&](const table_info& t, auto member) -> const column_info& {
        auto* c = t.column_for(member);
        if (c == nullptr)
          throw error(errc::invalid_argument, "a composite foreign key of " + self.class_name() +
                                                  " names a member of " + t.class_name() +
                                                  " that is not a mapped column");
        return *c;
      };
      std::apply([&](auto... m) { (ordinals.push_back(find(self, m).ordinal), ...); }, columns);
      std::apply([&](auto... n) { (names.push_back(find(target, n).name), ...); }, referred);
      for (std::size_t i = 0; i < ordinals.size(); ++i)
        self.columns_[ordinals[i]].foreign_key = foreign_key_info{&table_of<P>, names[i], ordinals, action};
    });
    return *this;
  }

  /// Resolution steps run once every table exists (internal).
  std::vector<std::function<void(table_info&)>>& resolvers() noexcept { return resolvers_; }

private:
  template <class C, class Member, class M>
  relationship_builder<T, C> add_relationship(std::string name, relationship_kind kind, relationship_accessor access,
                                              Member member, M C::*foreign_key) {
    relationship_info r;
    r.name = std::move(name);
    r.kind = kind;
    r.target = &table_of<C>;
    r.access = std::move(access);
    r.member = member;
    auto index = table_.relationships_.size();
    table_.relationships_.push_back(std::move(r));
    resolvers_.push_back([index, foreign_key](table_info& self) {
      auto& child = detail::table_storage<C>();
      auto* c = child.column_for(foreign_key);
      if (c == nullptr)
        throw error(errc::invalid_argument,
                    "relationship " + self.class_name() + "." + self.relationships()[index].name +
                        ": the foreign key member is not a mapped column of " + child.class_name());
      self.relationships_[index].foreign_key = c->ordinal;
      detail::require_single_column_key(self, self, self.relationships_[index]);
    });
    return relationship_builder<T, C>{table_, index, resolvers_};
  }

  friend table_info& detail::table_storage<T>();
  table_info& table_;
  std::vector<std::function<void(table_info&)>> resolvers_;
};

/// Gives the mapping machinery access to table_info's private identity fields (internal).
template <class T>
struct detail_table_build_access {
  static void set_identity(table_info& t) {
    t.class_name_ = detail::demangle(typeid(T).name());
    t.factory_ = [](object_slabs& slabs) { return std::static_pointer_cast<void>(slabs.template make<T>()); };
  }
};

namespace detail {

template <class T>
concept has_mapping = requires(table_builder<T>& t) {
  orca_table(t);
};

template <class T>
struct table_build {
  table_info table;
  std::vector<std::function<void(table_info&)>> resolvers;
};

template <class T>
table_build<T>& table_build_storage() {
  static_assert(has_mapping<T>,
                "orca: this class is not mapped; declare `void orca_table(orca::table_builder<T>& t)` "
                "in the class's namespace (see orca/model/mapping.hpp)");
  static table_build<T> build = [] {
    table_build<T> b;
    table_builder<T> builder{b.table};
    detail_table_build_access<T>::set_identity(b.table);
    orca_table(builder);
    b.resolvers = std::move(builder.resolvers());
    return b;
  }();
  return build;
}

template <class T>
table_info& table_storage() {
  return table_build_storage<T>().table;
}

}  // namespace detail

template <class T>
const table_info& table_of() {
  static const table_info& finished = []() -> const table_info& {
    auto& b = detail::table_build_storage<T>();
    detail::finish_table(b.table, b.resolvers);
    return b.table;
  }();
  return finished;
}

}  // namespace orca

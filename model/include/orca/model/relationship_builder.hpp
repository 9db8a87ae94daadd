// The options of one mapped relationship: what table_builder::relationship() returns.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "orca/model/relationship_accessors.hpp"
#include "orca/model/table.hpp"
#include "orca/model/table_of.hpp"
#include "orca/model/table_storage.hpp"

namespace orca {

/// The options of one relationship; returned by table_builder::relationship(). T declares
/// it, Target is the related class.
template <class T, class Target>
class relationship_builder {
public:
  relationship_builder(table_info& table, std::size_t index, std::vector<std::function<void(table_info&)>>& resolvers)
      : table_(table), index_(index), resolvers_(resolvers) {}

  /// The relationship `name` of Target mirrors this one (SQLAlchemy's back_populates;
  /// declare it on both sides): a collection of Target's children pairs with their
  /// reference to T, or a reference to a Target with Target's collection. Adding to the
  /// collection sets the reference, setting the reference adds to the collection (if it is
  /// loaded), removing from it clears the reference.
  relationship_builder& back_populates(std::string name) {
    auto index = index_;
    resolvers_.push_back([index, name](table_info& self) {
      auto& mine = self.relationships_[index];
      auto& other = detail::table_storage<Target>();
      auto what = [&] {
        return "relationship " + self.class_name() + "." + mine.name + ": back_populates(\"" + name + "\")";
      };
      for (auto& r : other.relationships_) {
        if (r.name != name) continue;
        bool pair = (mine.collection() != nullptr && r.reference() != nullptr) ||
                    (mine.reference() != nullptr && r.collection() != nullptr) ||
                    (mine.many_to_many() != nullptr && r.many_to_many() != nullptr);
        if (!pair || r.target != &table_of<T>)
          throw error(errc::invalid_argument,
                      what() + " names " + other.class_name() + "." + name +
                          ", which is not the other side: a collection of children pairs with the children's "
                          "reference to their parent, a many-to-many collection with the other class's "
                          "many-to-many collection of this class");
        mine.back_populates = &r;
        return;
      }
      throw error(errc::invalid_argument, what() + " names no relationship of " + other.class_name());
    });
    return *this;
  }
  /// When the relationship is loaded: orca::lazy::raise (the default) or noload.
  relationship_builder& lazy(orca::lazy how) {
    info().loading = how;
    return *this;
  }
  /// What follows the owner: orca::cascade::save_update (the default), remove, remove_orphan,
  /// combined with `|` (SQLAlchemy's save-update, delete, delete-orphan). remove and
  /// remove_orphan apply to collections.
  relationship_builder& cascade(orca::cascade what) {
    if (info().kind == relationship_kind::many_to_one &&
        (has(what, cascade::remove) || has(what, cascade::remove_orphan)))
      throw error(errc::invalid_argument, "relationship " + table_.name() + "." + info().name +
                                              ": cascade remove and remove_orphan go on the parent's collection");
    if (info().kind == relationship_kind::many_to_many &&
        (has(what, cascade::remove) || has(what, cascade::remove_orphan)))
      throw error(errc::invalid_argument, "relationship " + table_.name() + "." + info().name +
                                              ": a many-to-many relationship does not cascade remove or "
                                              "remove_orphan (removing an object deletes its association rows, "
                                              "never the objects on the other side)");
    info().cascades = what;
    return *this;
  }
  /// Removing the owner leaves children that are not loaded to the database: the foreign
  /// key's `on_delete` (orca::on_delete::cascade or set_null) must then take care of them.
  relationship_builder& passive_deletes(bool passive = true) {
    info().passive_deletes = passive;
    return *this;
  }
  /// The association table of a many-to-many relationship (SQLAlchemy's `secondary=`): a
  /// mapped class A whose member `owner_column` refers to T's key and `target_column` to
  /// Target's, both with `.foreign_key(..., orca::on_delete::cascade)` (deleting either side
  /// deletes its rows), usually its composite primary key:
  /// `t.relationship("tags", &post::tags).secondary(&post_tag::post_id, &post_tag::tag_id)`.
  template <class A, class M, class N>
  relationship_builder& secondary(M A::*owner_column, N A::*target_column) {
    static_assert(mappable<M> && mappable<N>,
                  "orca: secondary() names two mapped column members of the association class");
    if (info().kind != relationship_kind::many_to_many)
      throw error(errc::invalid_argument, "relationship " + table_.name() + "." + info().name +
                                              ": secondary() goes on a many-to-many collection, declared without a "
                                              "foreign key: t.relationship(\"" +
                                              info().name + "\", &T::member).secondary(...)");
    auto index = index_;
    resolvers_.push_back([index, owner_column, target_column](table_info& self) {
      auto& rel = self.relationships_[index];
      auto& association = detail::table_storage<A>();
      auto what = [&] {
        return "relationship " + self.class_name() + "." + rel.name + ": secondary(" + association.class_name() + ")";
      };
      auto column = [&](auto member, table_getter referred, const std::string& referred_name,
                        const char* which) -> std::size_t {
        auto* c = association.column_for(member);
        if (c == nullptr)
          throw error(errc::invalid_argument, what() + ": the " + which + " member is not a mapped column");
        if (!c->foreign_key || c->foreign_key->target != referred)
          throw error(errc::invalid_argument, what() + ": column " + association.name() + "." + c->name +
                                                  " needs .foreign_key(...) to " + referred_name + "'s key");
        if (c->foreign_key->on_delete_action != on_delete::cascade)
          throw error(errc::invalid_argument, what() + ": the foreign key " + association.name() + "." + c->name +
                                                  " needs orca::on_delete::cascade, so that deleting a " +
                                                  referred_name + " deletes its association rows");
        return c->ordinal;
      };
      auto& target = detail::table_storage<Target>();
      rel.secondary = secondary_info{&table_of<A>, column(owner_column, &table_of<T>, self.class_name(), "first"),
                                     column(target_column, &table_of<Target>, target.class_name(), "second")};
    });
    return *this;
  }

private:
  relationship_info& info() { return table_.relationships_[index_]; }
  table_info& table_;
  std::size_t index_;
  std::vector<std::function<void(table_info&)>>& resolvers_;
};

}  // namespace orca

// joined_tables(): the FROM of a statement with joinedload options, and the checks of its
// loader options.
#include "joined_tables.hpp"

#include <algorithm>
#include <map>

#include "orca/drivers/error.hpp"

namespace orca::detail {

namespace {

const char* kind_name(loader_option::kind what) {
  switch (what) {
    case loader_option::kind::selectin: return "selectinload";
    case loader_option::kind::joined: return "joinedload";
    case loader_option::kind::raise: return "raiseload";
  }
  return "a loader option";
}

std::string name_of(const relationship_info& rel) { return rel.owner->class_name() + "::" + rel.name; }

struct walker {
  std::vector<joined_table>& tables;
  std::map<std::string, std::size_t> aliases;  // per table name: joins so far

  // Checks `options` (for objects of `owner`) and adds their joins under entry `parent`
  // (none when `joinable` is false: below a selectinload every load is selectin).
  void walk(const std::vector<loader_option>& options, const table_info& owner, std::size_t parent, bool joinable) {
    for (auto& option : options) {
      if (option.relationship == nullptr) throw error(errc::invalid_argument, "a loader option without a relationship");
      auto& rel = *option.relationship;
      if (rel.owner != &owner)
        throw error(errc::invalid_argument, std::string{kind_name(option.what)} + "(&" + name_of(rel) +
                                                ") is not a relationship of " + owner.class_name() +
                                                ", the class it is applied to");
      if (option.what != loader_option::kind::joined) {
        walk(option.nested, rel.target(), parent, false);
        continue;
      }
      if (!joinable)
        throw error(errc::invalid_argument, "joinedload(&" + name_of(rel) +
                                                ") cannot follow a selectinload: the selectin query has no joins; "
                                                "use selectinload for it");
      if (rel.kind == relationship_kind::many_to_many)
        throw error(errc::invalid_argument, "joinedload(&" + name_of(rel) +
                                                ") is a many-to-many relationship, which orca loads with "
                                                "selectinload only (one SELECT joining the association table per "
                                                "batch of owners): use selectinload(&" +
                                                name_of(rel) + ")");
      auto& target = rel.target();
      auto& keyed = rel.kind == relationship_kind::many_to_one ? target : owner;
      if (keyed.primary_key_columns().size() != 1)
        throw error(errc::invalid_argument, "relationship " + name_of(rel) +
                                                " cannot be loaded: " + keyed.class_name() +
                                                "'s primary key is composite, and relationships map one foreign key "
                                                "column");
      auto& previous = tables.back();
      joined_table entry;
      entry.table = &target;
      entry.relationship = &rel;
      entry.parent = parent;
      entry.offset = previous.offset + previous.table->columns().size();
      entry.alias = target.name() + "_" + std::to_string(++aliases[target.name()]);
      tables.push_back(std::move(entry));
      walk(option.nested, target, tables.size() - 1, true);
    }
  }
};

bool any_joined_collection(const std::vector<loader_option>& options) {
  return std::any_of(options.begin(), options.end(), [](const loader_option& o) {
    return o.what == loader_option::kind::joined &&
           (o.relationship->kind != relationship_kind::many_to_one || any_joined_collection(o.nested));
  });
}

}  // namespace

std::vector<joined_table> joined_tables(const select_spec& spec) {
  std::vector<joined_table> tables;
  tables.push_back({spec.table, nullptr, 0, 0, spec.table->name()});
  walker{tables, {}}.walk(spec.loaders, *spec.table, 0, true);
  return tables;
}

bool joins_collection(const select_spec& spec) { return any_joined_collection(spec.loaders); }

bool has_joined_loads(const select_spec& spec) {
  return std::any_of(spec.loaders.begin(), spec.loaders.end(),
                     [](const loader_option& o) { return o.what == loader_option::kind::joined; });
}

}  // namespace orca::detail

// The non-template helpers behind where-expressions and select statements: member lookups
// that fail with a message, and the conditions statements add on their own.
#include <memory>
#include <string>

#include "orca/drivers/error.hpp"
#include "orca/model/expression.hpp"
#include "orca/model/query.hpp"
#include "orca/model/select.hpp"

namespace orca::detail {

const column_info& require_column(const table_info& table, const column_info* found) {
  if (found == nullptr)
    throw error(errc::invalid_argument,
                "member is not a mapped column of " + table.class_name() +
                    ": map it with t.column(...) in its orca_table() before using it in a statement");
  return *found;
}

void throw_inexact(const std::string& what, const char* target) {
  throw error(errc::invalid_argument, "the value " + what + " does not convert exactly to " + target +
                                          ": compare with a value of the member's type");
}

namespace {
std::shared_ptr<const expression_node> column_node(const table_info& table, std::size_t column) {
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::column;
  n->table = &table;
  n->column = column;
  return n;
}
}  // namespace

join_spec relationship_join(const relationship_info& rel, bool outer) {
  if (rel.kind == relationship_kind::many_to_many)
    throw error(errc::invalid_argument, "join(&" + rel.owner->class_name() + "::" + rel.name +
                                            ") is a many-to-many relationship: join its association table and the "
                                            "other class with join<Assoc>(condition) and join<Other>(condition)");
  auto& owner = *rel.owner;
  auto& target = rel.target();
  // one-to-many: the child's foreign key names the owner; many-to-one: the owner's names the target.
  auto on = rel.kind == relationship_kind::many_to_one
                ? binary_node(expression_node::kind::compare, "=", column_node(target, target.primary_key().ordinal),
                              column_node(owner, rel.foreign_key))
                : binary_node(expression_node::kind::compare, "=", column_node(target, rel.foreign_key),
                              column_node(owner, owner.primary_key().ordinal));
  return join_spec{&target, std::move(on), outer};
}

const relationship_info& require_relationship(const table_info& table, const relationship_info* found) {
  if (found == nullptr)
    throw error(errc::invalid_argument, "member is not a mapped relationship of " + table.class_name() +
                                            ": map it with t.relationship(...) in its orca_table() before loading it");
  return *found;
}

loader_option nest(loader_option parent, loader_option child) {
  auto& loaded = parent.relationship->target();
  if (child.relationship->owner != &loaded)
    throw error(errc::invalid_argument, "loader option for " + child.relationship->owner->class_name() + "." +
                                            child.relationship->name + " cannot follow one that loads " +
                                            loaded.class_name() + ": nest options of " + loaded.class_name() +
                                            "'s relationships");
  parent.nested.push_back(std::move(child));
  return parent;
}

std::shared_ptr<const expression_node> and_where(std::shared_ptr<const expression_node> where,
                                                 std::shared_ptr<const expression_node> more) {
  if (!where) return more;
  if (!more) return where;
  // Chained where() calls extend one flat AND rather than nesting, so the SQL stays
  // `a AND b AND c` and the compiler recurses no deeper than the user's own expression.
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::all_of;
  if (where->what == expression_node::kind::all_of)
    n->operands = where->operands;
  else
    n->operands.push_back(std::move(where));
  n->operands.push_back(std::move(more));
  return n;
}

std::shared_ptr<const expression_node> foreign_key_equals(const table_info& table, std::size_t column, value key) {
  auto lhs = std::make_shared<expression_node>();
  lhs->what = expression_node::kind::column;
  lhs->table = &table;
  lhs->column = column;
  auto rhs = std::make_shared<expression_node>();
  rhs->what = expression_node::kind::parameter;
  rhs->parameter = std::move(key);
  auto n = std::make_shared<expression_node>();
  n->what = expression_node::kind::compare;
  n->op = "=";
  n->operands = {std::move(lhs), std::move(rhs)};
  return n;
}

}  // namespace orca::detail

// The non-template part of the mapping: table_info lookups, finishing a table once every
// class exists, and the errors that mapped members raise. Used by mapping.hpp's templates.
#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "orca/drivers/error.hpp"
#include "orca/model/collection.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/table.hpp"
#include "orca/model/write_only.hpp"

namespace orca {

const column_info* table_info::find_column(std::string_view name) const noexcept {
  for (auto& c : columns_)
    if (c.name == name) return &c;
  return nullptr;
}

std::int64_t table_info::key_of(const void* object) const {
  auto key = columns_[primary_key_].access->get(object);
  return key.is_null() ? 0 : key.as_integer();
}

// A friend of table_info, so that finishing may set the private primary key index.
void detail_finish_table(table_info& table) {
  auto what = [&] { return "mapped class " + table.class_name_; };
  if (table.name_.empty())
    throw error(errc::invalid_argument, what() + " has no table name: call t.table(\"name\") in its orca_table()");
  std::size_t keys = 0;
  for (auto& c : table.columns_) {
    if (c.primary_key) {
      table.primary_key_ = c.ordinal;
      ++keys;
    }
  }
  if (keys != 1)
    throw error(errc::invalid_argument, what() + " (table " + table.name_ + ") has " + std::to_string(keys) +
                                            " primary key columns; orca maps exactly one integer primary key: mark it "
                                            "with t.column(\"id\", &T::id).primary_key()");
  for (auto& r : table.relationships_) r.owner = &table;
}

namespace detail {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> full{abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free};
  std::string name = status == 0 && full ? full.get() : mangled;
  // Messages read better with "A" than "app::model::A"; only namespaces outside any
  // template argument list are dropped, so "ns::box<ns::A>" becomes "box<ns::A>".
  std::size_t depth = 0, start = 0;
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] == '<')
      ++depth;
    else if (name[i] == '>' && depth > 0)
      --depth;
    else if (depth == 0 && name[i] == ':' && name[i + 1] == ':')
      start = i + 2;
  }
  return name.substr(start);
}

void finish_table(table_info& table, std::vector<std::function<void(table_info&)>>& resolvers) {
  // Resolvers only read other tables' columns (phase one), never finish them, so that
  // classes referring to each other do not recurse into each other's table_of().
  for (auto& resolve : resolvers) resolve(table);
  detail_finish_table(table);
}

void throw_not_loaded(const relationship_info& info) {
  auto owner = info.owner != nullptr ? info.owner->class_name() : std::string{"object"};
  auto attribute = owner + "." + info.name;
  throw error(errc::not_loaded, attribute +
                                    " is not loaded: relationships declared lazy=raise are never loaded "
                                    "implicitly; use select<" +
                                    owner + ">().options(orca::selectinload(&" + owner + "::" + info.name +
                                    ")) or co_await session.load(obj, &" + owner + "::" + info.name + ")");
}

void throw_write_only_unbound(const relationship_info* info) {
  std::string owner = "the object owning this write-only collection";
  if (info != nullptr && info->owner != nullptr)
    owner = "the " + info->owner->class_name() + " owning " + info->owner->class_name() + "." + info->name;
  throw error(errc::invalid_state, owner +
                                       " has no primary key yet: flush the session before selecting from a "
                                       "write-only collection");
}

void throw_out_of_range(std::int64_t x, const char* type_name) {
  throw error(errc::type_mismatch, "integer " + std::to_string(x) + " does not fit " + type_name + " without loss");
}

}  // namespace detail

}  // namespace orca

// Typed views of the objects actor messages carry: a CAF actor that talks to a session or a
// stream directly gets std::shared_ptr<T> back, checked against T's table.
#pragma once

#include <memory>
#include <vector>

#include "orca/actors/message_types.hpp"
#include "orca/drivers/error.hpp"
#include "orca/model/table_of.hpp"

namespace orca::actors {

/// The object as a T; errc::type_mismatch if it is an object of another mapped class.
template <class T>
std::shared_ptr<T> object_as(const object_ref& object) {
  if (object.table != &table_of<T>())
    throw error(errc::type_mismatch, "an object of " + (object.table ? object.table->class_name() : "no class") +
                                         " was read as a " + table_of<T>().class_name());
  return std::static_pointer_cast<T>(object.object);
}

/// The objects of a batch as Ts (see object_as).
template <class T>
std::vector<std::shared_ptr<T>> objects_as(const object_list& objects) {
  std::vector<std::shared_ptr<T>> typed;
  typed.reserve(objects.size());
  for (auto& o : objects) typed.push_back(object_as<T>(o));
  return typed;
}

/// Wraps objects of T for a message (`add`, `remove`).
template <class T>
object_ref ref_of(std::shared_ptr<T> object) {
  return object_ref{&table_of<T>(), std::move(object)};
}

}  // namespace orca::actors

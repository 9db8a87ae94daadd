// Typed rows from a query's reply: each cell converted by value_traits to its element type
// (an element std::shared_ptr<T> is the row's object). Used by the session facade.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "orca/drivers/error.hpp"
#include "orca/model/query_request.hpp"
#include "orca/model/value_traits.hpp"

namespace orca::detail {

template <class V>
inline constexpr bool is_object_v = false;
template <class T>
inline constexpr bool is_object_v<std::shared_ptr<T>> = true;

template <class V>
V decode_cell(const query_reply& reply, std::size_t row, std::size_t column) {
  if constexpr (is_object_v<V>) {
    return std::static_pointer_cast<typename V::element_type>(reply.objects.at(row).object);
  } else {
    try {
      return value_traits<V>::from_value(reply.rows.at(row, column));
    } catch (const error& e) {
      throw error(errc::type_mismatch, "result column " + std::to_string(column + 1) + " (" +
                                           reply.rows.columns().at(column) + "): " + e.message());
    }
  }
}

template <class... Vs, std::size_t... I>
std::tuple<Vs...> decode_row(const query_reply& reply, std::size_t row, std::size_t first, std::index_sequence<I...>) {
  // An object takes the row's first `first` cells; the other elements follow them.
  return std::tuple<Vs...>{decode_cell<Vs>(reply, row, is_object_v<Vs> ? 0 : first + I - (first > 0 ? 1 : 0))...};
}

/// The rows of a reply as tuples; `entity_columns` is the number of cells of the leading
/// object (0 if none).
template <class... Vs>
std::vector<std::tuple<Vs...>> decode_rows(const query_reply& reply, std::size_t entity_columns) {
  std::vector<std::tuple<Vs...>> rows;
  rows.reserve(reply.rows.size());
  for (std::size_t r = 0; r < reply.rows.size(); ++r)
    rows.push_back(decode_row<Vs...>(reply, r, entity_columns, std::index_sequence_for<Vs...>{}));
  return rows;
}

}  // namespace orca::detail

// orca::key: equality, hashing and rendering of primary keys of any mapped type.
#include "orca/model/key.hpp"

#include <functional>
#include <string_view>
#include <type_traits>
#include <variant>

namespace orca {

namespace {

std::size_t mix(std::size_t h, std::size_t x) noexcept { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

std::size_t hash_value(const value& x) noexcept {
  return std::visit(
      [](const auto& v) -> std::size_t {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          return 0;
        } else if constexpr (std::is_same_v<V, blob>) {
          return std::hash<std::string_view>{}(
              std::string_view{reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size()});
        } else if constexpr (std::is_same_v<V, timestamp>) {
          return std::hash<std::int64_t>{}(v.time_since_epoch().count());
        } else {
          return std::hash<V>{}(v);
        }
      },
      x.data());
}

}  // namespace

key::key(std::vector<value> parts) {
  if (parts.size() == 1 && parts.front().type() == value_type::integer && fits_inline(parts.front().as_integer()))
    bits_ = encode(parts.front().as_integer());
  else if (!parts.empty() && !(parts.size() == 1 && parts.front().is_null()))
    bits_ = make_parts(std::move(parts));
}

value key_value(value_type column_type, value x) {
  if (x.is_null()) return x;
  switch (column_type) {
    case value_type::uuid: return value{x.as_uuid()};
    case value_type::time: return value{x.as_timestamp()};
    case value_type::boolean: return value{x.as_boolean()};
    default: return x;
  }
}

bool key::empty() const noexcept {
  if (is_inline()) return integer() == 0;
  for (auto& p : *parts_ptr())
    if (p.is_null()) return true;
  return false;
}

void key::append_to(params& parameters) const {
  if (is_inline())
    parameters.emplace_back(integer());
  else
    parameters.insert(parameters.end(), parts_ptr()->begin(), parts_ptr()->end());
}

std::size_t key::hash() const noexcept {
  if (is_inline()) return std::hash<std::int64_t>{}(integer());
  std::size_t h = parts_ptr()->size();
  for (auto& p : *parts_ptr()) h = mix(h, hash_value(p));
  return h;
}

std::string key::to_string() const {
  if (is_inline()) return std::to_string(integer());
  auto& parts = *parts_ptr();
  if (parts.size() == 1) return orca::to_string(parts.front());
  std::string text = "(";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) text += ", ";
    text += orca::to_string(parts[i]);
  }
  return text + ")";
}

}  // namespace orca

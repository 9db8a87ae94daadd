// orca::key: the primary key of one mapped object, of any mapped type: a 64-bit integer
// (the fast path, no allocation), or the values of a text, UUID or composite key.
// Used by the identity map, the loader, the unit of work and session.get().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "orca/drivers/value.hpp"
#include "orca/model/value_traits.hpp"

namespace orca {

/// A primary key: one integer (held inline), or one value per key column otherwise (held
/// behind a pointer, so that a key is 16 bytes: every identity map record holds one).
/// The default key is the integer 0, which orca reads as "no key yet".
class key {
public:
  key() noexcept = default;
  key(const key& other)
      : integer_(other.integer_), parts_(other.parts_ ? std::make_unique<parts>(*other.parts_) : nullptr) {}
  key& operator=(const key& other) {
    if (this != &other) *this = key{other};
    return *this;
  }
  key(key&&) noexcept = default;
  key& operator=(key&&) noexcept = default;
  /// An integer key.
  key(std::int64_t x) noexcept : integer_(x) {}
  /// A key of one value per key column; a single integer value takes the integer path.
  explicit key(std::vector<value> parts);

  /// True for a single-column integer key (held without allocation).
  bool is_integer() const noexcept { return !parts_; }
  /// The integer of an integer key.
  std::int64_t integer() const noexcept { return integer_; }
  /// Number of key columns.
  std::size_t size() const noexcept { return parts_ ? parts_->size() : 1; }
  /// The value of the i-th key column.
  value part(std::size_t i) const { return parts_ ? (*parts_)[i] : value{integer_}; }
  /// True when the key is not assigned: the integer 0, or a NULL part.
  bool empty() const noexcept;
  /// Appends the key's values to a statement's parameters, in key column order.
  void append_to(params& parameters) const;
  /// A hash of the key (integer keys hash as the identity map's integer path does).
  std::size_t hash() const noexcept;
  /// Renders the key for messages: `42`, `'abc'`, `(1, 'x')`.
  std::string to_string() const;

  friend bool operator==(const key& a, const key& b) noexcept {
    return !a.parts_ ? !b.parts_ && a.integer_ == b.integer_ : b.parts_ && *a.parts_ == *b.parts_;
  }

private:
  using parts = std::vector<value>;
  std::int64_t integer_ = 0;
  std::unique_ptr<parts> parts_;  ///< null for an integer key
};

/// A key column's value as the member reads it, whatever form the backend returned it in
/// (SQLite returns a UUID as a blob, a timestamp as text), so that equal keys compare equal.
value key_value(value_type column_type, value x);

/// Hashes keys for unordered containers.
struct key_hash {
  std::size_t operator()(const key& k) const noexcept { return k.hash(); }
};

/// True when K can be passed to session.get(): a mappable member type, or a std::tuple of
/// them for a composite key (in key column order).
template <class K>
struct is_key_type : std::bool_constant<mappable<K>> {};
template <class... K>
struct is_key_type<std::tuple<K...>> : std::bool_constant<(mappable<K> && ...)> {};

/// The orca::key of a C++ key value (see is_key_type).
template <class K>
key make_key(const K& x) {
  static_assert(is_key_type<K>::value,
                "orca: a key passed to get() must be the primary key member's type (an integer, std::string, "
                "orca::uuid, ...), or a std::tuple of them for a composite key");
  if constexpr (requires { std::tuple_size<K>::value; }) {
    std::vector<value> parts;
    parts.reserve(std::tuple_size_v<K>);
    std::apply([&](const auto&... p) { (parts.push_back(value_traits<std::decay_t<decltype(p)>>::to_value(p)), ...); },
               x);
    return key{std::move(parts)};
  } else if constexpr (std::is_integral_v<K> && !std::is_same_v<K, bool>) {
    return key{value_traits<K>::to_value(x).as_integer()};
  } else {
    return key{std::vector<value>{value_traits<K>::to_value(x)}};
  }
}

}  // namespace orca

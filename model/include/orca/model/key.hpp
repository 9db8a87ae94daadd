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
/// behind a pointer). A key is 8 bytes, every identity map record holds one: an integer of
/// 63 bits is held shifted left by one with the low bit set; any other key is a pointer to
/// its values (even, so never mistaken for an integer). An integer key beyond 63 bits (at
/// least 2^62 from zero) is held as one value, like a text key: integer() still reads it,
/// is_integer() says false, and it takes the identity map's general path. Every key has one
/// form, so equal keys compare and hash equal.
/// The default key is the integer 0, which orca reads as "no key yet".
class key {
public:
  key() noexcept = default;
  key(const key& other) : bits_(other.is_inline() ? other.bits_ : make_parts(*other.parts_ptr())) {}
  key& operator=(const key& other) {
    if (this != &other) *this = key{other};
    return *this;
  }
  key(key&& other) noexcept : bits_(std::exchange(other.bits_, inline_zero)) {}
  key& operator=(key&& other) noexcept {
    if (this != &other) {
      release();
      bits_ = std::exchange(other.bits_, inline_zero);
    }
    return *this;
  }
  ~key() { release(); }
  /// An integer key.
  key(std::int64_t x) : bits_(fits_inline(x) ? encode(x) : make_parts(parts{value{x}})) {}
  /// A key of one value per key column; a single integer value takes the integer path.
  explicit key(std::vector<value> parts);

  /// True for a single-column integer key held inline (no allocation): every integer within
  /// 2^62 of zero.
  bool is_integer() const noexcept { return is_inline(); }
  /// The integer of a single-column integer key (0 for a key of another kind).
  std::int64_t integer() const noexcept {
    if (is_inline()) return static_cast<std::int64_t>(bits_) >> 1;
    auto& p = *parts_ptr();
    return p.size() == 1 && p.front().type() == value_type::integer ? p.front().as_integer() : 0;
  }
  /// Number of key columns.
  std::size_t size() const noexcept { return is_inline() ? 1 : parts_ptr()->size(); }
  /// The value of the i-th key column.
  value part(std::size_t i) const { return is_inline() ? value{integer()} : (*parts_ptr())[i]; }
  /// True when the key is not assigned: the integer 0, or a NULL part.
  bool empty() const noexcept;
  /// Appends the key's values to a statement's parameters, in key column order.
  void append_to(params& parameters) const;
  /// A hash of the key (integer keys hash as the identity map's integer path does).
  std::size_t hash() const noexcept;
  /// Renders the key for messages: `42`, `'abc'`, `(1, 'x')`.
  std::string to_string() const;

  friend bool operator==(const key& a, const key& b) noexcept {
    return a.is_inline() ? a.bits_ == b.bits_ : !b.is_inline() && *a.parts_ptr() == *b.parts_ptr();
  }

private:
  using parts = std::vector<value>;
  static constexpr std::uint64_t inline_zero = 1;

  static constexpr bool fits_inline(std::int64_t x) noexcept {
    return x >= -(std::int64_t{1} << 62) && x < (std::int64_t{1} << 62);
  }
  static constexpr std::uint64_t encode(std::int64_t x) noexcept { return (static_cast<std::uint64_t>(x) << 1) | 1; }
  static std::uint64_t make_parts(parts values) {
    return reinterpret_cast<std::uintptr_t>(new parts(std::move(values)));
  }
  bool is_inline() const noexcept { return (bits_ & 1) != 0; }
  parts* parts_ptr() const noexcept { return reinterpret_cast<parts*>(static_cast<std::uintptr_t>(bits_)); }
  void release() noexcept {
    if (!is_inline()) delete parts_ptr();
  }

  std::uint64_t bits_ = inline_zero;  ///< an integer (low bit set) or a parts* (owned), 8 bytes on any platform
};

static_assert(sizeof(key) == 8);

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

// How a mapped column reads and writes its member: a member pointer's type-erased access
// (member_access_impl), and an enumeration stored as the text of its names
// (enum_text_access). Internal to the mapping (orca/model/mapping.hpp).
#pragma once

#include <chrono>
#include <concepts>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "orca/model/table.hpp"
#include "orca/model/value_traits.hpp"

namespace orca {

namespace detail {

template <class T, class M>
class member_access_impl final : public member_access {
public:
  explicit member_access_impl(M T::*member) : member_(member) {}
  value get(const void* object) const override {
    return value_traits<M>::to_value(static_cast<const T*>(object)->*member_);
  }
  void set(void* object, const value& x) const override {
    static_cast<T*>(object)->*member_ = value_traits<M>::from_value(x);
  }
  void load(void* object, value& x) const override {
    store(object, x);
    if constexpr (exact_round_trip<M>) {
      if (is_exact(x)) return;
    }
    x = value_traits<M>::to_value(static_cast<T*>(object)->*member_);
  }
  bool load_cell(void* object, const drivers::cell& x) const override {
    if constexpr (exact_round_trip<M>) {
      if (x.type() != value_traits<M>::type && !(value_traits<M>::nullable && x.is_null())) return false;
      using E = typename unwrap_optional<M>::type;
      auto& m = static_cast<T*>(object)->*member_;
      if constexpr (std::same_as<E, std::string>) {
        auto text = x.bytes();
        if constexpr (std::same_as<M, E>) {
          m.assign(text.data(), text.size());  // into the member's own buffer
        } else if (x.is_null()) {
          m.reset();
        } else if (m) {
          m->assign(text.data(), text.size());
        } else {
          m.emplace(text);
        }
      } else if constexpr (std::same_as<M, std::int64_t>) {
        m = x.integer();
      } else if constexpr (std::same_as<M, double>) {
        m = x.real();
      } else {
        m = value_traits<M>::from_value(x.to_value());
      }
      return true;
    } else {
      return false;
    }
  }
  bool holds(const void* object, const value& x) const override {
    const auto& m = static_cast<const T*>(object)->*member_;
    if constexpr (std::same_as<M, std::string>)
      return x.type() == value_type::text && m == x.as_text();
    else if constexpr (std::same_as<M, std::optional<std::string>>)
      return m ? x.type() == value_type::text && *m == x.as_text() : x.is_null();
    else
      return value_traits<M>::to_value(m) == x;
  }
  bool is_unset(const void* object) const override {
    if constexpr (std::is_default_constructible_v<M> && requires(const M& a) { a == a; })
      return static_cast<const T*>(object)->*member_ == M{};
    else
      return false;
  }
  value_type fixed_type() const noexcept override {
    // Members whose to_value() (value_traits.hpp) always gives a number of its type.
    if constexpr (std::integral<M> || std::floating_point<M> || std::is_enum_v<M> || std::same_as<M, timestamp> ||
                  std::same_as<M, std::chrono::system_clock::time_point>)
      return value_traits<M>::type;
    else
      return value_type::null;
  }

private:
  // A value the member holds exactly, as it is: get() gives it back.
  static bool is_exact(const value& x) noexcept {
    return x.type() == value_traits<M>::type || (value_traits<M>::nullable && x.is_null());
  }
  void store(void* object, const value& x) const {
    auto& m = static_cast<T*>(object)->*member_;
    if constexpr (std::same_as<M, std::string>) {
      m = x.as_text();  // into the member's own buffer: no temporary string
    } else if constexpr (std::same_as<M, std::optional<std::string>>) {
      if (x.is_null())
        m.reset();
      else
        m = x.as_text();
    } else {
      m = value_traits<M>::from_value(x);
    }
  }
  M T::*member_;
};

/// Reads and writes an enumeration member (E or std::optional<E>) as text, by the names
/// its column's as_text() gave.
template <class T, class M>
class enum_text_access final : public member_access {
  using E = typename unwrap_optional<M>::type;
public:
  enum_text_access(M T::*member, std::vector<std::pair<E, std::string>> names)
      : member_(member), names_(std::move(names)) {}
  value get(const void* object) const override {
    const auto& m = static_cast<const T*>(object)->*member_;
    if constexpr (std::is_same_v<M, E>) {
      return value{name_of(m)};
    } else {
      return m ? value{name_of(*m)} : value{};
    }
  }
  void set(void* object, const value& x) const override {
    auto& m = static_cast<T*>(object)->*member_;
    if constexpr (std::is_same_v<M, E>) {
      m = enumerator(x.as_text());
    } else {
      if (x.is_null())
        m.reset();
      else
        m = enumerator(x.as_text());
    }
  }
  bool is_unset(const void* object) const override { return static_cast<const T*>(object)->*member_ == M{}; }
private:
  const std::string& name_of(E x) const {
    for (auto& [e, name] : names_)
      if (e == x) return name;
    throw error(errc::type_mismatch, "the enumerator " + std::to_string(static_cast<std::int64_t>(x)) +
                                         " has no name in the column's as_text() list");
  }
  E enumerator(const std::string& name) const {
    for (auto& [e, n] : names_)
      if (n == name) return e;
    throw error(errc::type_mismatch, "'" + name + "' names no enumerator in the column's as_text() list");
  }
  M T::*member_;
  std::vector<std::pair<E, std::string>> names_;
};

}  // namespace detail

}  // namespace orca

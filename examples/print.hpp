// Small printing helpers shared by the example programs.
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace examples {

/// 'text' for a value, None for an empty optional (as Python prints them).
inline std::string quoted(const std::optional<std::string>& x) { return x ? "'" + *x + "'" : "None"; }

/// Prints a seed A as "A(id=1, data='a1')" (both seeds' A have these members).
template <class A>
std::ostream& print_a(std::ostream& out, const A& a) {
  return out << "A(id=" << a.id << ", data=" << quoted(a.data) << ")";
}

/// Prints a seed B as "B(id=1, a_id=1, data=None)".
template <class B>
std::ostream& print_b(std::ostream& out, const B& b) {
  return out << "B(id=" << b.id << ", a_id=" << b.a_id << ", data=" << quoted(b.data) << ")";
}

}  // namespace examples

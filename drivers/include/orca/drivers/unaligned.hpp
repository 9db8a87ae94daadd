// Reading and writing a trivially copyable value at any byte address: the packed cells of
// rowsets and snapshots keep numbers and pointers in byte arrays.
#pragma once

#include <cstring>
#include <type_traits>

namespace orca {

/// The T whose bytes start at `bytes`.
template <class T>
requires std::is_trivially_copyable_v<T> T load_unaligned(const void* bytes)
noexcept {
  T x;
  std::memcpy(&x, bytes, sizeof x);
  return x;
}

/// Writes the bytes of `x` at `bytes`.
template <class T>
requires std::is_trivially_copyable_v<T>
void store_unaligned(void* bytes, const T& x) noexcept { std::memcpy(bytes, &x, sizeof x); }

}  // namespace orca

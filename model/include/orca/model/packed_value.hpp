// orca::packed_value: one column value as an identity map's snapshot keeps it, in 16 bytes
// instead of orca::value's 40. Numbers, booleans and timestamps are held inline, so are text
// and blobs of up to 14 bytes; longer ones, and UUIDs, live in the identity map's
// snapshot_pool. A snapshot is one packed_value per non-key column (table_info::snapshot_slot()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "orca/drivers/unaligned.hpp"
#include "orca/drivers/value.hpp"
#include "orca/model/snapshot_pool.hpp"

namespace orca {

namespace drivers {
class cell;
}

/// A value packed into 16 bytes. Trivially copyable: the owner (the identity map) frees an
/// out-of-line payload with release() before overwriting or dropping it.
class packed_value {
public:
  /// Text and blobs of up to this many bytes are held inline.
  static constexpr std::size_t inline_bytes = 14;

  /// SQL NULL.
  packed_value() noexcept = default;
  /// `x` packed; a payload that does not fit inline is copied into `pool`.
  static packed_value pack(const value& x, snapshot_pool& pool);
  /// A rowset's cell packed, the same way.
  static packed_value pack(const drivers::cell& x, snapshot_pool& pool);
  /// Gives an out-of-line payload back to `pool`; the value is NULL afterwards.
  void release(snapshot_pool& pool) noexcept;
  /// The value, unpacked.
  value unpack() const;
  /// The family of the value held.
  value_type type() const noexcept { return static_cast<value_type>(tag_ & type_mask); }

private:
  static constexpr std::uint8_t type_mask = 0x0f;
  static constexpr std::uint8_t out_of_line = 0x80;

  /// The payload kept in the pool: its size, then its bytes.
  struct heap_bytes {
    std::size_t size;
    const std::byte* data() const noexcept { return reinterpret_cast<const std::byte*>(this + 1); }
    std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
  };
  void put_bytes(const void* data, std::size_t size, snapshot_pool& pool);
  const std::byte* bytes() const noexcept;
  std::size_t byte_count() const noexcept;

  template <class T>
  T load() const noexcept {
    return load_unaligned<T>(payload_);
  }
  template <class T>
  void store(const T& x) noexcept {
    store_unaligned(payload_, x);
  }

  /// Inline: an integer, boolean (0/1) or timestamp (microseconds) as std::int64_t, a double,
  /// or inline_size_ bytes of text or blob. Out of line: a heap_bytes* into the pool.
  alignas(8) std::byte payload_[inline_bytes]{};
  std::uint8_t inline_size_ = 0;
  std::uint8_t tag_ = 0;  ///< value_type, | out_of_line when the payload is in the pool
};

static_assert(sizeof(packed_value) == 16);

/// The 8 bytes a snapshot keeps for a fixed slot (table_info::snapshot_field): an integer,
/// a boolean (0/1) or a timestamp (microseconds) as std::int64_t, or a double. Never NULL.
namespace fixed_value {
/// Stores `x` at `at` if it is a value of `type` (not NULL); returns false, storing nothing,
/// otherwise.
bool store(std::byte* at, value_type type, const value& x) noexcept;
/// The same from a rowset's cell.
bool store(std::byte* at, value_type type, const drivers::cell& x) noexcept;
/// The value stored at `at` for a slot of `type`.
value load(const std::byte* at, value_type type);
}  // namespace fixed_value

}  // namespace orca

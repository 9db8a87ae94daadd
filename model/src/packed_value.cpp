// Packing values for snapshots: inline when they fit in 14 bytes, else in the pool.
#include "orca/model/packed_value.hpp"

#include <new>
#include <string>
#include <type_traits>

#include "orca/drivers/rowset.hpp"
#include "orca/model/overloaded.hpp"

namespace orca {

packed_value packed_value::pack(const value& x, snapshot_pool& pool) {
  packed_value p;
  p.tag_ = static_cast<std::uint8_t>(x.type());
  std::visit(overloaded{
                 [](std::monostate) {},
                 [&](std::int64_t i) { p.store(i); },
                 [&](double d) { p.store(d); },
                 [&](bool b) { p.store(std::int64_t{b ? 1 : 0}); },
                 [&](timestamp t) { p.store(static_cast<std::int64_t>(t.time_since_epoch().count())); },
                 [&](const std::string& s) { p.put_bytes(s.data(), s.size(), pool); },
                 [&](const blob& b) { p.put_bytes(b.bytes.data(), b.bytes.size(), pool); },
                 [&](const uuid& u) { p.put_bytes(u.bytes.data(), u.bytes.size(), pool); },
             },
             x.data());
  return p;
}

packed_value packed_value::pack(const drivers::cell& x, snapshot_pool& pool) {
  packed_value p;
  p.tag_ = static_cast<std::uint8_t>(x.type());
  switch (x.type()) {
    case value_type::integer:
    case value_type::boolean:
    case value_type::time: p.store(x.integer()); break;
    case value_type::real: p.store(x.real()); break;
    case value_type::text:
    case value_type::binary:
    case value_type::uuid: {
      auto bytes = x.bytes();
      p.put_bytes(bytes.data(), bytes.size(), pool);
      break;
    }
    default: break;
  }
  return p;
}

void packed_value::put_bytes(const void* data, std::size_t size, snapshot_pool& pool) {
  // UUIDs go out of line whatever their size: 16 bytes do not fit beside the tag.
  if (size <= inline_bytes && type() != value_type::uuid) {
    if (size != 0) std::memcpy(payload_, data, size);
    inline_size_ = static_cast<std::uint8_t>(size);
    return;
  }
  auto* heap = ::new (pool.allocate(sizeof(heap_bytes) + size, alignof(heap_bytes))) heap_bytes{size};
  std::memcpy(heap->data(), data, size);
  store(heap);
  tag_ |= out_of_line;
}

void packed_value::release(snapshot_pool& pool) noexcept {
  if (tag_ & out_of_line) {
    auto* heap = load<heap_bytes*>();
    pool.deallocate(heap, sizeof(heap_bytes) + heap->size, alignof(heap_bytes));
  }
  *this = packed_value{};
}

const std::byte* packed_value::bytes() const noexcept {
  return (tag_ & out_of_line) ? load<const heap_bytes*>()->data() : payload_;
}

std::size_t packed_value::byte_count() const noexcept {
  return (tag_ & out_of_line) ? load<const heap_bytes*>()->size : inline_size_;
}

value packed_value::unpack() const {
  switch (type()) {
    case value_type::null: return {};
    case value_type::integer: return value{load<std::int64_t>()};
    case value_type::real: return value{load<double>()};
    case value_type::boolean: return value{load<std::int64_t>() != 0};
    case value_type::time: return value{timestamp{std::chrono::microseconds{load<std::int64_t>()}}};
    case value_type::text: return value{std::string{reinterpret_cast<const char*>(bytes()), byte_count()}};
    case value_type::binary: {
      auto* b = reinterpret_cast<const std::uint8_t*>(bytes());
      return value{blob{{b, b + byte_count()}}};
    }
    case value_type::uuid: {
      orca::uuid u;
      std::memcpy(u.bytes.data(), bytes(), u.bytes.size());
      return value{u};
    }
    case value_type::date:
    case value_type::json: break;  // column types only: values never hold them
  }
  return {};
}

namespace fixed_value {

bool store(std::byte* at, value_type type, const value& x) noexcept {
  if (x.type() != type) return false;
  std::visit(overloaded{
                 [&](std::int64_t i) { store_unaligned(at, i); }, [&](double d) { store_unaligned(at, d); },
                 [&](bool b) { store_unaligned(at, std::int64_t{b ? 1 : 0}); },
                 [&](timestamp t) { store_unaligned(at, static_cast<std::int64_t>(t.time_since_epoch().count())); },
                 [](const auto&) {},  // not a fixed type: table_info gives these slots no fixed layout
             },
             x.data());
  return true;
}

bool store(std::byte* at, value_type type, const drivers::cell& x) noexcept {
  if (x.type() != type) return false;
  switch (type) {
    case value_type::integer:
    case value_type::boolean:
    case value_type::time: store_unaligned(at, x.integer()); return true;
    case value_type::real: store_unaligned(at, x.real()); return true;
    default: return false;
  }
}

value load(const std::byte* at, value_type type) {
  switch (type) {
    case value_type::integer: return value{load_unaligned<std::int64_t>(at)};
    case value_type::real: return value{load_unaligned<double>(at)};
    case value_type::boolean: return value{load_unaligned<std::int64_t>(at) != 0};
    case value_type::time: return value{timestamp{std::chrono::microseconds{load_unaligned<std::int64_t>(at)}}};
    default: return {};
  }
}

}  // namespace fixed_value

}  // namespace orca

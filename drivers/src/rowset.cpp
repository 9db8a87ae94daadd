// orca::drivers::rowset: cells packed to 16 bytes, longer bytes in blocks, and the copies
// that give a copied rowset blocks of its own.
#include "orca/drivers/rowset.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "orca/drivers/error.hpp"

namespace orca::drivers {

std::int64_t cell::as_integer() const {
  if (type_ == value_type::integer || type_ == value_type::boolean) return integer();
  return to_value().as_integer();  // throws type_mismatch quoting the value
}

value cell::to_value() const {
  switch (type_) {
    case value_type::integer: return value{integer()};
    case value_type::real: return value{real()};
    case value_type::text: return value{std::string{bytes()}};
    case value_type::binary: {
      auto b = bytes();
      auto* first = reinterpret_cast<const std::uint8_t*>(b.data());
      return value{blob{std::vector<std::uint8_t>(first, first + b.size())}};
    }
    case value_type::boolean: return value{integer() != 0};
    case value_type::time: return value{timestamp{std::chrono::microseconds{integer()}}};
    case value_type::uuid: {
      orca::uuid u;
      auto b = bytes();
      std::copy_n(reinterpret_cast<const std::uint8_t*>(b.data()), std::min(b.size(), u.bytes.size()), u.bytes.begin());
      return value{u};
    }
    default: return value{};
  }
}

rowset::rowset(const rowset& other) : affected_rows(other.affected_rows), columns_(other.columns_) {
  first_.reserve(std::min(other.cells_, chunk_cells));
  for (std::size_t i = 0; i < other.cells_; ++i) push(other.slot(i));
}

rowset& rowset::operator=(const rowset& other) {
  if (this != &other) *this = rowset(other);
  return *this;
}

void rowset::push(const cell& x) {
  if (x.size_ == cell::out_of_line)
    append(bytes_cell(x.type_, x.bytes()));
  else
    append(x);  // inline: nothing points elsewhere
}

const char* rowset::keep(std::string_view bytes) {
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max())
    throw error(errc::invalid_argument,
                "a value of " + std::to_string(bytes.size()) + " bytes is more than a result cell holds (4 GiB)");
  if (bytes.size() > block_left_) {
    auto size = std::max(block_bytes, bytes.size());
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    block_next_ = blocks_.back().get();
    block_left_ = size;
  }
  auto* stored = block_next_;
  if (!bytes.empty()) std::memcpy(stored, bytes.data(), bytes.size());
  block_next_ += bytes.size();
  block_left_ -= bytes.size();
  return stored;
}

cell rowset::make(const value& x) {
  switch (x.type()) {
    case value_type::integer: {
      auto c = inline_cell(value_type::integer);
      store_unaligned(c.payload_, std::get<std::int64_t>(x.data()));
      return c;
    }
    case value_type::real: {
      auto c = inline_cell(value_type::real);
      store_unaligned(c.payload_, std::get<double>(x.data()));
      return c;
    }
    case value_type::text: return bytes_cell(value_type::text, std::get<std::string>(x.data()));
    case value_type::binary: {
      auto& b = std::get<blob>(x.data()).bytes;
      if (b.empty()) return bytes_cell(value_type::binary, std::string_view{"", 0});  // data() may be null
      return bytes_cell(value_type::binary, {reinterpret_cast<const char*>(b.data()), b.size()});
    }
    case value_type::boolean: {
      auto c = inline_cell(value_type::boolean);
      store_unaligned(c.payload_, std::int64_t{std::get<bool>(x.data()) ? 1 : 0});
      return c;
    }
    case value_type::time: {
      auto c = inline_cell(value_type::time);
      store_unaligned(c.payload_, static_cast<std::int64_t>(std::get<timestamp>(x.data()).time_since_epoch().count()));
      return c;
    }
    case value_type::uuid: {
      auto& u = std::get<orca::uuid>(x.data()).bytes;
      return bytes_cell(value_type::uuid, {reinterpret_cast<const char*>(u.data()), u.size()});
    }
    default: return inline_cell(value_type::null);
  }
}

}  // namespace orca::drivers

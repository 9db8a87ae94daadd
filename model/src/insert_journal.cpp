// The insert journal: chains of overwritten column values in fixed-size blocks, numbers and
// times held in the entries, other values aside.
#include "orca/model/insert_journal.hpp"

#include <bit>
#include <limits>
#include <type_traits>
#include <variant>

#include "orca/drivers/error.hpp"
#include "orca/model/table.hpp"

namespace orca {

bool insert_journal::held_aside(value_type type) noexcept {
  return type == value_type::text || type == value_type::binary || type == value_type::uuid;
}

insert_journal::position insert_journal::record(position newest, std::size_t ordinal, value old) {
  if (size_ >= limit)
    throw error(errc::invalid_argument,
                "one transaction overwrote more than 67 million columns (keys, server defaults, foreign keys) of "
                "objects it inserted; commit in parts");
  if (ordinal > std::numeric_limits<std::uint16_t>::max())
    throw error(errc::invalid_argument, "a mapped class has more than 65,535 columns");
  std::uint64_t payload = 0;
  auto type = old.type();
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>)
          payload = std::bit_cast<std::uint64_t>(x);
        else if constexpr (std::is_same_v<T, bool>)
          payload = x ? 1 : 0;
        else if constexpr (std::is_same_v<T, timestamp>)
          payload = std::bit_cast<std::uint64_t>(x.time_since_epoch().count());
      },
      old.data());
  if (held_aside(type)) {
    payload = others_.size();
    others_.push_back(std::move(old));
  }
  if (size_ == blocks_.size() * block_size) {
    static_assert(alignof(entry) <= block_arena::alignment);
    blocks_.push_back(static_cast<entry*>(memory_.allocate(block_size * sizeof(entry))));
  }
  at(size_) = entry{payload, newest, static_cast<std::uint16_t>(ordinal), type};
  return static_cast<position>(++size_);
}

value insert_journal::old_value(const entry& e) const {
  switch (e.type) {
    case value_type::integer: return value{std::bit_cast<std::int64_t>(e.payload)};
    case value_type::real: return value{std::bit_cast<double>(e.payload)};
    case value_type::boolean: return value{e.payload != 0};
    case value_type::time: return value{timestamp{timestamp::duration{std::bit_cast<std::int64_t>(e.payload)}}};
    case value_type::text:
    case value_type::binary:
    case value_type::uuid: return others_[e.payload];
    default: return value{};
  }
}

void insert_journal::restore(const table_info& table, void* object, position newest) const {
  for (auto p = newest; p != none; p = at(p - 1).previous) {
    const auto& e = at(p - 1);
    table.columns()[e.ordinal].access->set(object, old_value(e));
  }
}

void insert_journal::truncate(std::size_t mark) noexcept {
  if (mark >= size_) return;
  // The values kept aside for the dropped entries are the last ones: they went in in order.
  for (auto i = mark; i < size_; ++i)
    if (held_aside(at(i).type)) {
      others_.resize(at(i).payload);
      break;
    }
  size_ = mark;  // the blocks stay, for the entries that follow
}

void insert_journal::clear() noexcept {
  blocks_.clear();
  memory_.release();
  others_.clear();
  others_.shrink_to_fit();
  size_ = 0;
}

}  // namespace orca

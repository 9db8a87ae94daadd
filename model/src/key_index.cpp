// The identity map's indexes: open addressing, linear probing, kept at most three quarters
// full (see fits()). The key index takes any capacity (a key's home slot is its hash scaled
// to the capacity), so a reservation gets the slots it needs and no more; the address index
// keeps a power of two. Erasing shifts the rest of a probe run back (no tombstones), so a
// long stream that adds and drops objects never rehashes.
#include "orca/model/key_index.hpp"

#include <algorithm>
#include <bit>

namespace orca {

namespace {

// True if a table of `capacity` slots holds `n` entries within the maximum load of 3/4.
// Half full, the tables of a 300,000-object load took 32 MiB instead of 16 (SQLite P2:
// about a tenth of the peak), and every slot touched first costs a page fault; at 3/4 a
// linear probe that misses reads 8.5 slots on average, two cache lines of 16-byte slots.
constexpr bool fits(std::size_t n, std::size_t capacity) noexcept { return n * 4 <= capacity * 3; }

// The fewest slots (at least 16) that hold `n` entries.
std::size_t slots_for_entries(std::size_t n) noexcept { return std::max<std::size_t>(16, (n * 4 + 2) / 3); }

// The capacity (a power of two, at least 16) that holds `n` entries.
std::size_t capacity_for(std::size_t n) noexcept { return std::bit_ceil(slots_for_entries(n)); }

// Empties slot i of a linear-probing table by backward shift: later entries of the probe run
// move into the hole when their home slot (`home_of`) does not lie (cyclically) between the
// hole and them, so no tombstone is left and every entry stays reachable.
template <class Slots, class IsEmpty, class Home>
void remove_at(Slots& slots, std::size_t i, IsEmpty is_empty, Home home_of) {
  auto next = [n = slots.size()](std::size_t j) { return j + 1 == n ? 0 : j + 1; };
  for (auto j = next(i);; j = next(j)) {
    auto& s = slots[j];
    if (is_empty(s)) break;
    auto home = home_of(s);
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    slots[i] = s;
    i = j;
  }
  slots[i] = {};
}

}  // namespace

const void* key_index::find(const table_info* table, std::int64_t key) const noexcept {
  auto* t = slots_of(table);
  if (t == nullptr) return nullptr;
  if (auto offset = t->offset(key); offset < t->window.size()) {
    auto* found = t->window[offset];
    if (found != nullptr || t->size == 0) return found;
  }
  return find_slot(*t, key);
}

const void* key_index::find_slot(const table_slots& t, std::int64_t key) noexcept {
  if (t.slots.empty()) return nullptr;
  auto n = t.slots.size();
  for (auto i = home(key, n);; i = i + 1 == n ? 0 : i + 1) {
    auto& s = t.slots[i];
    if (s.address == nullptr) return nullptr;
    if (s.key == key) return s.address;
  }
}

key_index::table_slots& key_index::slots_for(const table_info* table) {
  if (auto* t = slots_of(table)) return *t;
  auto& t = tables_.emplace_back();
  t.table = table;
  return t;
}

void key_index::insert(table_slots& t, std::int64_t key, const void* address) {
  auto n = t.slots.size();
  for (auto i = home(key, n);; i = i + 1 == n ? 0 : i + 1) {
    auto& s = t.slots[i];
    if (s.address == nullptr) {
      s = slot{key, address};
      ++t.size;
      return;
    }
    if (s.key == key) {
      s.address = address;
      return;
    }
  }
}

bool key_index::window_takes(table_slots& t, std::int64_t key) noexcept {
  if (t.in_window == 0 && t.size == 0) {
    // Empty: the window (re)starts at this key, sized for the keys announced.
    t.window.clear();
    t.base = key;
    return true;
  }
  if (key < t.base) return false;
  // Grown to the key, the window must stay at least half full.
  auto offset = t.offset(key);
  return t.window.size() <= offset && offset < 2 * (t.in_window + 1);
}

void key_index::put(const table_info* table, std::int64_t key, const void* address) {
  auto& t = slots_for(table);
  auto offset = t.offset(key);
  if (offset >= t.window.size() && window_takes(t, key)) {
    offset = t.offset(key);
    if (t.window.capacity() <= offset) t.window.reserve(std::max({offset + 1, 2 * t.window.capacity(), t.expected}));
    if (offset == t.window.size())
      t.window.push_back(nullptr);  // the usual step: the next key
    else
      t.window.resize(offset + 1, nullptr);
  }
  if (offset < t.window.size()) {
    auto& entry = t.window[offset];
    if (entry == nullptr) {
      if (t.size > 0) erase_slot(t, key, nullptr);  // put in the table before the window reached it
      ++t.in_window;
    }
    entry = address;
    return;
  }
  // Growing one put at a time doubles (a reservation sizes exactly: see reserve()); the first
  // slots are sized for the keys the last reservation announced.
  if (!fits(t.size + 1, t.slots.size()))
    grow(t, std::max({slots_for_entries(t.size + 1), 2 * t.slots.size(), slots_for_entries(t.expected)}));
  t.expected = 0;
  insert(t, key, address);
}

void key_index::erase(const table_info* table, std::int64_t key, const void* address) noexcept {
  auto* found = slots_of(table);
  if (found == nullptr) return;
  auto& t = *found;
  if (auto offset = t.offset(key); offset < t.window.size() && t.window[offset] != nullptr) {
    if (address != nullptr && t.window[offset] != address) return;
    t.window[offset] = nullptr;
    --t.in_window;
    return;
  }
  erase_slot(t, key, address);
}

void key_index::erase_slot(table_slots& t, std::int64_t key, const void* address) noexcept {
  if (t.slots.empty()) return;
  auto n = t.slots.size();
  auto i = home(key, n);
  for (;; i = i + 1 == n ? 0 : i + 1) {
    auto& s = t.slots[i];
    if (s.address == nullptr) return;
    if (s.key == key) break;
  }
  if (address != nullptr && t.slots[i].address != address) return;
  remove_at(
      t.slots, i, [](const slot& s) { return s.address == nullptr; }, [n](const slot& s) { return home(s.key, n); });
  --t.size;
}

const void* key_index::find_other(const table_info* table, const key& k) const noexcept {
  auto it = others_.find({table, k});
  return it == others_.end() ? nullptr : it->second;
}

void key_index::erase_other(const table_info* table, const key& k, const void* address) noexcept {
  auto it = others_.find({table, k});
  if (it != others_.end() && (address == nullptr || it->second == address)) others_.erase(it);
}

void key_index::reserve(const table_info* table, std::size_t n) {
  auto& t = slots_for(table);
  // The window gets the room (only its address space: nothing is touched before its keys
  // come); table slots are made when a key comes that the window does not take, sized
  // exactly: 200,000 keys take 266,667 slots (4.3 MB), where a power of two took 524,288.
  if (t.in_window > 0 && t.window.capacity() < t.window.size() + n)
    t.window.reserve(std::max(t.window.size() + n, 2 * t.window.capacity()));
  if (t.slots.empty())
    t.expected = n;
  else if (!fits(t.size + n, t.slots.size()))
    grow(t, slots_for_entries(t.size + n));
}

void key_index::clear() noexcept {
  tables_.clear();
  others_.clear();
}

std::size_t key_index::size() const noexcept {
  auto n = others_.size();
  for (auto& t : tables_) n += t.size + t.in_window;
  return n;
}

void key_index::grow(table_slots& t, std::size_t capacity) {
  decltype(t.slots) old(capacity);
  old.swap(t.slots);
  t.size = 0;
  for (auto& s : old)
    if (s.address != nullptr) insert(t, s.key, s.address);
}

void address_index::put(const void* address, void* target) { entry(address) = target; }

void*& address_index::entry(const void* address) {
  if (!fits(size_ + 1, slots_.size())) grow(capacity_for(size_ + 1));
  auto mask = slots_.size() - 1;
  for (auto i = hash(address) & mask;; i = (i + 1) & mask) {
    auto& s = slots_[i];
    if (s.address == address) return s.target;
    if (s.address == nullptr) {
      s.address = address;
      ++size_;
      return s.target;
    }
  }
}

void address_index::erase(const void* address) noexcept {
  if (slots_.empty()) return;
  auto mask = slots_.size() - 1;
  auto i = hash(address) & mask;
  while (slots_[i].address != address) {
    if (slots_[i].address == nullptr) return;
    i = (i + 1) & mask;
  }
  remove_at(
      slots_, i, [](const slot& s) { return s.address == nullptr; },
      [mask](const slot& s) { return hash(s.address) & mask; });
  --size_;
}

void address_index::reserve(std::size_t n) {
  if (!fits(size_ + n, slots_.size())) grow(capacity_for(size_ + n));
}

void address_index::grow(std::size_t capacity) {
  decltype(slots_) old(capacity);
  old.swap(slots_);
  size_ = 0;
  for (auto& s : old)
    if (s.address != nullptr) put(s.address, s.target);
}

}  // namespace orca

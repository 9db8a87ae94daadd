// orca::uuid: text form and random generation.
#include "orca/drivers/uuid.hpp"

#include <random>

#include "hex.hpp"
#include "orca/drivers/error.hpp"

namespace orca {

uuid uuid::random_v4() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
    return std::mt19937_64{seed};
  }()};
  uuid result;
  for (std::size_t i = 0; i < 16; i += 8) {
    auto bits = generator();
    for (std::size_t j = 0; j < 8; ++j) result.bytes[i + j] = static_cast<std::uint8_t>(bits >> (8 * j));
  }
  result.bytes[6] = static_cast<std::uint8_t>((result.bytes[6] & 0x0f) | 0x40);  // version 4
  result.bytes[8] = static_cast<std::uint8_t>((result.bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  return result;
}

std::optional<uuid> uuid::parse(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  bool hyphens = text.size() == 36;
  if (!hyphens && text.size() != 32) return std::nullopt;
  uuid result;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (hyphens && (pos == 8 || pos == 13 || pos == 18 || pos == 23)) {
      if (text[pos] != '-') return std::nullopt;
      ++pos;
    }
    int high = drivers::detail::hex_digit(text[pos]), low = drivers::detail::hex_digit(text[pos + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    result.bytes[i] = static_cast<std::uint8_t>(high << 4 | low);
    pos += 2;
  }
  return result;
}

uuid uuid::from_string(std::string_view text) {
  if (auto parsed = parse(text)) return *parsed;
  throw error(errc::invalid_argument, "'" + std::string{text.substr(0, 60)} + "' is not a UUID");
}

bool uuid::is_nil() const noexcept {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

std::string to_string(const uuid& x) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += hex[x.bytes[i] >> 4];
    text += hex[x.bytes[i] & 0xf];
  }
  return text;
}

}  // namespace orca

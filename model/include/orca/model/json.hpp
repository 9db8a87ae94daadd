// orca::json: a JSON document held as text, mapped to PostgreSQL's jsonb and SQLite's TEXT.
// Used as a member type by mapped classes (value_traits.hpp converts it).
#pragma once

#include <string>

namespace orca {

/// A JSON document as text. orca does not parse it; PostgreSQL checks and normalises it
/// (jsonb), SQLite stores it verbatim (see docs/values.md).
struct json {
  std::string text;
  friend bool operator==(const json&, const json&) = default;
};

}  // namespace orca

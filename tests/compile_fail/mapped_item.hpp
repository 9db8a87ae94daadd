// A mapped class for the compile-fail checks of typed comparisons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <orca/orca.hpp>

struct item {
  std::int64_t id = 0;
  std::optional<std::string> data;
};

inline void orca_table(orca::table_builder<item>& t) {
  t.table("item");
  t.column("id", &item::id).primary_key();
  t.column("data", &item::data);
}

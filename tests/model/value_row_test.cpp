// Tests of orca::value_row, the snapshot row of the identity map: values inline up to four,
// on the heap beyond, and a cleared row's values kept for the next one.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "orca/model/value_row.hpp"

namespace value_row_test {

using orca::value;
using orca::value_row;

std::vector<value> row_of(std::size_t n) {
  std::vector<value> values;
  for (std::size_t i = 0; i < n; ++i)
    values.emplace_back(i % 2 == 0 ? value{static_cast<std::int64_t>(i)}
                                   : value{std::string(40, static_cast<char>('a' + i))});
  return values;
}

TEST_CASE("value_row keeps the values it is given, inline or on the heap", "[model][value_row]") {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, value_row::inline_values, value_row::inline_values + 1, std::size_t{11}}) {
    auto values = row_of(n);
    value_row row{values};
    REQUIRE(row.size() == n);
    CHECK(row.to_vector() == values);

    value_row copied{row};
    CHECK(copied == row);
    value_row moved{std::move(copied)};
    CHECK(moved.to_vector() == values);
    CHECK(copied.empty());  // NOLINT(bugprone-use-after-move): a moved-from row is empty

    value_row assigned;
    assigned = moved;
    CHECK(assigned.to_vector() == values);
    value_row move_assigned{row_of(2)};
    move_assigned = std::move(assigned);
    CHECK(move_assigned.to_vector() == values);
  }
}

TEST_CASE("value_row grows from inline to heap with its values", "[model][value_row]") {
  value_row row;
  row.resize(3);
  row[0] = value{std::int64_t{7}};
  row[2] = value{std::string{"kept across the move to the heap"}};
  row.resize(9);
  REQUIRE(row.size() == 9);
  CHECK(row[0] == value{std::int64_t{7}});
  CHECK(row[1].is_null());
  CHECK(row[2] == value{std::string{"kept across the move to the heap"}});
  for (std::size_t i = 3; i < 9; ++i) CHECK(row[i].is_null());
}

TEST_CASE("a cleared value_row is empty, and resize() gives NULLs where old values were", "[model][value_row]") {
  value_row row{row_of(6)};
  row.clear();
  CHECK(row.empty());
  CHECK(row == value_row{});
  row.resize(6);
  for (auto& x : row) CHECK(x.is_null());
}

TEST_CASE("reuse() hands back the cleared values, whose buffers a copy writes into", "[model][value_row]") {
  value_row row{row_of(3)};
  const auto* buffer = row[1].as_text().data();
  row.clear();
  row.reuse(3);
  REQUIRE(row.size() == 3);
  const value other{std::string(40, 'z')};
  row[1] = other;  // a text copied over a kept text that has room: no new buffer
  CHECK(row[1] == other);
  CHECK(row[1].as_text().data() == buffer);
  row.assign(row_of(3));
  CHECK(row.to_vector() == row_of(3));
}

}  // namespace value_row_test

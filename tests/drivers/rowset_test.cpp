// orca::drivers::rowset keeps its cells in chunks: rows that straddle two chunks, a result
// many chunks long, reuse after clear_rows() and copies all read back cell by cell.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "orca/drivers/rowset.hpp"

using orca::value;
using orca::drivers::rowset;

namespace {

// Rows of (i, "row i", i * 0.5): three columns, so rows straddle the chunk boundaries.
void fill(rowset& rows, std::int64_t from, std::int64_t to) {
  for (auto i = from; i < to; ++i) {
    rows.push(value{i});
    rows.push(value{"row " + std::to_string(i)});
    rows.push(value{static_cast<double>(i) * 0.5});
  }
}

void check_rows(const rowset& rows, std::int64_t from, std::int64_t count) {
  REQUIRE(rows.size() == static_cast<std::size_t>(count));
  for (std::int64_t r = 0; r < count; ++r) {
    auto i = from + r;
    auto row = static_cast<std::size_t>(r);
    REQUIRE(rows.at(row, 0) == value{i});
    REQUIRE(rows.at(row, 1) == value{"row " + std::to_string(i)});
    REQUIRE(rows.at(row, 2) == value{static_cast<double>(i) * 0.5});
  }
}

}  // namespace

TEST_CASE("a rowset many chunks long reads back every cell in place", "[drivers][rowset]") {
  rowset rows({"id", "name", "half"});
  CHECK(rows.empty());
  auto n = static_cast<std::int64_t>(rowset::chunk_cells);  // 3 columns: three chunks' worth of rows
  fill(rows, 0, n);
  check_rows(rows, 0, n);
  CHECK(!rows.empty());

  SECTION("moved out and written in place") {
    rows.at(static_cast<std::size_t>(n - 1), 1) = value{"last"};
    CHECK(rows.at(static_cast<std::size_t>(n - 1), 1) == value{"last"});
    CHECK(rows.at(static_cast<std::size_t>(n - 2), 1) == value{"row " + std::to_string(n - 2)});
  }
  SECTION("copied") {
    auto copy = rows;
    check_rows(copy, 0, n);
  }
  SECTION("cleared and filled again, after a reservation") {
    rows.clear_rows();
    CHECK(rows.empty());
    CHECK(rows.size() == 0);
    CHECK(rows.width() == 3);
    rows.reserve_rows(5000);
    fill(rows, 100, 5100);
    check_rows(rows, 100, 5000);
  }
}

TEST_CASE("a one-row rowset and an empty one", "[drivers][rowset]") {
  rowset rows({"x"});
  CHECK(rows.size() == 0);
  rows.push(value{});
  CHECK(rows.size() == 1);
  CHECK(rows.at(0, 0).is_null());
  rowset none;
  CHECK(none.size() == 0);
  CHECK(none.empty());
}

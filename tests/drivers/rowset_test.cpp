// orca::drivers::rowset keeps its cells in chunks: rows that straddle two chunks, a result
// many chunks long, reuse after clear_rows() and copies all read back cell by cell; every
// kind of value reads back from its 16-byte cell, inline or out of line.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orca/drivers/error.hpp"
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
  // 3 columns: the first chunk, two later ones and part of a third.
  auto n = static_cast<std::int64_t>((rowset::chunk_cells + 2 * rowset::later_chunk_cells) / 3 + 1);
  fill(rows, 0, n);
  check_rows(rows, 0, n);
  CHECK(!rows.empty());

  SECTION("written in place") {
    rows.set(static_cast<std::size_t>(n - 1), 1, value{"last"});
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

TEST_CASE("a rowset's cells read back every kind of value, on both sides of the inline limit", "[drivers][rowset]") {
  using orca::blob;
  using orca::timestamp;
  using orca::value_type;
  std::string fits(orca::drivers::cell::inline_bytes, 'x');  // held in the cell
  std::string spills = fits + "y";                           // held in the rowset's blocks
  std::string large(100'000, 'z');                           // a block of its own
  auto at = timestamp{std::chrono::microseconds{1'764'000'000'123'456}};
  orca::uuid id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(i * 7);
  blob bytes{{0, 1, 2, 255, 0}};
  blob long_bytes{std::vector<std::uint8_t>(40, 9)};
  std::vector<value> values{value{},      value{std::int64_t{-5}},
                            value{2.5},   value{true},
                            value{false}, value{at},
                            value{fits},  value{spills},
                            value{large}, value{std::string{}},
                            value{bytes}, value{long_bytes},
                            value{id},    value{std::int64_t{1} << 62}};
  rowset rows({"v"});
  for (auto& x : values) rows.push(x);
  REQUIRE(rows.size() == values.size());
  for (std::size_t r = 0; r < values.size(); ++r) {
    INFO("row " << r);
    CHECK(rows.at(r, 0) == values[r]);
    CHECK(rows.cell_at(r, 0).type() == values[r].type());
  }
  CHECK(rows.cell_at(6, 0).bytes() == fits);
  CHECK(rows.cell_at(7, 0).bytes() == spills);
  CHECK(rows.cell_at(8, 0).bytes() == large);
  CHECK(rows.cell_at(1, 0).as_integer() == -5);
  CHECK(rows.cell_at(3, 0).as_integer() == 1);  // a boolean reads as 0/1, as value::as_integer()
  CHECK_THROWS_AS(rows.cell_at(6, 0).as_integer(), orca::error);

  SECTION("the typed appends make the cells push(value) makes") {
    rowset typed({"v"});
    typed.push_null();
    typed.push_integer(-5);
    typed.push_real(2.5);
    typed.push_boolean(true);
    typed.push_boolean(false);
    typed.push_time(at);
    typed.push_text(fits);
    typed.push_text(spills);
    typed.push_text(large);
    typed.push_text("");
    typed.push_blob(bytes.bytes.data(), bytes.bytes.size());
    typed.push_blob(long_bytes.bytes.data(), long_bytes.bytes.size());
    typed.push_uuid(id);
    typed.push_integer(std::int64_t{1} << 62);
    REQUIRE(typed.size() == values.size());
    for (std::size_t r = 0; r < values.size(); ++r) CHECK(typed.at(r, 0) == values[r]);
    typed.push_blob("", 0);
    CHECK(typed.at(values.size(), 0) == value{blob{}});
  }
  SECTION("a copy keeps its own bytes once the original is gone") {
    auto copy = std::make_unique<rowset>(rows);
    rows = rowset{};
    for (std::size_t r = 0; r < values.size(); ++r) CHECK(copy->at(r, 0) == values[r]);
    rowset assigned;
    assigned = *copy;
    copy.reset();
    for (std::size_t r = 0; r < values.size(); ++r) CHECK(assigned.at(r, 0) == values[r]);
  }
  SECTION("cells pushed into another rowset are copied with their bytes") {
    rowset other({"v"});
    for (std::size_t r = 0; r < rows.size(); ++r) other.push(rows.cell_at(r, 0));
    rows.clear_rows();
    rows.push_text("overwrites the blocks the first rows used, if they were still shared");
    for (std::size_t r = 0; r < values.size(); ++r) CHECK(other.at(r, 0) == values[r]);
  }
  SECTION("a value written in place replaces the cell") {
    rows.set(0, 0, value{spills});
    rows.set(7, 0, value{std::int64_t{3}});
    CHECK(rows.at(0, 0) == value{spills});
    CHECK(rows.at(7, 0) == value{std::int64_t{3}});
    CHECK(rows.at(8, 0) == value{large});
  }
}

// The tables the SQLite writer processes fill (tests/support/sqlite_writer_main.cpp) and
// the multi-process fault tests check from outside (tests/actors/sqlite_process_fault_test.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "orca/orca.hpp"

namespace sqlite_writer {

/// One committed transaction of a writer: its number and how many batch_row rows it wrote.
struct batch {
  std::int64_t id = 0;
  std::int64_t writer = 0;
  std::int64_t number = 0;
  std::int64_t rows = 0;
};

/// One of the rows a batch wrote in the same transaction.
struct batch_row {
  std::int64_t id = 0;
  std::int64_t writer = 0;
  std::int64_t batch = 0;
  std::int64_t position = 0;
  std::string payload;
};

/// A row the writers share: incremented by an update expression or read-modify-write.
struct counter {
  std::int64_t id = 0;
  std::int64_t value = 0;
  std::int64_t version = 0;
};

inline void orca_table(orca::table_builder<batch>& t) {
  t.table("batch");
  t.column("id", &batch::id).primary_key();
  t.column("writer", &batch::writer);
  t.column("number", &batch::number);
  t.column("rows", &batch::rows);
}

inline void orca_table(orca::table_builder<batch_row>& t) {
  t.table("batch_row");
  t.column("id", &batch_row::id).primary_key();
  t.column("writer", &batch_row::writer);
  t.column("batch", &batch_row::batch);
  t.column("position", &batch_row::position);
  t.column("payload", &batch_row::payload);
}

inline void orca_table(orca::table_builder<counter>& t) {
  t.table("counter");
  t.column("id", &counter::id).primary_key();
  t.column("value", &counter::value);
  t.column("version", &counter::version).version();
}

/// The counter the update-expression writers increment.
constexpr std::int64_t shared_counter = 1;
/// The counter the read-modify-write writers increment through its version column.
constexpr std::int64_t versioned_counter = 2;

}  // namespace sqlite_writer

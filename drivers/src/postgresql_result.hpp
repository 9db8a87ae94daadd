// Reading libpq results into orca rowsets, and turning failed results into orca::error.
// Used by postgresql_connection, postgresql_cursor and the pipeline runner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "orca/drivers/error.hpp"
#include "orca/drivers/rowset.hpp"
#include "message_text.hpp"
#include "postgresql_types.hpp"

namespace orca::drivers::postgresql {

using drivers::one_line;

/// True for a result that reports success (command done, rows, or an empty query).
bool succeeded(const PGresult* result) noexcept;

/// Appends the rows of a result to `out`, converting each cell by its column's type OID
/// (int2/4/8 and oid: integer; float4/8 and numeric: real; bool; bytea: blob;
/// timestamp/timestamptz: timestamp in UTC; anything else: text). Sets the columns first
/// if `out` has none. Columns in binary format (see binary_decodable) give the same values
/// as the same columns in text.
void append_rows(const PGresult* result, rowset& out);

/// True if every column of the result has a type whose binary form append_rows() reads
/// to the same value as its text form: int2/4/8, oid, float4/8, bool, bytea, text, varchar,
/// char(n), name, json, timestamp, timestamptz, uuid. A statement whose first result says
/// so asks for binary results from then on: nothing to format on the server, nothing to
/// parse here.
bool binary_decodable(const PGresult* result) noexcept;

/// A new rowset with the result's rows and, for INSERT/UPDATE/DELETE/MERGE/COPY, the
/// affected-row count.
rowset to_rowset(const PGresult* result);

/// The rows an INSERT/UPDATE/DELETE/MERGE/COPY changed (PQcmdTuples); 0 for anything else,
/// SELECT included.
std::int64_t affected_rows(const PGresult* result) noexcept;

/// Parses PostgreSQL's ISO output of a timestamp ("2026-11-21 12:00:00.123456", with an
/// offset such as "+00" or "-05:30" for timestamptz, years past 9999, " BC" for years
/// before 1) into UTC; nullopt for text it does not cover ("infinity", a date beyond
/// orca::timestamp's range), which is then read as text.
std::optional<timestamp> parse_timestamp_output(std::string_view text) noexcept;

/// The orca::error for a failed result, or for a failed send when `result` is null.
///
/// Code from the SQLSTATE: class 23 constraint_violation (details.constraint from the
/// constraint name, else table[.column]); 40001/40P01 database_busy; 57014 interrupted;
/// class 22 type_mismatch; class 08 or a connection that went bad connection_lost with
/// connection_poisoned; else statement_error. The message is the server's primary
/// message and its detail; details.sql is `sql`.
orca::error make_error(PGconn* conn, const PGresult* result, std::string_view sql);

/// Returns the result if it succeeded; otherwise throws make_error().
result_ptr check(PGconn* conn, result_ptr result, std::string_view sql);

}  // namespace orca::drivers::postgresql

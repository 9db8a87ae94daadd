// parameter_buffer: orca::params laid out as the arrays libpq's PQsend*/PQexec* calls take.
// Used by postgresql_connection and postgresql_cursor for every statement they send.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "orca/drivers/value.hpp"
#include "postgresql_types.hpp"

namespace orca::drivers::postgresql {

/// One statement's parameters in libpq's form. A connection keeps one and rebinds it for
/// every statement, so that binding allocates nothing once its vectors have grown.
///
/// Scalars go in text format (exact, and the server converts them to whatever the
/// statement needs); blobs go in binary format (no escaping). Integers, reals, booleans,
/// blobs and timestamps are typed (int8, float8, bool, bytea, timestamp) so that
/// `$1 IN (...)` and overloaded operators resolve; text and NULL are left for the server
/// to infer, so text fits any column type. The pointers stay valid until the next bind()
/// or until the bound params change.
class parameter_buffer {
public:
  /// Lays out `parameters`; text and blob values are pointed to, not copied.
  void bind(const params& parameters);

  /// Number of parameters bound.
  int count() const noexcept { return static_cast<int>(values_.size()); }
  /// Types to send (oid::unspecified for text and NULL).
  const Oid* types() const noexcept { return types_.data(); }
  /// The types as the statement cache compares them: like types() but oid::any for NULL.
  std::span<const Oid> signature() const noexcept { return signature_; }
  /// Parameter values (nullptr for NULL).
  const char* const* values() const noexcept { return values_.data(); }
  /// Lengths (read for binary values only).
  const int* lengths() const noexcept { return lengths_.data(); }
  /// Formats: 0 text, 1 binary.
  const int* formats() const noexcept { return formats_.data(); }

private:
  std::vector<Oid> types_;
  std::vector<Oid> signature_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<std::array<char, 48>> scratch_;  ///< text of numbers and timestamps
};

/// Writes "YYYY-MM-DD HH:MM:SS.ffffff", the input format every DateStyle accepts, for `day`
/// days after 1970-01-01 and `micros` microseconds into it (within [0, 86,400,000,000)), and
/// a terminating NUL; returns the length (at most 40). Years past 9999 take more digits;
/// years before 1 are written as PostgreSQL spells them, with " BC" (year 0 is 1 BC).
std::size_t format_day_time(char* out, std::int64_t day, std::int64_t micros) noexcept;

/// The type a value is sent as: oid::any for NULL, oid::unspecified for text.
Oid parameter_type(const value& x) noexcept;

/// The parameter types of a statement run with many parameter sets: for each slot, the
/// type of the first set in which it is not NULL.
std::vector<Oid> common_signature(const std::vector<params>& sets);

}  // namespace orca::drivers::postgresql

// libpq handles and type OIDs shared by the files of the PostgreSQL backend.
// Private to drivers/src: nothing outside the backend sees libpq.
#pragma once

#include <memory>

#include <libpq-fe.h>

namespace orca::drivers::postgresql {

/// Frees a PGresult.
struct result_deleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};

/// An owned PGresult.
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

/// The built-in type OIDs orca binds and reads (fixed in pg_type.dat, the same on every server).
namespace oid {
inline constexpr Oid unspecified = 0;  ///< let the server infer the parameter's type
inline constexpr Oid boolean = 16;
inline constexpr Oid bytea = 17;
inline constexpr Oid int8 = 20;
inline constexpr Oid int2 = 21;
inline constexpr Oid int4 = 23;
inline constexpr Oid object_id = 26;
inline constexpr Oid float4 = 700;
inline constexpr Oid float8 = 701;
inline constexpr Oid timestamp = 1114;
inline constexpr Oid timestamptz = 1184;
inline constexpr Oid numeric = 1700;
/// Not a real type: marks a NULL parameter, which fits a statement prepared with any type.
inline constexpr Oid any = ~Oid{0};
}  // namespace oid

}  // namespace orca::drivers::postgresql

// Owned libpq handles and the type OIDs shared by the files of the PostgreSQL backend.
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

/// Closes a PGconn.
struct connection_closer {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};

/// An owned PGconn.
using connection_ptr = std::unique_ptr<PGconn, connection_closer>;

/// The built-in type OIDs orca binds and reads (fixed in pg_type.dat, the same on every server).
namespace oid {
inline constexpr Oid unspecified = 0;     ///< let the server infer the parameter's type
inline constexpr Oid boolean = 16;        ///< bool
inline constexpr Oid bytea = 17;          ///< bytea
inline constexpr Oid name = 19;           ///< name
inline constexpr Oid int8 = 20;           ///< bigint
inline constexpr Oid int2 = 21;           ///< smallint
inline constexpr Oid int4 = 23;           ///< integer
inline constexpr Oid text = 25;           ///< text
inline constexpr Oid object_id = 26;      ///< oid
inline constexpr Oid json = 114;          ///< json
inline constexpr Oid float4 = 700;        ///< real
inline constexpr Oid float8 = 701;        ///< double precision
inline constexpr Oid bpchar = 1042;       ///< character(n)
inline constexpr Oid varchar = 1043;      ///< character varying
inline constexpr Oid timestamp = 1114;    ///< timestamp without time zone
inline constexpr Oid timestamptz = 1184;  ///< timestamp with time zone
inline constexpr Oid numeric = 1700;      ///< numeric
inline constexpr Oid uuid = 2950;         ///< uuid
/// Not a real type: marks a NULL parameter, which fits a statement prepared with any type.
inline constexpr Oid any = ~Oid{0};
}  // namespace oid

}  // namespace orca::drivers::postgresql

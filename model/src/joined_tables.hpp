// The tables of a statement with joinedload options: the statement's own class and each
// relationship joined to it, with the alias and the columns each one has in a row. The
// compiler writes the joins from it and the loader reads the rows with it, so both agree.
// Private to the model library (compiler.cpp, joined_loading.cpp, session_streams.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "orca/model/result_sink.hpp"
#include "orca/model/select.hpp"

namespace orca::detail {

/// One table of the FROM: the statement's class (first) or a relationship joined to an
/// earlier entry.
struct joined_table {
  const table_info* table = nullptr;
  const relationship_info* relationship = nullptr;  ///< null for the statement's class
  std::size_t parent = 0;                           ///< the entry it is joined to
  std::size_t offset = 0;                           ///< its first column in a row
  std::string alias;                                ///< "posts_1"; the statement's class keeps its table name
};

/// The entries of `spec`, parents before their joins (none joined: only the statement's
/// class). Throws invalid_argument for an option that is not a relationship of the class
/// it follows, a joinedload nested under a selectinload, or a relationship whose key is
/// composite.
std::vector<joined_table> joined_tables(const select_spec& spec);

/// True if any joinedload of `spec` (at any depth) is a collection: a parent then spans
/// several rows.
bool joins_collection(const select_spec& spec);

/// True if `spec` has a joinedload at the top level.
bool has_joined_loads(const select_spec& spec);

/// The objects `rel` holds for `owners` (each once), as loaded: the items of collections,
/// the targets of references.
std::vector<object_ref> related_of(const relationship_info& rel, object_span owners);

}  // namespace orca::detail

// statement_cache: the per-connection LRU of server-side prepared statements, keyed by SQL.
// Used by postgresql_connection, which sends the PREPARE and DEALLOCATE it asks for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "postgresql_types.hpp"

namespace orca::drivers::postgresql {

/// A statement the connection prepares (or has prepared) under a generated name.
struct prepared_statement {
  /// Where the statement is on the server.
  enum class state : std::uint8_t {
    unprepared,  ///< added to the cache; nothing sent yet
    preparing,   ///< PREPARE is queued in the pipeline being built
    prepared,    ///< the server holds it under `name`
  };

  std::string sql;         ///< the SQL text, the cache key
  std::string name;        ///< "orca_<n>", unique for the connection's lifetime
  std::vector<Oid> types;  ///< parameter types it is prepared with (0: inferred)
  state where = state::unprepared;
  /// Its results come in binary: its first result (in text) showed only column types that
  /// read the same in binary (binary_decodable).
  bool binary_results = false;
};

/// An LRU cache of prepared statements. Bookkeeping only: it never talks to the server.
///
/// find() and add() never evict, so that every entry a pipeline refers to stays alive
/// while the pipeline is built and run; trim() evicts afterwards, and the names of evicted
/// statements the server holds are kept for the connection to DEALLOCATE.
class statement_cache {
public:
  /// A cache keeping up to `capacity` statements (0: the connection prepares unnamed).
  explicit statement_cache(std::size_t capacity) : capacity_(capacity) {}

  /// The entry for `sql` if it was prepared with types that fit `signature` (equal, or
  /// oid::any for a NULL parameter), made most recent; nullptr otherwise.
  prepared_statement* find(std::string_view sql, std::span<const Oid> signature);
  /// A new unprepared entry for `sql` with types from `signature`; replaces an entry for the
  /// same SQL prepared with other types (keeping its types where `signature` says any).
  prepared_statement& add(std::string_view sql, std::span<const Oid> signature);
  /// Drops an entry; if the server holds it, its name is queued for DEALLOCATE.
  void erase(prepared_statement& entry);
  /// Drops an entry the server no longer holds (it forgot it, or it was never prepared).
  void forget(prepared_statement& entry);
  /// Forgets every entry without DEALLOCATE (after DISCARD ALL / DEALLOCATE ALL).
  void clear() noexcept;
  /// Evicts the least recently used entries beyond capacity, and those add() replaced.
  void trim();

  /// `DEALLOCATE <name>` statements still to send; the connection removes those it sent.
  std::vector<std::string>& pending_deallocations() noexcept { return pending_; }
  /// The number of statements kept.
  std::size_t capacity() const noexcept { return capacity_; }
  /// The number of statements cached now.
  std::size_t size() const noexcept { return index_.size(); }

private:
  using entry_list = std::list<prepared_statement>;

  std::size_t capacity_;
  std::uint64_t next_name_ = 0;
  entry_list entries_;                                                ///< most recently used first
  std::unordered_map<std::string_view, entry_list::iterator> index_;  ///< keys view entry.sql
  entry_list retired_;                                                ///< replaced by add(), alive until trim()
  std::vector<std::string> pending_;
};

}  // namespace orca::drivers::postgresql

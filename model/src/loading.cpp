// Loading: a SELECT's rows merged into the identity map as objects (one per key), and a
// stream's batches, whose new objects join the map when the batch settles. The eager loads
// that follow are in selectin_loading.cpp.
#include "orca/model/loading.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "orca/drivers/error.hpp"
#include "joined_tables.hpp"
#include "orca/model/compiler.hpp"
#include "relationship_sync.hpp"
#include "row_loading.hpp"

namespace orca {

namespace {

bool is_eager(const select_spec* spec, const relationship_info& rel) {
  if (spec == nullptr) return false;
  return std::any_of(spec->loaders.begin(), spec->loaders.end(), [&](const loader_option& o) {
    return o.relationship == &rel && o.what == loader_option::kind::selectin;
  });
}

// The object the session has for a row's key: its columns are loaded again if it is
// expired (or `overwrite`), else it keeps its own.
object_ref merge_into_existing(identity_map& objects, object_record& record, const table_info& table,
                               const drivers::rowset& rows, std::size_t r, std::size_t offset, bool overwrite);

}  // namespace

namespace detail {

// Sets the object's columns from one row and its record's snapshot. A cell the member holds
// exactly goes from the row to the member and the snapshot, with no orca::value between;
// any other is converted by the member's load(), which leaves it in the member's canonical
// form for the snapshot. The primary key's values go to the member only: the record's key
// holds them. Without a record, the members alone (a deferred stream object's).
void load_columns(const table_info& table, void* object, const drivers::rowset& rows, std::size_t row,
                  std::size_t offset, identity_map& objects, object_record* record) {
  value x;  // one scratch value for every converted column: a text column reuses its buffer
  for (auto& c : table.columns()) {
    try {
      auto& cell = rows.cell_at(row, offset + c.ordinal);
      if (c.primary_key) {
        if (!c.access->load_cell(object, cell)) c.access->set(object, cell.to_value());
      } else if (c.access->load_cell(object, cell)) {
        if (record != nullptr) objects.set_snapshot(*record, table.snapshot_slot(c.ordinal), cell);
      } else {
        x = cell.to_value();
        c.access->load(object, x);
        if (record != nullptr) objects.set_snapshot(*record, table.snapshot_slot(c.ordinal), x);
      }
    } catch (const error& e) {
      throw error(errc::type_mismatch, "cannot load column " + table.name() + "." + c.name + " into " +
                                           table.class_name() + ": " + e.message());
    }
  }
}

}  // namespace detail

namespace {

object_ref merge_into_existing(identity_map& objects, object_record& record, const table_info& table,
                               const drivers::rowset& rows, std::size_t r, std::size_t offset, bool overwrite) {
  auto object = record.lock();
  if (record.expired || overwrite) {
    detail::load_columns(table, object.get(), rows, r, offset, objects, &record);
    record.expired = false;
  }
  return {&table, std::move(object)};
}

}  // namespace

plan<std::vector<object_ref>> loader::load(select_spec spec, const drivers::dialect& dialect) {
  auto sink = std::make_shared<object_list_sink>(spec.table);
  co_await load_into(std::move(spec), dialect, sink);
  co_return std::move(sink->objects);
}

plan<void> loader::load_into(select_spec spec, const drivers::dialect& dialect, std::shared_ptr<result_sink> sink) {
  auto statement = sql::compile_select(spec, dialect);
  io::execute query{std::move(statement.text), std::move(statement.parameters)};
  auto rows = co_await query;
  if (detail::has_joined_loads(spec)) {
    auto objects = merge_result(spec, rows);  // each object once, however many rows repeat it
    sink->reserve(objects.size());
    for (auto& o : objects) sink->push(std::move(o.object));
  } else {
    // Straight into the sink: no list of object_refs beside it (whose heap block, freed
    // later, would stay resident through the eager loads).
    sink->reserve(rows.size());
    merge_each(*spec.table, rows, &spec, false, [&](object_ref&& o) { sink->push(std::move(o.object)); });
  }
  rows = {};  // merged: freed before the eager loads bring their own rows
  co_await load_relationships(spec, object_span{*sink}, dialect);
}

std::vector<object_ref> loader::load(drivers::connection& connection, const select_spec& spec) {
  return drive(load(spec, connection.sql_dialect()), connection);
}

std::vector<object_ref> loader::merge(const table_info& table, const drivers::rowset& rows, const select_spec* spec,
                                      bool overwrite) {
  std::vector<object_ref> result;
  result.reserve(rows.size());
  merge_each(table, rows, spec, overwrite, [&](object_ref&& o) { result.push_back(std::move(o)); });
  return result;
}

template <class Take>
void loader::merge_each(const table_info& table, const drivers::rowset& rows, const select_spec* spec, bool overwrite,
                        Take&& take) {
  objects_.reserve(table, rows.size());  // one growth of the indexes, not a rehash every doubling
  // The identity map's lookups of a large load miss the cache: each row's slot is fetched
  // a few rows ahead, so that the misses overlap instead of following one another.
  constexpr std::size_t ahead = 8;
  auto key_column = table.has_integer_key() ? std::optional<std::size_t>{table.primary_key().ordinal} : std::nullopt;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (key_column && r + ahead < rows.size()) {
      auto& next = rows.cell_at(r + ahead, *key_column);
      if (next.type() == value_type::integer) objects_.prefetch(table, next.integer());
    }
    take(merge_row(table, rows, r, 0, spec, overwrite));
  }
}

object_ref loader::merge_row(const table_info& table, const drivers::rowset& rows, std::size_t r, std::size_t offset,
                             const select_spec* spec, bool overwrite) {
  auto key = table.key_from([&](std::size_t c) -> const drivers::cell& { return rows.cell_at(r, offset + c); });
  if (auto* record = objects_.find(table, key))
    return merge_into_existing(objects_, *record, table, rows, r, offset, overwrite);
  // One object_ref for the record and the result: a copy of the pointer costs two atomic
  // operations per row (SQLite P3: a tenth of orca's time).
  object_ref loaded{&table, new_object(table, rows, r, offset, spec, key)};
  auto& record = objects_.add_persistent(loaded, std::move(key));
  try {
    detail::load_columns(table, loaded.object.get(), rows, r, offset, objects_, &record);
  } catch (...) {
    objects_.erase(loaded.object.get());
    throw;
  }
  return loaded;
}

std::shared_ptr<void> loader::new_object(const table_info& table, const drivers::rowset& rows, std::size_t r,
                                         std::size_t offset, const select_spec* spec, const key& k) {
  auto object = table.create(objects_.slabs());
  for (auto& rel : table.relationships()) {
    if (auto* write_only = rel.write_only())
      write_only->bind(object.get(), rel, k.part(0), objects_.write_only_changed());
    else if (rel.loading == lazy::noload || is_eager(spec, rel))
      continue;
    else if (auto* collection = rel.any_collection())
      collection->set_unloaded(object.get(), rel);
    else if (!rows.cell_at(r, offset + rel.foreign_key).is_null())  // a NULL foreign key refers to nothing: known
      rel.reference()->set_unloaded(object.get(), rel);
  }
  return object;
}

std::vector<object_ref> loader::merge_streamed(const select_spec& spec, const drivers::rowset& rows) {
  object_slabs::bypass streamed{objects_.slabs()};
  return merge_result(spec, rows);
}

std::vector<object_ref> loader::merge_streamed(const select_spec& spec, drivers::rowset&& rows, std::uint64_t stream) {
  // Batches of one class without eager loads defer their new objects' records; joined rows
  // repeat objects, and eager loads look their parents up: those merge as any load.
  if (stream == 0 || !spec.loaders.empty() || detail::has_joined_loads(spec)) return merge_streamed(spec, rows);
  object_slabs::bypass streamed{objects_.slabs()};
  auto& table = *spec.table;
  // The lists first, then the settle that frees the objects dropped: their memory is then
  // still in malloc's fast bins for this batch's objects (a large allocation after the
  // frees would merge them all back first).
  std::vector<object_ref> result;
  result.reserve(rows.size());
  std::vector<identity_map::deferred_object> deferred;
  deferred.reserve(rows.size());
  objects_.settle(stream);  // the batches before, but the one its consumer may be reading
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto key = table.key_from([&](std::size_t c) -> const drivers::cell& { return rows.cell_at(r, c); });
    if (auto* record = objects_.find_recorded(table, key)) {
      result.push_back(merge_into_existing(objects_, *record, table, rows, r, 0, false));
      continue;
    }
    auto object = new_object(table, rows, r, 0, &spec, key);
    if (!table.relationships().empty()) detail::bind_relationships({&table, object});  // (a copy of the pointer)
    detail::load_columns(table, object.get(), rows, r, 0, objects_, nullptr);
    deferred.push_back({object, r});
    result.push_back({&table, std::move(object)});
  }
  objects_.defer(stream, table, std::move(rows), std::move(deferred));
  return result;
}

std::vector<object_ref> object_stream::next(drivers::connection& connection, loader& loader) {
  if (cursor_ == nullptr) return {};
  rows_.clear_rows();
  bool more = cursor_->fetch(batch_size_, rows_);
  auto objects = loader.merge_streamed(spec_, rows_);
  loader.load_relationships(connection, spec_, objects);
  if (!more) close();
  return objects;
}

void object_stream::close() noexcept {
  if (cursor_ != nullptr) {
    cursor_->close();
    cursor_.reset();
  }
}

}  // namespace orca

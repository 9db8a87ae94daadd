// fill_items(): table `item` (support/actor_schema.hpp) filled server-side, on either backend,
// with no objects in the test's process. Used by the stream tests.
#pragma once

#include <cstdint>

#include "orca/orca.hpp"
#include "support/actor_schema.hpp"

namespace actor_test {

/// How n runs against the insertion order: with `descending`, the first row inserted has
/// n = rows, so that only ORDER BY n yields 1, 2, 3, ...
enum class item_order { ascending, descending };

/// Drops and creates table item, then inserts `rows` rows: n from 1 to rows (see
/// item_order), payload 'payload <insertion number>'.
inline void fill_items(orca::drivers::connection& c, std::int64_t rows, item_order order = item_order::ascending) {
  orca::metadata::of<item>().drop_all(c);
  orca::metadata::of<item>().create_all(c);
  bool descending = order == item_order::descending;
  c.begin();
  if (c.sql_dialect().name() == "postgresql")
    c.execute(descending
                  ? "INSERT INTO item (n, payload) SELECT $1 + 1 - g, 'payload ' || g FROM generate_series(1, $1) g"
                  : "INSERT INTO item (n, payload) SELECT g, 'payload ' || g FROM generate_series(1, $1) g",
              {rows});
  else
    c.execute(descending ? "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?1) "
                           "INSERT INTO item (n, payload) SELECT ?1 + 1 - x, 'payload ' || x FROM g"
                         : "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?1) "
                           "INSERT INTO item (n, payload) SELECT x, 'payload ' || x FROM g",
              {rows});
  c.commit();
}

}  // namespace actor_test

// The schema of the actor backend example: one table of orders, each naming its customer.
// Used by the example's actors, its main, orca-demo and the example tests.
#pragma once

#include <cstdint>
#include <string>

#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"

namespace actor_backend {

/// An order a customer placed; amounts are whole cents.
struct order {
  std::int64_t id = 0;
  std::string customer;
  std::int64_t amount_cents = 0;
};

inline void orca_table(orca::table_builder<order>& t) {
  t.table("orders");
  t.column("id", &order::id).primary_key();
  t.column("customer", &order::customer).index();
  t.column("amount_cents", &order::amount_cents);
}

/// The example's tables.
inline orca::metadata metadata() { return orca::metadata::of<order>(); }

}  // namespace actor_backend

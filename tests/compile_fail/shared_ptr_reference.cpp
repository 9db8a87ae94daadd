// Must not compile: a many-to-one member is an orca::reference<Parent>, which can raise
// not_loaded; a std::shared_ptr<Parent> cannot.
#include "mapped_item.hpp"

struct child {
  std::int64_t id = 0;
  std::int64_t item_id = 0;
  std::shared_ptr<item> parent{};
};

void orca_table(orca::table_builder<child>& t) {
  t.table("child");
  t.column("id", &child::id).primary_key();
  t.column("item_id", &child::item_id).foreign_key(&item::id);
  t.relationship("parent", &child::parent, &child::item_id);
}

const orca::table_info& child_table() { return orca::table_of<child>(); }

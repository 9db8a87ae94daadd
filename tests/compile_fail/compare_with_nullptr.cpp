// Must not compile: nullptr is not a value of a text column; NULL is std::nullopt.
#include "mapped_item.hpp"

orca::condition null_pointer() { return orca::col(&item::data) == nullptr; }

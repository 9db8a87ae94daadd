// Must not compile: a floating value compared with an integer column would be truncated
// (7.9 would bind 7).
#include "mapped_item.hpp"

orca::condition truncating() { return orca::col(&item::id) == 7.9; }

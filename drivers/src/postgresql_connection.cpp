// The PostgreSQL backend of drivers::connection on libpq, and open_postgresql(). The class is
// in postgresql_connection_impl.hpp; its calls run as pipelines in postgresql_calls.cpp.
#include "postgresql_connection_impl.hpp"

#include "postgresql_connect.hpp"

namespace orca::drivers {

std::unique_ptr<connection> open_postgresql(const url& target, const connection_options& options) {
  return std::make_unique<postgresql::postgresql_connection>(postgresql::connect_server(target, options), options);
}

}  // namespace orca::drivers

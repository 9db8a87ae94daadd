# Finds orca's dependencies, all from Debian 12 packages (scripts/install-deps.sh).
# libcaf-dev ships no CMake package: CAF is found by cmake/FindCAF.cmake, which the
# installed package carries too (cmake/orcaConfig.cmake.in finds the same list).
find_package(Threads REQUIRED)
find_package(CAF 0.17.6 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
if(ORCA_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()

# Feature detection happens here, once, into one generated header (installed with the others).
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_LIBRARIES PostgreSQL::PostgreSQL)
check_cxx_source_compiles("
  #include <libpq-fe.h>
  int main() { return PQenterPipelineMode(nullptr); }" ORCA_HAVE_PQ_PIPELINE)
unset(CMAKE_REQUIRED_LIBRARIES)
set(ORCA_GENERATED_INCLUDE_DIR ${PROJECT_BINARY_DIR}/generated)
configure_file(${CMAKE_CURRENT_LIST_DIR}/config.hpp.in ${ORCA_GENERATED_INCLUDE_DIR}/orca/config.hpp)

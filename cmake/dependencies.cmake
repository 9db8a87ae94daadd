# Finds orca's dependencies, all from Debian 12 packages (scripts/install-deps.sh).
# libcaf-dev ships no CMake package: CAF is found by hand and version-checked here.
find_package(Threads REQUIRED)

find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY NAMES caf_core REQUIRED)
file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _orca_caf_version REGEX "#define CAF_VERSION [0-9]+")
string(REGEX MATCH "[0-9]+" CAF_VERSION_NUMBER "${_orca_caf_version}")
if(CAF_VERSION_NUMBER LESS 1706 OR CAF_VERSION_NUMBER GREATER_EQUAL 1800)
  message(FATAL_ERROR "orca needs CAF 0.17.x (>= 0.17.6), found ${CAF_VERSION_NUMBER}")
endif()
add_library(CAF::core UNKNOWN IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
target_link_libraries(CAF::core INTERFACE Threads::Threads)

find_package(spdlog 1.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
if(ORCA_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()

# Feature detection happens here, once, into one generated header.
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_LIBRARIES PostgreSQL::PostgreSQL)
check_cxx_source_compiles("
  #include <libpq-fe.h>
  int main() { return PQenterPipelineMode(nullptr); }" ORCA_HAVE_PQ_PIPELINE)
unset(CMAKE_REQUIRED_LIBRARIES)
configure_file(${CMAKE_CURRENT_LIST_DIR}/config.hpp.in
               ${CMAKE_BINARY_DIR}/generated/orca/config.hpp)

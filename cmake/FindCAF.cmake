# FindCAF: the C++ Actor Framework 0.17 as Debian's libcaf-dev installs it (headers and
# libcaf_core, no CMake package). Defines the imported target CAF::core, CAF_FOUND and
# CAF_VERSION (e.g. 0.17.6). Used by orca's build and installed beside orcaConfig.cmake,
# which calls it through find_dependency(CAF). Accepts only 0.17.x: orca uses 0.17's API.
include(FindPackageHandleStandardArgs)
include(CMakeFindDependencyMacro)

find_path(CAF_INCLUDE_DIR caf/config.hpp)
find_library(CAF_CORE_LIBRARY NAMES caf_core)
mark_as_advanced(CAF_INCLUDE_DIR CAF_CORE_LIBRARY)

if(CAF_INCLUDE_DIR)
  # caf/config.hpp: #define CAF_VERSION 1706 (major * 10000 + minor * 100 + patch)
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line REGEX "#define CAF_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _caf_version_number "${_caf_version_line}")
  if(_caf_version_number)
    math(EXPR _caf_major "${_caf_version_number} / 10000")
    math(EXPR _caf_minor "(${_caf_version_number} / 100) % 100")
    math(EXPR _caf_patch "${_caf_version_number} % 100")
    set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
  endif()
endif()

# Any CAF_VERSION_OK other than TRUE fails the search, with the reason in the message.
set(CAF_VERSION_OK TRUE)
if(CAF_VERSION AND (CAF_VERSION VERSION_LESS 0.17.6 OR CAF_VERSION VERSION_GREATER_EQUAL 0.18))
  set(CAF_VERSION_OK "CAF_VERSION_OK-NOTFOUND")
endif()
find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_CORE_LIBRARY CAF_INCLUDE_DIR CAF_VERSION_OK
  VERSION_VAR CAF_VERSION
  REASON_FAILURE_MESSAGE "orca needs CAF 0.17.x (>= 0.17.6), on Debian 12 from apt-get install libcaf-dev")

if(CAF_FOUND AND NOT TARGET CAF::core)
  find_dependency(Threads)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
  target_link_libraries(CAF::core INTERFACE Threads::Threads)
endif()

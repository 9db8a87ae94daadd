# Install rules, the CMake package (orcaConfig.cmake, orcaConfigVersion.cmake, orcaTargets,
# FindCAF.cmake) and the Debian package (cpack -G DEB). Included by the top-level
# CMakeLists.txt when ORCA_INSTALL is on.
include(CMakePackageConfigHelpers)

set(ORCA_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/orca CACHE STRING
    "where orcaConfig.cmake is installed, relative to the prefix")

install(TARGETS orca_drivers orca_model orca_actors orca_orca
        EXPORT orcaTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# Each layer's include/orca/... merges into <prefix>/include/orca/..., and so does the
# generated orca/config.hpp.
install(DIRECTORY
          ${PROJECT_SOURCE_DIR}/drivers/include/
          ${PROJECT_SOURCE_DIR}/model/include/
          ${PROJECT_SOURCE_DIR}/actors/include/
          ${ORCA_GENERATED_INCLUDE_DIR}/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT orcaTargets NAMESPACE orca:: DESTINATION ${ORCA_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/orcaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/orcaConfig.cmake
  INSTALL_DESTINATION ${ORCA_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so 0.2 accepts 0.2.y only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/orcaConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
          ${PROJECT_BINARY_DIR}/orcaConfig.cmake
          ${PROJECT_BINARY_DIR}/orcaConfigVersion.cmake
          ${CMAKE_CURRENT_LIST_DIR}/FindCAF.cmake
        DESTINATION ${ORCA_INSTALL_CMAKEDIR})

# cpack -G DEB (run in the build directory): liborca-dev_<version>_<arch>.deb, installing
# under /usr and depending on the Debian packages a program using orca needs.
set(CPACK_PACKAGE_NAME orca)
set(CPACK_PACKAGE_VENDOR "orca")
set(CPACK_PACKAGE_CONTACT "orca maintainers <orca@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_PACKAGE_NAME liborca-dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libcaf-dev (>= 0.17.6), libcaf-dev (<< 0.18), libspdlog-dev (>= 1:1.10), libsqlite3-dev, libpq-dev")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Static libraries, headers and the CMake package:
 find_package(orca CONFIG) gives orca::orca.")
include(CPack)

# cmake -P deb.cmake: runs `cpack -G DEB` on orca's build tree (ORCA_BUILD_DIR) into
# WORK_DIR and checks the package: its Depends name the Debian packages orca needs, and it
# holds the CMake package and the libraries. Registered by tests/CMakeLists.txt (label consumer).
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CPACK} -G DEB -B ${WORK_DIR} --config ${ORCA_BUILD_DIR}/CPackConfig.cmake
                RESULT_VARIABLE rc)
file(GLOB debs ${WORK_DIR}/*.deb)
if(NOT rc EQUAL 0 OR NOT debs)
  message(FATAL_ERROR "cpack -G DEB failed (${rc})")
endif()
execute_process(COMMAND dpkg-deb --field ${debs} Depends OUTPUT_VARIABLE depends
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND dpkg-deb --contents ${debs} OUTPUT_VARIABLE contents COMMAND_ERROR_IS_FATAL ANY)
message(STATUS "${debs}: Depends: ${depends}")
foreach(package libcaf-dev libspdlog-dev libsqlite3-dev libpq-dev)
  if(NOT depends MATCHES "(^|, )${package}( |,|$)")
    message(FATAL_ERROR "the .deb does not depend on ${package}")
  endif()
endforeach()
foreach(file usr/lib/cmake/orca/orcaConfig.cmake usr/lib/cmake/orca/FindCAF.cmake usr/lib/liborca_actors.a
             usr/include/orca/orca.hpp usr/include/orca/config.hpp)
  string(FIND "${contents}" "./${file}\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the .deb holds no ${file}")
  endif()
endforeach()

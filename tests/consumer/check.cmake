# cmake -P check.cmake: builds tests/consumer against orca and runs it. Registered as ctest
# tests by tests/CMakeLists.txt (label consumer). Variables (-D before -P):
#   MODE=install         installs orca's build tree (ORCA_BUILD_DIR) into WORK_DIR/prefix and
#                        finds it with find_package(orca CONFIG) through CMAKE_PREFIX_PATH
#   MODE=add_subdirectory builds orca from ORCA_SOURCE_DIR inside the consumer's build
#   CONSUMER_DIR, WORK_DIR (emptied first), GENERATOR, LAUNCHER (compiler launcher, optional)
cmake_minimum_required(VERSION 3.25)

function(step)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "orca consumer check (${MODE}) failed (${rc}): ${command}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(configure ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
if(MODE STREQUAL "install")
  step(${CMAKE_COMMAND} --install ${ORCA_BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  foreach(file include/orca/orca.hpp include/orca/config.hpp include/orca/drivers/value.hpp
               include/orca/model/mapping.hpp)
    if(NOT EXISTS ${WORK_DIR}/prefix/${file})
      message(FATAL_ERROR "orca consumer check: the install has no ${file}")
    endif()
  endforeach()
  # Built without optimisation: the consumer's one file is what is checked, not its speed.
  step(${configure} -DCMAKE_BUILD_TYPE= -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
elseif(MODE STREQUAL "add_subdirectory")
  # orca's libraries compile again here: without optimisation or debug information, and in
  # unity batches, they take a fraction of the usual time; the compiler launcher (ccache)
  # keeps later runs short.
  step(${configure} -DCMAKE_BUILD_TYPE= -DORCA_SOURCE_DIR=${ORCA_SOURCE_DIR} -DORCA_UNITY_BUILD=ON)
else()
  message(FATAL_ERROR "orca consumer check: MODE must be install or add_subdirectory")
endif()
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
step(${WORK_DIR}/build/orca_consumer sqlite:///consumer.db)

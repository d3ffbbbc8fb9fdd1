# Configure (when needed) and build the system image of one architecture:
#
#   cmake -DSRC=<source dir> -DBIN=<build dir> -DARCH=<x86_64|riscv64>
#         [-DTYPE=<build type>] [-DGEN=<generator>] -P cmake/image_build.cmake
#
# Used by the image-<arch> targets of the default configuration and by
# ./mneme run/debug (which build only the image they boot).  A build
# directory without a cache or without its build.ninja (fresh, or
# half-deleted) is configured from scratch first.
foreach(v SRC BIN ARCH)
  if(NOT ${v})
    message(FATAL_ERROR "image_build.cmake: -D${v}= is required")
  endif()
endforeach()
if(NOT TYPE)
  set(TYPE RelWithDebInfo)
endif()
if(NOT GEN)
  set(GEN Ninja)
endif()
if(NOT EXISTS ${SRC}/cmake/toolchain-${ARCH}.cmake)
  message(FATAL_ERROR "image_build.cmake: no toolchain for architecture '${ARCH}'")
endif()

set(generator_file build.ninja)
if(NOT GEN STREQUAL "Ninja")
  set(generator_file Makefile)
endif()
if(NOT EXISTS ${BIN}/CMakeCache.txt OR NOT EXISTS ${BIN}/${generator_file})
  file(REMOVE ${BIN}/CMakeCache.txt)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${BIN} -G ${GEN}
      -DCMAKE_TOOLCHAIN_FILE=${SRC}/cmake/toolchain-${ARCH}.cmake
      -DCMAKE_BUILD_TYPE=${TYPE}
      # Linker flags live in the link rule (cmake/freestanding.cmake); clear
      # any cached from older trees, which passed them through clang.
      -DCMAKE_EXE_LINKER_FLAGS=
    RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring the ${ARCH} image in ${BIN} failed")
  endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BIN} RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the ${ARCH} image in ${BIN} failed")
endif()

# Host configuration: libraries and tests that run natively, plus the
# sub-builds of the system image for both architectures.
enable_testing()
add_compile_options(-Wall -Wextra -Werror)

option(MNEME_SANITIZE "Build host tests with AddressSanitizer and UBSan" ON)
option(MNEME_TARGETS "Build the system images and register the QEMU tests" ON)
set(MNEME_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

# The memory-management core (mmserver/mm) compiled for the host twice:
# mmcore_host with sanitizers and debug checks for tests, mmcore_fast
# optimised for benchmarks.
file(GLOB MNEME_MM_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/mm/*.c)
if(MNEME_MM_SOURCES)
  foreach(variant host fast)
    add_library(mmcore_${variant} STATIC ${MNEME_MM_SOURCES} ${MNEME_ROOT}/mmserver/port/host.c)
    target_include_directories(mmcore_${variant} PUBLIC
      ${MNEME_ROOT}/mmserver/include ${MNEME_ROOT}/ipc/include
      ${MNEME_ROOT}/mmserver/port/host)   # the port's inline mm_this_cpu()
  endforeach()
  target_compile_definitions(mmcore_host PUBLIC MM_DEBUG=1)
  target_compile_options(mmcore_host PUBLIC -O1 -g ${MNEME_SANITIZE_FLAGS})
  target_link_options(mmcore_host PUBLIC ${MNEME_SANITIZE_FLAGS})
  target_compile_options(mmcore_fast PUBLIC -O2 -g)
endif()

# Each host test suite brings its own fragment: test/host/<suite>.cmake.
file(GLOB MNEME_HOST_FRAGMENTS CONFIGURE_DEPENDS ${MNEME_ROOT}/test/host/*.cmake)
foreach(fragment ${MNEME_HOST_FRAGMENTS})
  include(${fragment})
endforeach()

if(MNEME_TARGETS)
  foreach(arch x86_64 riscv64)
    # The image of each architecture is a build of its own (toolchain file),
    # run on every build by cmake/image_build.cmake, which configures it first
    # whenever it has no cache (fresh or half-deleted build directory).
    add_custom_target(image-${arch} ALL
      COMMAND ${CMAKE_COMMAND} -DSRC=${MNEME_ROOT} -DBIN=${CMAKE_BINARY_DIR}/${arch}
              -DARCH=${arch} -DTYPE=${CMAKE_BUILD_TYPE} -DGEN=${CMAKE_GENERATOR}
              -P ${MNEME_ROOT}/cmake/image_build.cmake
      WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
      USES_TERMINAL
      COMMENT "Building the ${arch} image in ${CMAKE_BINARY_DIR}/${arch}")
    set(MNEME_IMAGE_${arch} ${CMAKE_BINARY_DIR}/${arch}/mneme-${arch}.elf)
  endforeach()
  include(${MNEME_ROOT}/test/qemu/tests.cmake OPTIONAL)
endif()

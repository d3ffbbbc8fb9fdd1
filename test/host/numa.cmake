# Host tests of the core's NUMA topology checks (core/numa.c): crafted
# good and bad topologies, each bad one reported with its reason and
# falling back to one node; random maps split at random node boundaries
# (every byte keeps its type, every RAM byte gets its node); and a
# freestanding build for both targets.
set(NUMA_TEST_DIR ${MNEME_ROOT}/test/host/numa)
add_executable(numa_test ${NUMA_TEST_DIR}/numa_test.c ${MNEME_ROOT}/core/numa.c
                         ${MNEME_ROOT}/core/memmap.c)
target_include_directories(numa_test PRIVATE ${MNEME_ROOT}/core/include ${MNEME_ROOT}/ipc/include)
target_compile_options(numa_test PRIVATE -O1 -g)
if(MNEME_SANITIZE)
  target_compile_options(numa_test PRIVATE ${MNEME_SANITIZE_FLAGS})
  target_link_options(numa_test PRIVATE ${MNEME_SANITIZE_FLAGS})
endif()
add_test(NAME numa COMMAND numa_test 3000)
set_tests_properties(numa PROPERTIES LABELS "host;numa" TIMEOUT 120)

set(NUMA_FS_DIR ${CMAKE_BINARY_DIR}/test/numa-freestanding)
file(MAKE_DIRECTORY ${NUMA_FS_DIR})
foreach(arch riscv64 x86_64)
  add_test(NAME numa_freestanding_${arch}
    COMMAND sh -c "${CMAKE_C_COMPILER} --target=${arch}-unknown-elf -ffreestanding -nostdlibinc \
        -std=gnu11 -Wall -Wextra -Werror -O2 -I${MNEME_ROOT}/core/include -I${MNEME_ROOT}/ipc/include \
        -c ${MNEME_ROOT}/core/numa.c -o ${NUMA_FS_DIR}/${arch}-numa.o || exit 1; \
      undef=$(nm -u ${NUMA_FS_DIR}/${arch}-numa.o | awk 'NF==2 {print $2}' | sort -u | \
        grep -v -x -e memset -e memcpy -e snprintf -e memmap_sanitize); \
      [ -z \"$undef\" ] || { echo \"unexpected external symbols: $undef\"; exit 1; }")
  set_tests_properties(numa_freestanding_${arch} PROPERTIES LABELS "host;numa")
endforeach()

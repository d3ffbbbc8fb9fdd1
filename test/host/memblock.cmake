# memblock host tests: unit tests, the Linux-API compatibility test, the
# randomized model check and (where the compiler has libFuzzer) a short
# fuzzing run.  All link mmcore_host (ASan + UBSan, MM_DEBUG).
if(TARGET mmcore_host)
  set(MEMBLOCK_TEST_DIR ${MNEME_ROOT}/test/host/memblock)

  add_executable(memblock_unit_test
    ${MEMBLOCK_TEST_DIR}/mbtest.c
    ${MEMBLOCK_TEST_DIR}/test_lists.c
    ${MEMBLOCK_TEST_DIR}/test_alloc.c
    ${MEMBLOCK_TEST_DIR}/test_iter.c
    ${MEMBLOCK_TEST_DIR}/test_boot.c)
  target_link_libraries(memblock_unit_test PRIVATE mmcore_host)
  add_test(NAME memblock_unit COMMAND memblock_unit_test)
  set_tests_properties(memblock_unit PROPERTIES LABELS "host;memblock" TIMEOUT 120)
endif()

# Linux-API compatibility: linux_api_test.c includes only <linux/memblock.h>.
if(TARGET mmcore_host)
  add_executable(memblock_linux_test
    ${MEMBLOCK_TEST_DIR}/linux_main.c
    ${MEMBLOCK_TEST_DIR}/linux_api_test.c)
  target_link_libraries(memblock_linux_test PRIVATE mmcore_host)
  add_test(NAME memblock_linux_api COMMAND memblock_linux_test)
  set_tests_properties(memblock_linux_api PROPERTIES LABELS "host;memblock" TIMEOUT 60)
endif()

# Randomized check against a per-cell reference model (ops, seed).
if(TARGET mmcore_host)
  add_executable(memblock_random_test ${MEMBLOCK_TEST_DIR}/random.c)
  target_link_libraries(memblock_random_test PRIVATE mmcore_host)
  add_test(NAME memblock_random COMMAND memblock_random_test 20000 0x6d656d626c6f636b)
  add_test(NAME memblock_random_seed2 COMMAND memblock_random_test 20000 12345)
  set_tests_properties(memblock_random memblock_random_seed2 PROPERTIES
    LABELS "host;memblock" TIMEOUT 120)
endif()

# libFuzzer harness, built only where the compiler supports -fsanitize=fuzzer.
# The memblock sources are compiled into it so that libFuzzer's coverage
# instrumentation sees them.  ctest runs a short deterministic session.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
check_c_source_compiles([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
]] MNEME_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)

if(MNEME_HAVE_LIBFUZZER)
  file(GLOB MEMBLOCK_FUZZ_SOURCES ${MNEME_ROOT}/mmserver/mm/memblock*.c)
  add_executable(memblock_fuzz ${MNEME_ROOT}/test/fuzz/memblock_fuzz.c
    ${MEMBLOCK_FUZZ_SOURCES} ${MNEME_ROOT}/mmserver/port/host.c)
  target_include_directories(memblock_fuzz PRIVATE
    ${MNEME_ROOT}/mmserver/include ${MNEME_ROOT}/ipc/include)
  target_compile_definitions(memblock_fuzz PRIVATE MM_DEBUG=1)
  target_compile_options(memblock_fuzz PRIVATE -O1 -g -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(memblock_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  add_test(NAME memblock_fuzz
    COMMAND memblock_fuzz -runs=20000 -max_total_time=10 -seed=1 -max_len=1024 -rss_limit_mb=2048)
  set_tests_properties(memblock_fuzz PROPERTIES LABELS "host;memblock;fuzz" TIMEOUT 180)
endif()

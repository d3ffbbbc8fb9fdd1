# Buddy allocator, sparse vmemmap and zone host tests (ASan + UBSan through
# mmcore_host), the map replays, the randomized differential test, the
# libFuzzer harness (where the compiler has it) and the mm-bench program
# (mmcore_fast; a build target, never a test).
if(TARGET mmcore_host)
  set(BUDDY_TEST_DIR ${MNEME_ROOT}/test/host/buddy)
  add_library(buddy_test_common STATIC ${BUDDY_TEST_DIR}/bt.c)
  target_link_libraries(buddy_test_common PUBLIC mmcore_host)

  foreach(suite sparse zones buddy dump check)
    if(EXISTS ${BUDDY_TEST_DIR}/test_${suite}.c)
      add_executable(buddy_${suite}_test ${BUDDY_TEST_DIR}/test_${suite}.c)
      target_link_libraries(buddy_${suite}_test PRIVATE buddy_test_common)
      add_test(NAME buddy_${suite} COMMAND buddy_${suite}_test)
      set_tests_properties(buddy_${suite} PROPERTIES LABELS "host;buddy" TIMEOUT 120)
    endif()
  endforeach()

  if(EXISTS ${BUDDY_TEST_DIR}/test_random.c)
    add_executable(buddy_random_test ${BUDDY_TEST_DIR}/test_random.c)
    target_link_libraries(buddy_random_test PRIVATE buddy_test_common)
    foreach(layout x86 riscv-numa)
      add_test(NAME buddy_random_${layout} COMMAND buddy_random_test ${layout} 2)
      set_tests_properties(buddy_random_${layout} PROPERTIES LABELS "host;buddy" TIMEOUT 120)
    endforeach()
  endif()

  if(EXISTS ${BUDDY_TEST_DIR}/test_maps.c)
    add_executable(buddy_maps_test ${BUDDY_TEST_DIR}/test_maps.c)
    target_link_libraries(buddy_maps_test PRIVATE buddy_test_common)
    file(GLOB BUDDY_MAPS CONFIGURE_DEPENDS ${MNEME_ROOT}/test/host/maps/*.map)
    foreach(map ${BUDDY_MAPS})
      get_filename_component(name ${map} NAME_WE)
      add_test(NAME buddy_map_${name} COMMAND buddy_maps_test ${map})
      set_tests_properties(buddy_map_${name} PROPERTIES LABELS "host;buddy;maps" TIMEOUT 120)
    endforeach()
  endif()

  # libFuzzer harness: only where -fsanitize=fuzzer links.
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
  check_c_source_compiles("#include <stdint.h>
#include <stddef.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
    BUDDY_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(BUDDY_HAVE_LIBFUZZER AND EXISTS ${MNEME_ROOT}/test/fuzz/buddy_fuzz.c)
    add_executable(buddy_fuzz ${MNEME_ROOT}/test/fuzz/buddy_fuzz.c)
    target_include_directories(buddy_fuzz PRIVATE ${BUDDY_TEST_DIR})
    target_compile_options(buddy_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_options(buddy_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_libraries(buddy_fuzz PRIVATE mmcore_host)
    add_test(NAME buddy_fuzz COMMAND buddy_fuzz -runs=20000 -seed=1)
    set_tests_properties(buddy_fuzz PROPERTIES LABELS "host;buddy;fuzz" TIMEOUT 120)
  endif()
endif()

if(TARGET mmcore_fast AND EXISTS ${MNEME_ROOT}/test/bench/mm_bench.c)
  file(GLOB MM_BENCH_EXTRA CONFIGURE_DEPENDS ${MNEME_ROOT}/test/bench/*_bench.c)
  list(FILTER MM_BENCH_EXTRA EXCLUDE REGEX "mm_bench\\.c$")
  add_executable(mm-bench ${MNEME_ROOT}/test/bench/mm_bench.c ${MM_BENCH_EXTRA})
  target_include_directories(mm-bench PRIVATE ${MNEME_ROOT}/test/bench)
  target_link_libraries(mm-bench PRIVATE mmcore_fast)
endif()

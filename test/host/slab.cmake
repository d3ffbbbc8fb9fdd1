# Slab allocator and kmalloc host tests (ASan + UBSan through mmcore_host),
# and the slab benchmark (mmcore_fast; never a test).
set(SLAB_TEST_DIR ${MNEME_ROOT}/test/host/slab)
if(TARGET mmcore_host)
  foreach(suite unit debug random model)
    if(EXISTS ${SLAB_TEST_DIR}/test_slab_${suite}.c)
      add_executable(slab_${suite}_test ${SLAB_TEST_DIR}/test_slab_${suite}.c
                     ${SLAB_TEST_DIR}/slab_env.c)
      target_link_libraries(slab_${suite}_test mmcore_host)
      add_test(NAME slab_${suite} COMMAND slab_${suite}_test)
      set_tests_properties(slab_${suite} PROPERTIES LABELS "host;slab" TIMEOUT 120)
    endif()
  endforeach()
endif()

# Benchmark (not a test): ninja slab-bench && ./slab-bench, the slab table alone on the
# tests' 128 MiB machine (no 1M-object rows).  ./mneme bench host prints the full table:
# the same file is linked into mm-bench (buddy.cmake), which calls slab_bench_run().
if(TARGET mmcore_fast)
  find_library(MNEME_MIMALLOC mimalloc)
  if(MNEME_MIMALLOC)
    add_executable(slab-bench ${MNEME_ROOT}/test/bench/slab_bench.c ${SLAB_TEST_DIR}/slab_env.c)
    target_compile_definitions(slab-bench PRIVATE SLAB_BENCH_MAIN)
    target_link_libraries(slab-bench mmcore_fast ${MNEME_MIMALLOC})
  endif()
endif()

# Fuzzer (libFuzzer): ninja slab-fuzz && ./slab-fuzz -max_total_time=60.
# A short fixed-count run is registered as a test.
if(MNEME_MM_SOURCES AND MNEME_SANITIZE)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
  check_c_source_compiles("
    #include <stddef.h>
    #include <stdint.h>
    int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
    MNEME_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  if(MNEME_HAVE_LIBFUZZER)
    add_library(slab_fuzz_core STATIC ${MNEME_MM_SOURCES} ${MNEME_ROOT}/mmserver/port/host.c)
    target_include_directories(slab_fuzz_core PUBLIC
      ${MNEME_ROOT}/mmserver/include ${MNEME_ROOT}/ipc/include)
    target_compile_definitions(slab_fuzz_core PUBLIC MM_DEBUG=1)
    target_compile_options(slab_fuzz_core PUBLIC -O1 -g -fsanitize=fuzzer-no-link ${MNEME_SANITIZE_FLAGS})
    add_executable(slab-fuzz ${MNEME_ROOT}/test/fuzz/slab_fuzz.c ${SLAB_TEST_DIR}/slab_env.c)
    target_link_libraries(slab-fuzz slab_fuzz_core)
    target_link_options(slab-fuzz PRIVATE -fsanitize=fuzzer ${MNEME_SANITIZE_FLAGS})
    add_test(NAME slab_fuzz_smoke COMMAND slab-fuzz -runs=5000 -seed=1 -max_len=1024)
    set_tests_properties(slab_fuzz_smoke PROPERTIES LABELS "host;slab;fuzz" TIMEOUT 120)
  endif()
endif()

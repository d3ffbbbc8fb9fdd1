# The memory-pressure pieces of the mm core on the host (ASan + UBSan
# through mmcore_host): the LZ coder, the compressed store over the real
# page allocator, the shrinkers; and a libFuzzer harness of the coder (a
# short fixed run is a test).
set(ZSTORE_TEST_DIR ${MNEME_ROOT}/test/host/zstore)
if(TARGET mmcore_host)
  foreach(suite lz zstore shrinker)
    add_executable(${suite}_test ${ZSTORE_TEST_DIR}/test_${suite}.c)
    target_link_libraries(${suite}_test mmcore_host)
    add_test(NAME ${suite} COMMAND ${suite}_test)
    set_tests_properties(${suite} PROPERTIES LABELS "host;zstore" TIMEOUT 120)
  endforeach()
endif()

if(MNEME_MM_SOURCES AND MNEME_SANITIZE AND MNEME_HAVE_LIBFUZZER)
  add_executable(lz-fuzz ${MNEME_ROOT}/test/fuzz/lz_fuzz.c ${MNEME_ROOT}/mmserver/mm/lz.c)
  target_include_directories(lz-fuzz PRIVATE ${MNEME_ROOT}/mmserver/include ${MNEME_ROOT}/ipc/include)
  target_compile_options(lz-fuzz PRIVATE -O1 -g -fsanitize=fuzzer ${MNEME_SANITIZE_FLAGS})
  target_link_options(lz-fuzz PRIVATE -fsanitize=fuzzer ${MNEME_SANITIZE_FLAGS})
  add_test(NAME lz_fuzz_smoke COMMAND lz-fuzz -runs=20000 -seed=1 -max_len=8192)
  set_tests_properties(lz_fuzz_smoke PROPERTIES LABELS "host;zstore;fuzz" TIMEOUT 120)
endif()

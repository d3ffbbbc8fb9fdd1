# Slab allocator and kmalloc host tests (ASan + UBSan through mmcore_host),
# and the slab benchmark (mmcore_fast; never a test).
set(SLAB_TEST_DIR ${MNEME_ROOT}/test/host/slab)
if(TARGET mmcore_host)
  foreach(suite unit debug random)
    if(EXISTS ${SLAB_TEST_DIR}/test_slab_${suite}.c)
      add_executable(slab_${suite}_test ${SLAB_TEST_DIR}/test_slab_${suite}.c
                     ${SLAB_TEST_DIR}/fake_pages.c)
      target_link_libraries(slab_${suite}_test mmcore_host)
      add_test(NAME slab_${suite} COMMAND slab_${suite}_test)
      set_tests_properties(slab_${suite} PROPERTIES LABELS "host;slab" TIMEOUT 120)
    endif()
  endforeach()
endif()

# Benchmark (not a test): ninja slab-bench && ./slab-bench
if(TARGET mmcore_fast)
  find_library(MNEME_MIMALLOC mimalloc)
  if(MNEME_MIMALLOC)
    add_executable(slab-bench ${MNEME_ROOT}/test/bench/slab_bench.c
                   ${MNEME_ROOT}/test/bench/slab_bench_env.c ${SLAB_TEST_DIR}/fake_pages.c)
    target_link_libraries(slab-bench mmcore_fast ${MNEME_MIMALLOC})
  endif()
endif()

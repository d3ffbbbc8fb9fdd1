# Buddy allocator, sparse vmemmap and zone host tests (ASan + UBSan through
# mmcore_host), the map replays, the randomized differential test, the
# libFuzzer harness (where the compiler has it) and the mm-bench program
# (mmcore_fast; a build target, never a test).
if(TARGET mmcore_host)
  set(BUDDY_TEST_DIR ${MNEME_ROOT}/test/host/buddy)
  add_library(buddy_test_common STATIC ${BUDDY_TEST_DIR}/bt.c)
  target_link_libraries(buddy_test_common PUBLIC mmcore_host)

  foreach(suite sparse zones buddy dump check deferred)
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
    # QEMU virt device trees through the core's own reader and sanitiser
    if(EXISTS ${MNEME_ROOT}/core/dt.c AND EXISTS ${MNEME_ROOT}/core/memmap.c)
      target_sources(buddy_maps_test PRIVATE ${MNEME_ROOT}/core/dt.c ${MNEME_ROOT}/core/memmap.c)
      target_include_directories(buddy_maps_test PRIVATE ${MNEME_ROOT}/core/include)
      target_compile_definitions(buddy_maps_test PRIVATE BUDDY_WITH_DT=1)
      file(GLOB BUDDY_DTBS CONFIGURE_DEPENDS ${MNEME_ROOT}/test/host/maps/dtb/*.dtb)
      foreach(dtb ${BUDDY_DTBS})
        get_filename_component(name ${dtb} NAME_WE)
        add_test(NAME buddy_dtb_${name} COMMAND buddy_maps_test ${dtb})
        set_tests_properties(buddy_dtb_${name} PROPERTIES LABELS "host;buddy;maps" TIMEOUT 120)
      endforeach()
    endif()
  endif()

  # The page allocator's files build for both targets with nothing but the
  # functions mm/port.h allows (the headers in freestanding/ declare just
  # those): every undefined symbol must be a port hook, memblock, an
  # allowed libc function, or defined by another of these files.
  set(BUDDY_FS_FILES sparse mmzone page_alloc page_alloc_init page_pcp page_contig mempolicy mm_dump mm_check)
  set(BUDDY_FS_DIR ${CMAKE_BINARY_DIR}/test/buddy-freestanding)
  file(MAKE_DIRECTORY ${BUDDY_FS_DIR})
  foreach(arch riscv64 x86_64)
    add_test(NAME buddy_freestanding_${arch}
      COMMAND sh ${BUDDY_TEST_DIR}/freestanding/check.sh ${CMAKE_C_COMPILER} ${arch}
              ${MNEME_ROOT} ${BUDDY_FS_DIR} ${BUDDY_FS_FILES})
    set_tests_properties(buddy_freestanding_${arch} PROPERTIES LABELS "host;buddy" TIMEOUT 120)
  endforeach()

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
    # the mm core is compiled into the harness so libFuzzer sees its coverage
    add_executable(buddy_fuzz ${MNEME_ROOT}/test/fuzz/buddy_fuzz.c ${MNEME_MM_SOURCES}
                   ${MNEME_ROOT}/mmserver/port/host.c)
    target_include_directories(buddy_fuzz PRIVATE ${MNEME_ROOT}/mmserver/include ${MNEME_ROOT}/ipc/include)
    target_compile_definitions(buddy_fuzz PRIVATE MM_DEBUG=1)
    target_compile_options(buddy_fuzz PRIVATE -O1 -g -fsanitize=fuzzer,address,undefined
                           -fno-sanitize-recover=all)
    target_link_options(buddy_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    add_test(NAME buddy_fuzz COMMAND buddy_fuzz -runs=3000 -max_len=600 -seed=1)
    set_tests_properties(buddy_fuzz PROPERTIES LABELS "host;buddy;fuzz" TIMEOUT 120)
  endif()
endif()

find_library(MM_BENCH_MIMALLOC mimalloc)
if(TARGET mmcore_fast AND EXISTS ${MNEME_ROOT}/test/bench/mm_bench.c AND MM_BENCH_MIMALLOC)
  # other benchmarks join the same run: test/bench/*_bench.c (their main()
  # only under their own *_MAIN define) and *_workloads.c (see bench.h);
  # every figure is printed beside glibc's and mimalloc's (libmimalloc-dev)
  file(GLOB MM_BENCH_EXTRA CONFIGURE_DEPENDS ${MNEME_ROOT}/test/bench/*_bench.c
       ${MNEME_ROOT}/test/bench/*_workloads.c)
  list(FILTER MM_BENCH_EXTRA EXCLUDE REGEX "/mm_bench\\.c$")
  add_executable(mm-bench ${MNEME_ROOT}/test/bench/mm_bench.c ${MM_BENCH_EXTRA})
  target_include_directories(mm-bench PRIVATE ${MNEME_ROOT}/test/bench)
  target_link_libraries(mm-bench PRIVATE mmcore_fast ${MM_BENCH_MIMALLOC})
  set_target_properties(mm-bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()

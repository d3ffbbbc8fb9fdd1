# Statistics in Linux 6.1's formats.
#
# stats_format: every view of mmserver/mm/mm_dump.c (and slabinfo) compared
# byte for byte with the text Linux 6.1's layouts give for the same state,
# on a one-node x86_64 and a two-node riscv64 machine.
#
# stats.procps.<arch>: procps's free, vmstat -s and slabtop -o (Debian's
# package) read the texts the guest prints (test/host/stats/procps_test.py
# says how the tools are pointed at them).
if(TARGET buddy_test_common)
  add_executable(stats_format_test ${MNEME_ROOT}/test/host/stats/test_stats.c)
  target_include_directories(stats_format_test PRIVATE ${MNEME_ROOT}/test/host/buddy)
  target_link_libraries(stats_format_test PRIVATE buddy_test_common)
  add_test(NAME stats_format COMMAND stats_format_test ${MNEME_ROOT}/test/host/maps)
  set_tests_properties(stats_format PROPERTIES LABELS "host;stats" TIMEOUT 120)
endif()
if(MNEME_TARGETS)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  foreach(arch x86_64 riscv64)
    add_test(NAME stats.procps.${arch} COMMAND ${Python3_EXECUTABLE}
      ${MNEME_ROOT}/test/host/stats/procps_test.py --arch ${arch}
      --kernel ${CMAKE_BINARY_DIR}/${arch}/mneme-${arch}.elf --root ${MNEME_ROOT})
    set_tests_properties(stats.procps.${arch} PROPERTIES LABELS "qemu;stats;${arch}" TIMEOUT 300
      SKIP_RETURN_CODE 77)
  endforeach()
endif()

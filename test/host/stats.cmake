# Statistics in Linux 6.1's formats.
#
# stats_format: every view of mmserver/mm/mm_dump.c (and slabinfo) compared
# byte for byte with the text Linux 6.1's layouts give for the same state,
# on a one-node x86_64 and a two-node riscv64 machine.
if(TARGET buddy_test_common)
  add_executable(stats_format_test ${MNEME_ROOT}/test/host/stats/test_stats.c)
  target_include_directories(stats_format_test PRIVATE ${MNEME_ROOT}/test/host/buddy)
  target_link_libraries(stats_format_test PRIVATE buddy_test_common)
  add_test(NAME stats_format COMMAND stats_format_test ${MNEME_ROOT}/test/host/maps)
  set_tests_properties(stats_format PROPERTIES LABELS "host;stats" TIMEOUT 120)
endif()

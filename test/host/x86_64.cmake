# Host tests of x86_64 architecture code that is plain C: the generic
# page-table walker (core/pgtable.c) over the x86_64 entry encoding
# (arch/x86_64/include/arch/pte.h) on a simulated physical arena, with
# ASan + UBSan.  The arch headers use x86 inline assembly, so only on
# x86_64 hosts.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  add_executable(x86_pgtable_test ${MNEME_ROOT}/test/host/x86_64/test_pgtable.c
                 ${MNEME_ROOT}/core/pgtable.c)
  target_include_directories(x86_pgtable_test PRIVATE
    ${MNEME_ROOT}/arch/include ${MNEME_ROOT}/arch/x86_64/include ${MNEME_ROOT}/ipc/include
    ${MNEME_ROOT}/core/include)
  if(MNEME_SANITIZE)
    target_compile_options(x86_pgtable_test PRIVATE ${MNEME_SANITIZE_FLAGS} -g)
    target_link_options(x86_pgtable_test PRIVATE ${MNEME_SANITIZE_FLAGS})
  endif()
  add_test(NAME x86_pgtable COMMAND x86_pgtable_test)
  set_tests_properties(x86_pgtable PROPERTIES LABELS "host;x86_64" TIMEOUT 60)
endif()

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

# The Multiboot2 boot-information decoder (arch/x86_64/multiboot2_parse.c):
# plain C, any host.
add_executable(multiboot2_test ${MNEME_ROOT}/test/host/x86_64/test_multiboot2.c
               ${MNEME_ROOT}/arch/x86_64/multiboot2_parse.c)
target_include_directories(multiboot2_test PRIVATE ${MNEME_ROOT}/arch/x86_64/include)
target_compile_options(multiboot2_test PRIVATE -O1 -g -UNDEBUG)
if(MNEME_SANITIZE)
  target_compile_options(multiboot2_test PRIVATE ${MNEME_SANITIZE_FLAGS})
  target_link_options(multiboot2_test PRIVATE ${MNEME_SANITIZE_FLAGS})
endif()
add_test(NAME multiboot2 COMMAND multiboot2_test)
set_tests_properties(multiboot2 PROPERTIES LABELS "host;x86_64" TIMEOUT 120)

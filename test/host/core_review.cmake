# Host tests from the adversarial review of the core: each reproduces a bug
# found by reading the code (see the comments in the test file).
if(TARGET core_host)
  add_executable(core_review_test ${CORE_TEST_DIR}/test_review.c ${CORE_TEST_DIR}/harness.c)
  target_link_libraries(core_review_test PRIVATE core_host)
  foreach(abi riscv x86)
    add_test(NAME core_review.${abi} COMMAND core_review_test)
    set_tests_properties(core_review.${abi} PROPERTIES LABELS "host;core" TIMEOUT 120
      ENVIRONMENT "FAKE_ABI=${abi}")
  endforeach()
endif()

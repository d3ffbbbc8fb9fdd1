# docs/first-program.md followed word for word (test/host/guide): the file
# it creates, in a copy of the tree built from nothing, each command it
# shows with its exit status, and the output it shows, on both
# architectures.  Two image builds from scratch: a few minutes.
if(MNEME_TARGETS)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_test(NAME guide.first-program COMMAND ${Python3_EXECUTABLE}
    ${MNEME_ROOT}/test/host/guide/first_program_test.py --root ${MNEME_ROOT})
  # It builds two images from nothing: alone, so it does not starve the QEMU tests' timeouts.
  set_tests_properties(guide.first-program PROPERTIES LABELS "qemu;guide" TIMEOUT 1800 RUN_SERIAL ON)
endif()

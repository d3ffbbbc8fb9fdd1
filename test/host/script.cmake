# Tests of the ./mneme entry script (test/host/script/test_mneme.py): the
# command line, ./mneme run's exit statuses and verdicts on both
# architectures, gdb with every program's symbols, and building from a
# fresh or half-deleted build directory.  They boot the images of this build
# (labels qemu and the architecture, like the QEMU tests).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(MNEME_SCRIPT_TEST ${Python3_EXECUTABLE} ${MNEME_ROOT}/test/host/script/test_mneme.py)
add_test(NAME script.cli COMMAND ${MNEME_SCRIPT_TEST} cli --build ${CMAKE_BINARY_DIR})
add_test(NAME script.gdb-nothing COMMAND ${MNEME_SCRIPT_TEST} gdb-nothing --build ${CMAKE_BINARY_DIR})
set_tests_properties(script.cli script.gdb-nothing PROPERTIES LABELS "host;script" TIMEOUT 120)
if(MNEME_TARGETS)
  foreach(arch x86_64 riscv64)
    add_test(NAME script.run.${arch} COMMAND ${MNEME_SCRIPT_TEST} run ${arch} --build ${CMAKE_BINARY_DIR})
    add_test(NAME script.gdb.${arch} COMMAND ${MNEME_SCRIPT_TEST} gdb ${arch} --build ${CMAKE_BINARY_DIR})
    set_tests_properties(script.run.${arch} script.gdb.${arch} PROPERTIES
      LABELS "qemu;script;${arch}" TIMEOUT 600)
  endforeach()
  # A whole image build from nothing (about a minute on two cores): x86_64 only.
  add_test(NAME script.fresh-build.x86_64 COMMAND ${MNEME_SCRIPT_TEST} fresh-build x86_64
    --build ${CMAKE_BINARY_DIR})
  set_tests_properties(script.fresh-build.x86_64 PROPERTIES LABELS "qemu;script;x86_64" TIMEOUT 1200
    RUN_SERIAL ON)
endif()

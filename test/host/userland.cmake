# Host tests of the user-space pieces that are plain algorithms: the
# runtime's formatter (against the C library's), the memory server's ELF
# and archive checks (also on an archive cmake/mkarchive.py packs), and its
# frame source.
set(UL_TEST_DIR ${MNEME_ROOT}/test/host/userland)
set(UL_INCLUDES ${MNEME_ROOT}/userland/include ${MNEME_ROOT}/ipc/include ${MNEME_ROOT}/mmserver/server)

# The formatter as test/host/libc.cmake builds it (mneme's own headers, renamed mn_*).
add_executable(ul_printf_test ${UL_TEST_DIR}/test_printf.c)
target_link_libraries(ul_printf_test PRIVATE libc_host)
target_compile_options(ul_printf_test PRIVATE -O1 -g ${MNEME_SANITIZE_FLAGS} -Wno-format)
target_link_options(ul_printf_test PRIVATE ${MNEME_SANITIZE_FLAGS})
add_test(NAME userland_printf COMMAND ul_printf_test)

add_executable(ul_loader_test ${UL_TEST_DIR}/test_loader.c ${MNEME_ROOT}/mmserver/server/loader.c)
target_include_directories(ul_loader_test PRIVATE ${UL_INCLUDES})
target_compile_options(ul_loader_test PRIVATE -O1 -g ${MNEME_SANITIZE_FLAGS})
target_link_options(ul_loader_test PRIVATE ${MNEME_SANITIZE_FLAGS})
add_test(NAME userland_loader COMMAND ul_loader_test)

# mkarchive.py output read back by the server's archive code.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME userland_mkarchive COMMAND sh -c
  "${Python3_EXECUTABLE} ${MNEME_ROOT}/cmake/mkarchive.py --header ${MNEME_ROOT}/ipc/include/mneme/archive.h -o ul_archive.bin one=${MNEME_ROOT}/cmake/mkarchive.py two=${MNEME_ROOT}/README.md three=${MNEME_ROOT}/CMakeLists.txt && $<TARGET_FILE:ul_loader_test> ul_archive.bin one=${MNEME_ROOT}/cmake/mkarchive.py two=${MNEME_ROOT}/README.md three=${MNEME_ROOT}/CMakeLists.txt")

# The packer refuses what the format cannot hold: duplicate and over-long names.
set(UL_PACK "${Python3_EXECUTABLE} ${MNEME_ROOT}/cmake/mkarchive.py --header ${MNEME_ROOT}/ipc/include/mneme/archive.h -o ul_bad.bin")
add_test(NAME userland_mkarchive_refuses COMMAND sh -c
  "! ${UL_PACK} a=${MNEME_ROOT}/README.md a=${MNEME_ROOT}/README.md 2>/dev/null && ! ${UL_PACK} aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=${MNEME_ROOT}/README.md 2>/dev/null && ! ${UL_PACK} =${MNEME_ROOT}/README.md 2>/dev/null")

set_tests_properties(userland_printf userland_loader userland_mkarchive userland_mkarchive_refuses
  PROPERTIES LABELS "host;userland" TIMEOUT 60)

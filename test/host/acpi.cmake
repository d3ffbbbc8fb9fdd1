# Host tests of the x86_64 ACPI parser (arch/x86_64/acpi.c): plain
# freestanding C, so it builds on any host.
#
#   acpi                 RSDP search and checks, root and table walk, MADT
#                        (test/host/acpi/test_acpi.c) + random mutations
#   acpi_freestanding    acpi.c compiles for x86_64 with no C library
#   acpi_fuzz            a short libFuzzer run (when -fsanitize=fuzzer works)
set(ACPI_TEST_DIR ${MNEME_ROOT}/test/host/acpi)
set(ACPI_SOURCES ${MNEME_ROOT}/arch/x86_64/acpi.c ${ACPI_TEST_DIR}/acpi_sim.c)
set(ACPI_INCLUDES ${MNEME_ROOT}/arch/x86_64/include)

add_executable(acpi_test ${ACPI_TEST_DIR}/test_acpi.c ${ACPI_SOURCES})
target_include_directories(acpi_test PRIVATE ${ACPI_INCLUDES})
target_compile_options(acpi_test PRIVATE -O1 -g)
if(MNEME_SANITIZE)
  target_compile_options(acpi_test PRIVATE ${MNEME_SANITIZE_FLAGS})
  target_link_options(acpi_test PRIVATE ${MNEME_SANITIZE_FLAGS})
endif()
add_test(NAME acpi COMMAND acpi_test)
set_tests_properties(acpi PROPERTIES LABELS "host;acpi" TIMEOUT 120)

set(ACPI_FS_DIR ${CMAKE_BINARY_DIR}/test/acpi-freestanding)
file(MAKE_DIRECTORY ${ACPI_FS_DIR})
add_test(NAME acpi_freestanding
  COMMAND sh -c "${CMAKE_C_COMPILER} --target=x86_64-unknown-elf -ffreestanding -nostdlibinc \
      -std=gnu11 -Wall -Wextra -Werror -O2 -I${ACPI_INCLUDES} \
      -c ${MNEME_ROOT}/arch/x86_64/acpi.c -o ${ACPI_FS_DIR}/acpi.o || exit 1; \
    undef=$(nm -u ${ACPI_FS_DIR}/acpi.o | awk 'NF==2 {print $2}' | sort -u | \
      grep -v -x -e memset -e memcpy); \
    [ -z \"$undef\" ] || { echo \"unexpected external symbols: $undef\"; exit 1; }")
set_tests_properties(acpi_freestanding PROPERTIES LABELS "host;acpi")

include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
check_c_source_compiles("
  #include <stddef.h>
  #include <stdint.h>
  int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
  ACPI_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(ACPI_HAVE_LIBFUZZER)
  add_executable(acpi_fuzz ${MNEME_ROOT}/test/fuzz/acpi_fuzz.c ${ACPI_SOURCES})
  target_include_directories(acpi_fuzz PRIVATE ${ACPI_INCLUDES})
  target_compile_options(acpi_fuzz PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=all)
  target_link_options(acpi_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  set(ACPI_FUZZ_CORPUS ${CMAKE_BINARY_DIR}/test/acpi-fuzz-corpus)
  set(ACPI_FUZZ_SEEDS ${CMAKE_BINARY_DIR}/test/acpi-fuzz-seeds)
  add_test(NAME acpi_fuzz
    COMMAND sh -c "mkdir -p ${ACPI_FUZZ_CORPUS} ${ACPI_FUZZ_SEEDS} && \
      $<TARGET_FILE:acpi_test> seeds ${ACPI_FUZZ_SEEDS} && exec $<TARGET_FILE:acpi_fuzz> \
      -max_total_time=20 -max_len=8192 -timeout=5 -seed=1 -print_final_stats=1 \
      ${ACPI_FUZZ_CORPUS} ${ACPI_FUZZ_SEEDS}")
  set_tests_properties(acpi_fuzz PROPERTIES LABELS "host;acpi;fuzz" TIMEOUT 120)
else()
  message(STATUS "acpi tests: -fsanitize=fuzzer unavailable, acpi_fuzz skipped")
endif()

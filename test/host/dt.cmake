# Host tests of the core's firmware memory map: the device-tree reader
# (core/dt.c) and the map sanitiser (core/memmap.c).
#
#   memmap          sanitiser cases + random maps against a reference model
#   dt_check        real QEMU virt trees and dtc-compiled edge cases, each
#                   compared with libfdt and with its expected map and
#                   CPUs (test/host/dt/cpus_*.dts: the /cpus cases)
#   dt_mutate       truncated/corrupted variants of good blobs (ASan)
#   dt_freestanding dt.c and memmap.c compile for both targets without libc
#   dt_fuzz         a short libFuzzer run (when -fsanitize=fuzzer works)

set(DT_CORE_SOURCES ${MNEME_ROOT}/core/dt.c ${MNEME_ROOT}/core/memmap.c)
set(DT_TEST_DIR ${MNEME_ROOT}/test/host/dt)
set(DT_BLOB_DIR ${CMAKE_BINARY_DIR}/test/dt)
set(DT_FS_DIR ${CMAKE_BINARY_DIR}/test/dt-freestanding)
file(MAKE_DIRECTORY ${DT_BLOB_DIR} ${DT_FS_DIR})

add_library(dtcore_host STATIC ${DT_CORE_SOURCES})
target_include_directories(dtcore_host PUBLIC ${MNEME_ROOT}/core/include ${MNEME_ROOT}/ipc/include)
target_compile_options(dtcore_host PUBLIC -O1 -g)
if(MNEME_SANITIZE)
  target_compile_options(dtcore_host PUBLIC ${MNEME_SANITIZE_FLAGS})
  target_link_options(dtcore_host PUBLIC ${MNEME_SANITIZE_FLAGS})
endif()

add_executable(memmap_test ${DT_TEST_DIR}/memmap_test.c)
target_link_libraries(memmap_test dtcore_host)
file(GLOB DT_E820_MAPS CONFIGURE_DEPENDS ${MNEME_ROOT}/test/host/maps/x86_64-*.map)
add_test(NAME memmap COMMAND memmap_test 20000 ${DT_E820_MAPS})
set_tests_properties(memmap PROPERTIES LABELS "host;dt" TIMEOUT 60)

# The core's files must build with no C library for both architectures.
foreach(arch riscv64 x86_64)
  add_test(NAME dt_freestanding_${arch}
    COMMAND sh -c "for f in ${MNEME_ROOT}/core/dt.c ${MNEME_ROOT}/core/memmap.c; do \
      ${CMAKE_C_COMPILER} --target=${arch}-unknown-elf -ffreestanding -nostdlibinc -std=gnu11 \
        -Wall -Wextra -Werror -O2 -I${MNEME_ROOT}/core/include -I${MNEME_ROOT}/ipc/include \
        -c $f -o ${DT_FS_DIR}/${arch}-$(basename $f).o || exit 1; done; \
      undef=$(nm -u ${DT_FS_DIR}/${arch}-*.o | awk 'NF==2 {print $2}' | sort -u | \
        grep -v -x -e memset -e memcpy -e memmap_add -e memmap_reserve -e memmap_sanitize); \
      [ -z \"$undef\" ] || { echo \"unexpected external symbols: $undef\"; exit 1; }")
  set_tests_properties(dt_freestanding_${arch} PROPERTIES LABELS "host;dt")
endforeach()

find_library(DT_LIBFDT fdt)
find_path(DT_LIBFDT_INCLUDE libfdt.h)
find_program(DT_DTC dtc)
find_program(DT_QEMU qemu-system-riscv64)
if(NOT DT_LIBFDT OR NOT DT_LIBFDT_INCLUDE OR NOT DT_DTC)
  message(STATUS "dt tests: libfdt or dtc missing, device-tree tests skipped")
  return()
endif()

# Edge cases compiled with dtc.  Each good one is also built as version 16
# and with free space at the end.
set(DT_CHECK_ARGS)
set(DT_BLOBS)
file(GLOB DT_SOURCES CONFIGURE_DEPENDS ${DT_TEST_DIR}/*.dts)
foreach(dts ${DT_SOURCES})
  get_filename_component(name ${dts} NAME_WE)
  set(variants "${name}|-q")
  if(NOT name MATCHES "^bad_")
    list(APPEND variants "${name}-v16|-q,-V,16" "${name}-pad|-q,-p,4096")
  endif()
  foreach(v ${variants})
    string(REPLACE "|" ";" parts "${v}")
    string(REPLACE "," ";" parts "${parts}")
    list(GET parts 0 out)
    list(SUBLIST parts 1 -1 flags)
    add_custom_command(OUTPUT ${DT_BLOB_DIR}/${out}.dtb
      COMMAND ${DT_DTC} -I dts -O dtb ${flags} -o ${DT_BLOB_DIR}/${out}.dtb ${dts}
      DEPENDS ${dts} VERBATIM)
    list(APPEND DT_BLOBS ${DT_BLOB_DIR}/${out}.dtb)
    list(APPEND DT_CHECK_ARGS ${DT_BLOB_DIR}/${out}.dtb)
  endforeach()
endforeach()

# Real trees dumped by QEMU's virt machine.  @expect is "usable MiB:cpus:NUMA
# nodes"; the remaining arguments go to QEMU.
function(dt_qemu_blob name expect machine)
  set(out ${DT_BLOB_DIR}/${name}.dtb)
  add_custom_command(OUTPUT ${out}
    COMMAND ${DT_QEMU} -machine ${machine},dumpdtb=${out} ${ARGN}
            -display none -monitor none -serial null
    VERBATIM)
  set(DT_BLOBS ${DT_BLOBS} ${out} PARENT_SCOPE)
  set(DT_CHECK_ARGS ${DT_CHECK_ARGS} ${out}:${expect} PARENT_SCOPE)
endfunction()

if(DT_QEMU)
  set(numa2)
  set(numa4)
  foreach(i 0 1)
    list(APPEND numa2 -object memory-backend-ram,id=m${i},size=1G -numa node,memdev=m${i},cpus=${i})
  endforeach()
  foreach(i 0 1 2 3)
    list(APPEND numa4 -object memory-backend-ram,id=m${i},size=1G -numa node,memdev=m${i},cpus=${i})
  endforeach()
  dt_qemu_blob(virt-128m-1 128:1:1 virt -m 128M -smp 1)
  dt_qemu_blob(virt-512m-4 512:4:1 virt -m 512M -smp 4)
  dt_qemu_blob(virt-4g-4 4096:4:1 virt -m 4G -smp 4)
  dt_qemu_blob(virt-16g-1 16384:1:1 virt -m 16G -smp 1)
  dt_qemu_blob(virt-numa2 2048:2:2 virt -m 2G -smp 2 ${numa2})
  # QEMU 7.2 cannot wire a PLIC for more than two sockets; the AIA can.
  dt_qemu_blob(virt-numa4 4096:4:4 virt,aia=aplic-imsic -m 4G -smp 4 ${numa4})
else()
  message(STATUS "dt tests: qemu-system-riscv64 not found, QEMU-dumped trees skipped")
endif()
add_custom_target(dt_blobs ALL DEPENDS ${DT_BLOBS})

add_executable(dt_test ${DT_TEST_DIR}/dt_test.c ${DT_TEST_DIR}/dt_oracle.c
                       ${DT_TEST_DIR}/mutate.c ${DT_TEST_DIR}/synth.c)
target_include_directories(dt_test PRIVATE ${DT_LIBFDT_INCLUDE})
target_link_libraries(dt_test dtcore_host ${DT_LIBFDT})
add_dependencies(dt_test dt_blobs)

add_test(NAME dt_check COMMAND dt_test check ${DT_CHECK_ARGS})
set(DT_MUTATE_ARGS ${DT_BLOB_DIR}/multi_mem.dtb ${DT_BLOB_DIR}/cells1.dtb ${DT_BLOB_DIR}/cells1-v16.dtb
                   ${DT_BLOB_DIR}/cpus_sparse.dtb)
if(DT_QEMU)
  list(APPEND DT_MUTATE_ARGS ${DT_BLOB_DIR}/virt-numa2.dtb)
endif()
add_test(NAME dt_mutate COMMAND dt_test mutate ${DT_MUTATE_ARGS})
set_tests_properties(dt_check dt_mutate PROPERTIES LABELS "host;dt" TIMEOUT 120)


# A short libFuzzer run over the reader, seeded with the blobs above
# (inputs cut at 16 KiB: the QEMU dumps are padded to 1 MiB).
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
check_c_source_compiles("
  #include <stddef.h>
  #include <stdint.h>
  int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
  DT_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(DT_HAVE_LIBFUZZER)
  add_executable(dt_fuzz ${MNEME_ROOT}/test/fuzz/dt_fuzz.c ${DT_CORE_SOURCES})
  target_include_directories(dt_fuzz PRIVATE ${MNEME_ROOT}/core/include ${MNEME_ROOT}/ipc/include)
  target_compile_options(dt_fuzz PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=all)
  target_link_options(dt_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  add_dependencies(dt_fuzz dt_blobs)
  set(DT_FUZZ_CORPUS ${CMAKE_BINARY_DIR}/test/dt-fuzz-corpus)
  add_test(NAME dt_fuzz
    COMMAND sh -c "mkdir -p ${DT_FUZZ_CORPUS} && exec $<TARGET_FILE:dt_fuzz> \
      -max_total_time=20 -max_len=16384 -timeout=5 -seed=1 -print_final_stats=1 \
      ${DT_FUZZ_CORPUS} ${DT_BLOB_DIR}")
  set_tests_properties(dt_fuzz PROPERTIES LABELS "host;dt;fuzz" TIMEOUT 120)
else()
  message(STATUS "dt tests: -fsanitize=fuzzer unavailable, dt_fuzz skipped")
endif()

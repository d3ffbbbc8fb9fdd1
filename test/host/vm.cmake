# Host tests of the memory server's vm module (mmserver/vm) over the real
# mm core (mmcore_host: ASan + UBSan + MM_DEBUG) with a fake page table
# standing in for the core, and of the user malloc over a fake mapping
# backend.
set(VM_TEST_DIR ${MNEME_ROOT}/test/host/vm)
file(GLOB MNEME_VM_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/vm/*.c)
if(TARGET mmcore_host AND MNEME_VM_SOURCES)
  add_library(vm_host STATIC ${MNEME_VM_SOURCES})
  target_include_directories(vm_host PUBLIC ${MNEME_ROOT}/mmserver/vm)
  target_link_libraries(vm_host PUBLIC mmcore_host)
  foreach(suite tree ops decode fuzz objects reclaim)
    if(EXISTS ${VM_TEST_DIR}/test_vm_${suite}.c)
      add_executable(vm_${suite}_test ${VM_TEST_DIR}/test_vm_${suite}.c ${VM_TEST_DIR}/vm_env.c)
      target_link_libraries(vm_${suite}_test vm_host)
      add_test(NAME vm_${suite} COMMAND vm_${suite}_test)
      set_tests_properties(vm_${suite} PROPERTIES LABELS "host;vm" TIMEOUT 120)
    endif()
  endforeach()
endif()

# malloc's host test is in test/host/libc.cmake.

# The vm module builds for both targets with only what mm/port.h allows;
# the mneme backend, libmm and malloc compile for both targets too.
if(MNEME_VM_SOURCES)
  foreach(arch riscv64 x86_64)
    add_test(NAME vm_freestanding_${arch}
      COMMAND sh ${VM_TEST_DIR}/freestanding.sh ${CMAKE_C_COMPILER} ${arch}
              ${MNEME_ROOT} ${CMAKE_BINARY_DIR}/test/vm-freestanding)
    set_tests_properties(vm_freestanding_${arch} PROPERTIES LABELS "host;vm" TIMEOUT 120)
  endforeach()
endif()

# Benchmark (not a test): ninja vm-bench && bench/vm-bench (./mneme bench host runs it).
if(TARGET mmcore_fast AND MNEME_VM_SOURCES)
  add_library(vm_fast STATIC ${MNEME_VM_SOURCES})
  target_include_directories(vm_fast PUBLIC ${MNEME_ROOT}/mmserver/vm)
  target_link_libraries(vm_fast PUBLIC mmcore_fast)
  add_executable(vm-bench ${VM_TEST_DIR}/vm_bench.c ${VM_TEST_DIR}/vm_env.c)
  target_link_libraries(vm-bench vm_fast)
  set_target_properties(vm-bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()

# libmm end to end on the host: the client library compiled unchanged with
# a stand-in syscall header that runs vm_request() in-process.
if(TARGET vm_host AND EXISTS ${MNEME_ROOT}/userland/libmm/libmm.c)
  add_executable(libmm_test ${VM_TEST_DIR}/test_libmm.c ${VM_TEST_DIR}/vm_env.c
                 ${MNEME_ROOT}/userland/libmm/libmm.c)
  target_include_directories(libmm_test PRIVATE ${VM_TEST_DIR}/libmm_stub
    ${MNEME_ROOT}/userland/include ${MNEME_ROOT}/userland/libmm/include)
  target_link_libraries(libmm_test vm_host)
  add_test(NAME vm_libmm COMMAND libmm_test)
  set_tests_properties(vm_libmm PROPERTIES LABELS "host;vm" TIMEOUT 120)
endif()

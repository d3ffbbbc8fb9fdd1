# Host tests of the core's generic code (tasks, threads, scheduler, IPC,
# faults, syscalls, boot archive and ELF checks), built against a fake
# architecture (test/host/core/fake) with ASan + UBSan.
set(CORE_TEST_DIR ${MNEME_ROOT}/test/host/core)
set(CORE_HOST_SOURCES aspace.c cpu.c handle.c sched.c ipc.c task.c fault.c vm.c frametype.c pgtable.c bootmem.c
    memmap.c syscall.c
    syscall_fast.c syscall_server.c archive.c elf.c printk.c device.c)
set(core_host_files ${CORE_TEST_DIR}/fake/fake_arch.c)
foreach(f ${CORE_HOST_SOURCES})
  if(EXISTS ${MNEME_ROOT}/core/${f})
    list(APPEND core_host_files ${MNEME_ROOT}/core/${f})
  endif()
endforeach()
add_library(core_host STATIC ${core_host_files})
target_include_directories(core_host PUBLIC
  ${CORE_TEST_DIR}/fake ${MNEME_ROOT}/core/include ${MNEME_ROOT}/arch/include ${MNEME_ROOT}/ipc/include)
target_compile_options(core_host PUBLIC -std=gnu11 -O1 -g ${MNEME_SANITIZE_FLAGS})
target_link_options(core_host PUBLIC ${MNEME_SANITIZE_FLAGS})

foreach(suite objects ipc fuzz boot vm device)
  if(EXISTS ${CORE_TEST_DIR}/test_${suite}.c)
    add_executable(core_${suite}_test ${CORE_TEST_DIR}/test_${suite}.c ${CORE_TEST_DIR}/harness.c)
    target_link_libraries(core_${suite}_test PRIVATE core_host)
    # Result registers aliased as on riscv64 (ret i = arg i) and as on x86_64 (ret 0 = nr, ret i = arg i-1).
    foreach(abi riscv x86)
      add_test(NAME core_${suite}.${abi} COMMAND core_${suite}_test)
      set_tests_properties(core_${suite}.${abi} PROPERTIES LABELS "host;core" TIMEOUT 120
        ENVIRONMENT "FAKE_ABI=${abi}")
    endforeach()
  endif()
endforeach()

# Compile-only check of the boot path against the fake arch (it needs the
# real bootmem/paging to run; QEMU tests cover it).
add_library(core_host_compile OBJECT ${MNEME_ROOT}/core/boot_server.c)
target_include_directories(core_host_compile PRIVATE
  ${CORE_TEST_DIR}/fake ${MNEME_ROOT}/core/include ${MNEME_ROOT}/arch/include ${MNEME_ROOT}/ipc/include)
target_compile_options(core_host_compile PRIVATE -std=gnu11)
target_sources(core_host_compile PRIVATE ${MNEME_ROOT}/core/core_test.c)

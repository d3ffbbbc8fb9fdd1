# QEMU tests of user tasks (issue 3): the core boots the memory server,
# which runs the test programs named on the command line (tests=...) from
# the boot archive and reports each as a KTAP subtest of "user"; run.py
# judges the exit status and the whole KTAP document.
#
# Registered per architecture once it implements <arch/uspace.h> (one of
# its headers defines ARCH_HAS_USPACE): before that the core stops after
# its built-in tests and these would only time out.
set(MNEME_USER_TESTS
  t_runtime t_ipc t_clients t_order t_handles t_dead t_preempt t_pager t_nohandler
  t_isolation t_hostile t_fuzz t_limits t_fair t_ptcharge t_refault t_refused)
foreach(arch x86_64 riscv64)
  file(GLOB_RECURSE uspace_headers ${MNEME_ROOT}/arch/${arch}/include/*.h)
  set(has_uspace OFF)
  foreach(h ${uspace_headers})
    file(STRINGS ${h} def REGEX "^#define ARCH_HAS_USPACE")
    if(def)
      set(has_uspace ON)
    endif()
  endforeach()
  if(NOT has_uspace)
    continue()
  endif()
  foreach(t ${MNEME_USER_TESTS})
    string(REGEX REPLACE "^t_" "" short ${t})
    mneme_qemu_test(user.${short} ${arch} TIMEOUT 240 ARGS --timeout 200 --append tests=${t}
      --expect-line "^    ok [0-9]+ ${t}$")
  endforeach()
  # The demo (./mneme run): tasks get memory in different ways; the server
  # prints the memory state before and after and checks the reclaim.
  mneme_qemu_test(user.demo ${arch} ARGS --append demo
    --expect-line "memory before the demo" --expect-line "^MemFree:"
    --expect-line "hello back from task" --expect-line "all tasks done"
    --expect-line "demo: every frame reclaimed" --expect-line "memory after the demo"
    --expect-line "^ok [0-9]+ demo$")
endforeach()

# On a CPU with UMIP (issue 12): sgdt from user mode is refused, so the
# isolation test's core_table_addresses_hidden runs rather than skips.
if(TEST qemu.x86_64.user.isolation)
  mneme_qemu_test(user.isolation.cpu-max x86_64 TIMEOUT 240 ARGS --timeout 200 --cpu max
    --append tests=t_isolation --expect-line "UMIP on"
    --expect-line "^        ok [0-9]+ core_table_addresses_hidden$" --expect-line "^    ok [0-9]+ t_isolation$")
endif()

# A fault that recurs at a page mapped with the rights it needs (issue 12):
# QEMU 7.2 raises one on a user iretq when SMAP is on (--cpu max); the core
# retries a bounded number of times, then kills the task and says why.
if(TEST qemu.x86_64.user.refault)
  mneme_qemu_test(user.refault.cpu-max x86_64 TIMEOUT 240 ARGS --timeout 200 --cpu max
    --append tests=t_refault --expect-line "SMAP on"
    --expect-line "although the page is mapped r.-: retried [0-9]+ times after flushing the TLB, killed"
    --expect-line "^        ok [0-9]+ recurring_fault_killed$" --expect-line "^    ok [0-9]+ t_refault$")
endif()

# Every test program in one boot (tasks come and go, the server reuses
# their frames), on a larger machine; riscv64 also under Sv39.
foreach(arch x86_64 riscv64)
  file(GLOB_RECURSE uspace_headers ${MNEME_ROOT}/arch/${arch}/include/*.h)
  set(has_uspace OFF)
  foreach(h ${uspace_headers})
    file(STRINGS ${h} def REGEX "^#define ARCH_HAS_USPACE")
    if(def)
      set(has_uspace ON)
    endif()
  endforeach()
  if(has_uspace)
    mneme_qemu_test(user.all.4G ${arch} TIMEOUT 900 ARGS --timeout 880 --mem 4G --append tests=all
      --expect-line "^ok [0-9]+ user$")
  endif()
endforeach()
if(TEST qemu.riscv64.user.all.4G)
  mneme_qemu_test(user.all.sv39 riscv64 TIMEOUT 900 ARGS --timeout 880 --mem 4G
    --append "no4lvl tests=all" --expect-line "Sv39 paging" --expect-line "^ok [0-9]+ user$")
endif()

# The same on one CPU (the IPC fast path and single-CPU scheduling), and
# the multiprocessing tests (userland/tests/t_smp.c) on 2 and 4 CPUs
# without -icount, so QEMU runs the CPUs in parallel on the host.
foreach(arch x86_64 riscv64)
  if(TEST qemu.${arch}.user.all.4G)
    mneme_qemu_test(user.all.1cpu ${arch} TIMEOUT 900 ARGS --timeout 880 --smp 1 --mem 1G
      --append tests=all --expect-line "^ok [0-9]+ user$")
    foreach(n 2 4)
      mneme_qemu_test(user.smp.${n} ${arch} TIMEOUT 900 ARGS --timeout 880 --smp ${n} --mem 512M
        --append tests=t_smp --expect-line "a pinned thread on each made progress"
        --expect-line "it never saw a reused frame" --expect-line "its next write always faulted"
        --expect-line "^    ok [0-9]+ t_smp$")
    endforeach()
  endif()
endforeach()

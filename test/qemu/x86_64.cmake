# x86_64-only QEMU tests (the shared ones are in tests.cmake).

# 1 GiB pages in the direct map (-cpu max has pdpe1gb, SMEP, SMAP) with RAM above 4 GiB.
mneme_qemu_test(boot.q35.cpu-max.4G x86_64 ARGS --machine q35 --cpu max --mem 4G --check-map
  --expect-line "1G pages on")

# 64 GiB: RAM is allocated lazily under TCG; reserve=off lets QEMU map it on
# hosts with less memory under the kernel's heuristic overcommit.
foreach(machine q35 pc)
  mneme_qemu_test(boot.${machine}.64G x86_64 ARGS --machine ${machine} --mem 64G --check-map
    -- -object memory-backend-ram,id=ram0,size=64G,reserve=off -machine memory-backend=ram0)
endforeach()

# A kernel stack overflow hits the guard page; #DF on its IST stack must still dump.
mneme_qemu_test(stack-overflow-dump x86_64 ARGS --append x86_stack_overflow_test --expect panic
  --expect-line "unexpected trap: double fault" --expect-line "cr2: 0x"
  --expect-line "halting after unexpected trap")

# An initrd arrives as PVH module 0 and is kept out of usable memory (any file will do).
mneme_qemu_test(initrd x86_64 ARGS --check-map --expect-line "initrd \\[mem 0x[0-9a-f]+-0x[0-9a-f]+\\] kept as core"
  -- -initrd ${MNEME_IMAGE_x86_64})

# The timer's rate against the TSC, exact only where time is virtual: under
# -icount both follow the instruction count, so "not too slow" is checked
# here and nowhere a loaded host could make ticks late.
mneme_qemu_test(timer.icount x86_64 ARGS --icount --append timer_strict
  --expect-line "# x86_time: 40 ticks")

# riscv64-specific QEMU tests (included by test/qemu/tests.cmake).
set(MNEME_OPENSBI_DEBIAN_JUMP /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin)

# The paging mode the hart offers (QEMU 7.2: Sv48), and the Sv39 path
# forced with Linux's "no4lvl"; 4 GiB so the direct map needs gigapages.
mneme_qemu_test(paging.sv48 riscv64 ARGS --mem 4G --check-map
  --expect-line "boot tables Sv48" --expect-line "Sv48 paging, direct map at 0xffff800000000000 \\(physical below 65536 GiB\\)")
mneme_qemu_test(paging.sv39 riscv64 ARGS --mem 4G --check-map --append no4lvl
  --expect-line "Sv39 paging, direct map at 0xffffffc000000000")

# OpenSBI's fw_jump (fixed next address 0x80200000, device tree moved to 0x82200000).
mneme_qemu_test(boot.virt.debian-fw-jump riscv64 ARGS --bios ${MNEME_OPENSBI_DEBIAN_JUMP} --check-map
  --expect-line "device tree at 0x82200000")

# Deterministic time (rdtime follows the instruction count) and several harts in the tree.
mneme_qemu_test(boot.virt.icount riscv64 ARGS --icount)
mneme_qemu_test(boot.virt.smp4 riscv64 ARGS --smp 4 --mem 1G --check-map)

# Overflowing the boot stack hits its guard page and still gives a dump.
mneme_qemu_test(stack-overflow riscv64 ARGS --append stack_overflow_test --expect panic
  --expect-line "kernel stack overflow" --expect-line "unexpected trap: kernel stack overflow"
  --expect-line "halting after unexpected trap")

# The same on CPU 1's stack in the stack window: its guard page is unmapped
# too, the emergency stack works from any hart, and the dump names the hart.
mneme_qemu_test(stack-overflow.cpu1 riscv64 ARGS --smp 2 --append stack_overflow_test_cpu1
  --expect panic --expect-line "recursing on hart [0-9]+'s kernel stack"
  --expect-line "kernel stack overflow" --expect-line "unexpected trap: kernel stack overflow"
  --expect-line "^  hart [0-9]+ \\(cpu 1\\)$" --expect-line "halting after unexpected trap")

# A broken device tree is reported with the parser's message and ends in a
# clear panic, never a hang.
foreach(kind bad-reg too-deep)
  add_test(NAME qemu.riscv64.dtb.${kind}
    COMMAND sh ${MNEME_ROOT}/arch/riscv64/test/bad-dtb.sh ${kind} ${CMAKE_BINARY_DIR}/dtb-${kind}
            ${MNEME_QEMU_RUN} --arch riscv64 --kernel ${MNEME_IMAGE_riscv64} --timeout 60
            --expect panic --no-ktap --expect-line "mneme: riscv64: device"
            --expect-line "panic: firmware memory map unusable")
  set_tests_properties(qemu.riscv64.dtb.${kind} PROPERTIES LABELS "qemu;riscv64" TIMEOUT 90)
endforeach()

# A larger machine: RAM above 4 GiB in gigapages.
mneme_qemu_test(boot.virt.16G riscv64 ARGS --mem 16G --check-map)

# An initrd from QEMU (/chosen linux,initrd-*) is kept out of usable memory.
mneme_qemu_test(boot.virt.initrd riscv64 ARGS --check-map
  --expect-line "initrd \\[mem 0x[0-9a-f]+-0x[0-9a-f]+\\] kept as core" -- -initrd ${MNEME_IMAGE_riscv64})

# User tasks on a hart without ASIDs ("noasid": every address space runs
# with ASID 0 and activating one flushes the previous one's entries), and
# under Sv39 (user half and core half in the 3-level layout).
foreach(t t_ipc t_pager t_preempt)
  string(REGEX REPLACE "^t_" "" short ${t})
  mneme_qemu_test(user.noasid.${short} riscv64 TIMEOUT 240 ARGS --timeout 200
    --append "noasid tests=${t}" --expect-line "0 ASID bits" --expect-line "^    ok [0-9]+ ${t}$")
  mneme_qemu_test(user.sv39.${short} riscv64 TIMEOUT 240 ARGS --timeout 200
    --append "no4lvl tests=${t}" --expect-line "Sv39 paging" --expect-line "^    ok [0-9]+ ${t}$")
endforeach()

# Multiprocessing (arch/riscv64/smp.c): the harts of /cpus started through
# SBI HSM, whichever hart won OpenSBI's boot lottery (QEMU runs the harts
# in parallel: no -icount), each listed once with its CPU index; the
# smp and riscv_smp ktests then check that every CPU answers IPIs and
# cross-calls on its own hart and flushes its TLB on request.
foreach(n 1 2 8)
  if(n EQUAL 1)
    set(harts --expect-line "^smp: riscv64: hart [0-9]+: cpu 0 \\(boot\\), node 0, riscv,sv48$"
              --expect-line "^smp: Brought up 1 node, 1 CPU$")
  else()
    set(harts --expect-line "(smp: riscv64: hart [0-9]+: cpu [0-9]+(| \\(boot\\)), node 0, riscv,sv48\\n){${n}}(NUMA: .*\\n)*smp: Bringing up secondary CPUs"
              --expect-line "^smp: Brought up 1 node, ${n} CPUs$")
  endif()
  mneme_qemu_test(smp.${n} riscv64 ARGS --smp ${n}
    --expect-line "^smp: riscv64: SBI HSM extension, IPI extension, RFENCE extension$" ${harts}
    --expect-line "^    ok [0-9]+ ipi_reaches_every_cpu" --expect-line "^    ok [0-9]+ tlb_flush_cpus_asid")
endforeach()

# OpenSBI 1.1 can send a started hart to the cold entry (its hart_start
# publishes START_PENDING before the start address): entry.S sends such a
# hart on as a secondary from smp.c's start note.  riscv_late_entry_test
# starts every hart at the cold entry on purpose; all must come up.
mneme_qemu_test(smp.late-entry riscv64 ARGS --smp 4 --append riscv_late_entry_test
  --expect-line "^smp: Brought up 1 node, 4 CPUs$"
  --expect-line "^    ok [0-9]+ ipi_reaches_every_cpu" --expect-line "^    ok [0-9]+ tlb_flush_cpus_asid")

# Debian's fw_dynamic OpenSBI starts four harts the same way.
mneme_qemu_test(smp.debian-opensbi riscv64 ARGS --bios ${MNEME_OPENSBI_DEBIAN} --smp 4
  --expect-line "^smp: riscv64: SBI HSM extension" --expect-line "^smp: Brought up 1 node, 4 CPUs$")

# A device tree with a disabled hart, one without mmu-type and one with
# "riscv,none": each is skipped for its reason, the parked hart never
# disturbs the run (arch/riscv64/test/smp-dtb.sh checks what depends on
# the boot hart).
add_test(NAME qemu.riscv64.smp.dtb-skips
  COMMAND sh ${MNEME_ROOT}/arch/riscv64/test/smp-dtb.sh ${CMAKE_BINARY_DIR}/smp-dtb
          ${MNEME_QEMU_RUN} --arch riscv64 --kernel ${MNEME_IMAGE_riscv64} --smp 5 --timeout 150
          --expect-line "^smp: riscv64: hart 2: skipped: status not okay$"
          --expect-line "^smp: Brought up 1 node, [23] CPUs$")
set_tests_properties(qemu.riscv64.smp.dtb-skips PROPERTIES LABELS "qemu;riscv64" TIMEOUT 180)

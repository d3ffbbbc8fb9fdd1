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
  --expect-line "unexpected trap: double fault" --expect-line "cpu: 0 \\(APIC id 0\\)$"
  --expect-line "cr2: 0x" --expect-line "halting after unexpected trap")

# An initrd arrives as PVH module 0 and is kept out of usable memory (any file will do;
# a small one: the memory server must still find 95% of 128 MiB available).
mneme_qemu_test(initrd x86_64 ARGS --smp 1 --check-map --expect-line "initrd \\[mem 0x[0-9a-f]+-0x[0-9a-f]+\\] kept as core"
  -- -initrd ${MNEME_ROOT}/README.md)

# The timer's rate against the TSC, exact only where time is virtual: under
# -icount both follow the instruction count, so "not too slow" is checked
# here and nowhere a loaded host could make ticks late.
mneme_qemu_test(timer.icount x86_64 ARGS --icount --append timer_strict
  --expect-line "# x86_time: 40 ticks")

# Multiprocessing (issue 8): every CPU QEMU gives comes up, listed in the
# boot log as Linux lists them, and the smp and x86_smp ktests run on all
# of them (IPIs, per-CPU state, cross-CPU calls, TLB shootdown).  Without
# -icount QEMU runs the CPUs in parallel threads, which is what finds
# races; one run under -icount replays the same bring-up deterministically.
foreach(machine q35 pc)
  foreach(n 1 2 8)
    set(lines)
    if(n GREATER 1)
      math(EXPR last "${n} - 1")
      set(cpus "")
      foreach(i RANGE 1 ${last})
        string(APPEND cpus " #${i}")
      endforeach()
      set(lines --expect-line "^ACPI: APIC 0x" --expect-line "^smpboot: Allowing ${n} CPUs, 0 hotplug CPUs$"
        --expect-line "^smp: Bringing up secondary CPUs" --expect-line "^smpboot: x86: Booting SMP configuration:$"
        --expect-line "^\\.\\.\\.\\. node  #0, CPUs: +${cpus}$")
    endif()
    mneme_qemu_test(smp.${machine}.${n} x86_64 ARGS --machine ${machine} --smp ${n} ${lines}
      --expect-line "^smp: Brought up 1 node, ${n} CPUs?$" --expect-line "^ok [0-9]+ x86_smp$")
  endforeach()
endforeach()
# -cpu max: every CPU runs with SMEP, SMAP, UMIP and 1 GiB pages in the direct map.
mneme_qemu_test(smp.q35.cpu-max.4 x86_64 ARGS --smp 4 --cpu max --mem 4G
  --expect-line "SMEP on, SMAP on, UMIP on, 1G pages on" --expect-line "^smp: Brought up 1 node, 4 CPUs$"
  --expect-line "^ok [0-9]+ x86_smp$")
mneme_qemu_test(smp.q35.4.icount x86_64 ARGS --smp 4 --icount
  --expect-line "^smp: Brought up 1 node, 4 CPUs$" --expect-line "^ok [0-9]+ x86_smp$")

# A fault on an application processor: the dump names the CPU it happened on.
mneme_qemu_test(ap-fault-dump x86_64 ARGS --smp 2 --append x86_ap_fault_test --expect panic
  --expect-line "x86_ap_fault_test: CPU 1 writes" --expect-line "unexpected trap: page fault"
  --expect-line "fault address: 0x0*10$" --expect-line "cpu: 1 \\(APIC id 1\\)$"
  --expect-line "halting after unexpected trap")

# More CPUs than CORE_MAX_CPUS (16): the rest are reported and never started.
mneme_qemu_test(smp.q35.18 x86_64 TIMEOUT 240 ARGS --timeout 220 --smp 18
  --expect-line "^smpboot: 2 CPUs beyond the limit of 16 \\(CORE_MAX_CPUS\\): left parked$"
  --expect-line "^smpboot: Allowing 16 CPUs" --expect-line "^smp: Brought up 1 node, 16 CPUs$"
  --expect-line "^ok [0-9]+ x86_smp$")

# ACPI tables the core must judge: crafted by arch/x86_64/test/acpi_blob.py,
# loaded into RAM by QEMU's generic loader and named with acpi_rsdp= (the
# way Linux takes an RSDP address).  QEMU gives two CPUs; good tables (and
# flaws the core works around) bring both up, bad ones leave the boot CPU
# alone with the reason printed.  acpi=off ignores ACPI altogether.
set(ACPI_BLOB_DIR ${CMAKE_BINARY_DIR}/test/acpi-blobs)
set(ACPI_BLOB_BASE 0x6000000)     # inside the usable RAM of -m 128M, away from the image
set(ACPI_BLOBS)
function(acpi_blob_test case cpus)
  set(blob ${ACPI_BLOB_DIR}/${case}.bin)
  add_custom_command(OUTPUT ${blob}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ACPI_BLOB_DIR}
    COMMAND ${Python3_EXECUTABLE} ${MNEME_ROOT}/arch/x86_64/test/acpi_blob.py ${case} ${ACPI_BLOB_BASE} ${blob}
    DEPENDS ${MNEME_ROOT}/arch/x86_64/test/acpi_blob.py VERBATIM)
  set(ACPI_BLOBS ${ACPI_BLOBS} ${blob} PARENT_SCOPE)
  mneme_qemu_test(acpi.${case} x86_64 ARGS --smp 2 --append acpi_rsdp=${ACPI_BLOB_BASE}
    --expect-line "^ACPI: RSDP.* from the command line|^ACPI: RSDP at 0x0*6000000 \\(command line\\): "
    ${ARGN} --expect-line "^smp: Brought up 1 node, ${cpus} CPUs?$" --expect-line "^ok [0-9]+ x86_smp$"
    -- -device loader,file=${blob},addr=${ACPI_BLOB_BASE},force-raw=on)
endfunction()
acpi_blob_test(good 2 --expect-line "^ACPI: XSDT 0x0*6000080 ")
acpi_blob_test(xsdt-checksum 2 --expect-line "^ACPI: XSDT at 0x0*6000080: bad checksum$"
  --expect-line "^ACPI: using the RSDT instead$" --expect-line "^ACPI: RSDT 0x0*6000040 ")
acpi_blob_test(madt-dup 2 --expect-line "^ACPI: MADT: ignored 1 entries repeating an APIC id")
acpi_blob_test(rsdp-checksum 1 --expect-line "bad checksum$"
  --expect-line "^smpboot: no usable ACPI tables: booting with one CPU$")
acpi_blob_test(madt-checksum 1 --expect-line "^ACPI: APIC 0x0*6000200: bad checksum, ignored$"
  --expect-line "^smpboot: the MADT is not valid: booting with one CPU$")
acpi_blob_test(madt-entry 1 --expect-line "^ACPI: MADT at 0x0*6000200: entry runs past the table$"
  --expect-line "^smpboot: the MADT is malformed: booting with one CPU$")
acpi_blob_test(madt-length 1 --expect-line "^ACPI: APIC 0x0*6000200: length too large, ignored$"
  --expect-line "^smpboot: the MADT is not valid: booting with one CPU$")
acpi_blob_test(madt-empty 1 --expect-line "^ACPI: MADT at 0x0*6000200: no enabled processor$")
acpi_blob_test(madt-no-boot 1
  --expect-line "^smpboot: the boot CPU's APIC id is not in the MADT: booting with one CPU$")
add_custom_target(acpi_blobs ALL DEPENDS ${ACPI_BLOBS})
mneme_qemu_test(acpi.off x86_64 ARGS --smp 2 --append acpi=off
  --expect-line "^ACPI: disabled on the command line \\(acpi=off\\)$"
  --expect-line "^smpboot: no usable ACPI tables: booting with one CPU$"
  --expect-line "^smp: Brought up 1 node, 1 CPU$")

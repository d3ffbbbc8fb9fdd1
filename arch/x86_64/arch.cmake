# x86_64 description for cmake/target.cmake.
set(MNEME_X86_DIR ${MNEME_ROOT}/arch/x86_64)
set(MNEME_ARCH_CORE_SOURCES
  ${MNEME_X86_DIR}/boot.S
  ${MNEME_X86_DIR}/trap.S
  ${MNEME_X86_DIR}/entry.S
  ${MNEME_X86_DIR}/start.c
  ${MNEME_X86_DIR}/serial.c
  ${MNEME_X86_DIR}/cpu.c
  ${MNEME_X86_DIR}/pvh.c
  ${MNEME_X86_DIR}/multiboot2.c
  ${MNEME_X86_DIR}/multiboot2_parse.c
  ${MNEME_X86_DIR}/desc.c
  ${MNEME_X86_DIR}/trap.c
  ${MNEME_X86_DIR}/uspace.c
  ${MNEME_X86_DIR}/mmu.c
  ${MNEME_X86_DIR}/apic.c
  ${MNEME_X86_DIR}/irq.c
  ${MNEME_X86_DIR}/smp.c
  ${MNEME_X86_DIR}/ipi.c
  ${MNEME_X86_DIR}/acpi.c
  ${MNEME_X86_DIR}/acpi_boot.c
  ${MNEME_X86_DIR}/numa.c
  ${MNEME_X86_DIR}/tsc.c
  ${MNEME_X86_DIR}/selftest.c
  ${MNEME_X86_DIR}/paging_test.c
  ${MNEME_X86_DIR}/pvh_test.c
  ${MNEME_X86_DIR}/uspace_test.c
  ${MNEME_X86_DIR}/smp_test.c)
# Top 2 GiB code model, no red zone (traps push onto the interrupted stack),
# no FP/SIMD state in the core (nothing saves it on a trap).
set(MNEME_ARCH_CORE_FLAGS
  -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx -mno-80387
  -fno-asynchronous-unwind-tables -fno-unwind-tables)
set(MNEME_ARCH_CORE_LDSCRIPT ${MNEME_X86_DIR}/core.ld)
# User programs: small code model, no red zone assumption needed, but no
# FP/SIMD until the core saves that state on a switch.
set(MNEME_ARCH_USER_FLAGS -mcmodel=small -mno-mmx -mno-sse -mno-sse2 -mno-avx -mno-80387)

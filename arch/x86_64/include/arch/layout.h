/*
 * x86_64 virtual and physical layout of the core.  Plain #defines only:
 * included by C, by assembly and (by hand, see core.ld) mirrored in the
 * linker script.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  user half (47 bits, later)
 *   0xffff800000000000 ..                     direct map of RAM (PML4 256..)
 *   0xffffffff80000000 + phys                 the core image (top 2 GiB, -mcmodel=kernel)
 *   0xffffffffc0000000 ..                     fixed mappings (local APIC, ACPI window, CPU stacks)
 */
#ifndef ARCH_X86_LAYOUT_H
#define ARCH_X86_LAYOUT_H

/* Virtual address of physical 0 in the image mapping (Linux's __START_KERNEL_map). */
#define X86_KERNEL_VMA        0xffffffff80000000
/* Physical load address of the image (must match core.ld). */
#define X86_KERNEL_LOAD       0x200000
#define X86_DIRECT_MAP_BASE   0xffff800000000000
/*
 * Fixed mappings: one page table's 2 MiB whose entries the core writes
 * after boot (the table itself exists from arch_mmu_init() on, so every
 * address space sees the entries; mmu.c:x86_fixmap_set).
 *   LAPIC   the local APIC's registers (each CPU reaches its own here)
 *   IOAPIC  the I/O APIC that carries the devices' interrupts (irq.c)
 *   ACPI    a window through which ACPI tables are read at boot
 *   STACKS  per application processor: kernel and IST stacks between
 *           unmapped guard pages (smp.c)
 */
#define X86_FIXMAP_BASE       0xffffffffc0000000
#define X86_FIXMAP_SIZE       0x200000
#define X86_FIXMAP_LAPIC      (X86_FIXMAP_BASE + 0x0000)
#define X86_FIXMAP_IOAPIC     (X86_FIXMAP_BASE + 0x4000)   /* the I/O APIC of the devices' lines (irq.c) */
#define X86_FIXMAP_ACPI       (X86_FIXMAP_BASE + 0x10000)
#define X86_FIXMAP_ACPI_PAGES 32
#define X86_FIXMAP_STACKS     (X86_FIXMAP_BASE + 0x100000)
#define X86_CPU_STACKS_SIZE   0x10000          /* one CPU's slot of the STACKS area: */
#define X86_SLOT_KSTACK       0x1000           /*   guard page, then the kernel stack */
#define X86_KSTACK_SIZE       0x4000
#define X86_SLOT_IST(i)       (0x6000 + (i) * 0x3000)   /* guard page, IST stack i, ... */
#define X86_IST_SIZE          0x2000           /*   guard pages up to the slot's end */

/* The end of the user half (ARCH_USER_TOP; here for assembly): canonical, never mapped. */
#define X86_USER_TOP          0x00007ffffffff000

/* The boot page tables identity-map (and so bootmem may hand out) this much. */
#define X86_BOOT_MAP_LIMIT    0x100000000

/* GDT selectors.  The user ones follow the order sysret needs (STAR). */
#define X86_SEL_KCODE   0x08
#define X86_SEL_KDATA   0x10
#define X86_SEL_UCODE32 0x18   /* unused placeholder: STAR[63:48] base */
#define X86_SEL_UDATA   0x20   /* | 3 */
#define X86_SEL_UCODE   0x28   /* | 3 */
#define X86_SEL_TSS     0x30   /* 16-byte descriptor */

/* Interrupt vectors. */
#define X86_VEC_PIC_BASE   0x20   /* 8259s, remapped and masked: only spurious ones */
#define X86_VEC_TIMER      0x30
#define X86_VEC_DEVICE     0x40   /* + device index: device interrupts through the I/O APIC (irq.c) */
#define X86_VEC_IPI        0xf0   /* the core's IPI: core_ipi() */
#define X86_VEC_CALL       0xf1   /* cross-CPU requests: TLB flushes, calls (ipi.c) */
#define X86_VEC_SPURIOUS   0xff

/* Interrupt stack table slots (1-based as in the IDT). */
#define X86_IST_DF   1
#define X86_IST_NMI  2
#define X86_IST_MC   3

#endif

/*
 * The architecture contract: everything generic core code may ask of an
 * architecture.  Generic code includes only this header; each architecture
 * implements it under arch/<arch>/ and supplies <arch/arch_impl.h> with the
 * inline fast operations and constants listed below.
 *
 * <arch/arch_impl.h> must define:
 *   ARCH_NAME              "x86_64" / "riscv64"
 *   ARCH_DIRECT_MAP_BASE   virtual address where physical 0 appears in the
 *                          direct map of RAM (valid after arch_mmu_init())
 *   ARCH_KERNEL_VIRT_BASE  lowest virtual address of the core's image
 *   struct arch_regs       the register frame saved on every trap
 *   arch_irq_disable(), arch_irq_enable(), arch_irq_save()/arch_irq_restore(),
 *   arch_wait_for_interrupt()   halt until the next interrupt (hlt / wfi)
 *   arch_cycles()          a cheap monotonically increasing counter (TSC / rdtime)
 *   arch_cpu_relax()       the body of a spin-wait loop (pause / nop)
 *   arch_irq_window()      with interrupts off: let the pending ones be taken,
 *                          then turn them off again (sti; nop; cli: the nop
 *                          ends sti's shadow, which pause would not)
 *   struct arch_cpu        the architecture's per-CPU block: the first member
 *                          of the generic struct cpu (<core/cpu.h>)
 *   arch_this_cpu()        the calling CPU's struct cpu (valid from
 *                          arch_cpu_init_boot() on the boot CPU, and on every
 *                          other CPU from its first instruction of C)
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mneme/bootinfo.h>
#include <arch/arch_impl.h>

/* Exit codes for arch_exit(). */
#define CORE_EXIT_PASS   0   /* every test passed / orderly shutdown */
#define CORE_EXIT_FAIL   1   /* a test failed */
#define CORE_EXIT_PANIC  2   /* panic or unexpected trap */

/* Write one character to the boot console (serial). Safe from trap context. */
void arch_console_putc(char c);

/*
 * Tell the emulator the run is over with @code (CORE_EXIT_*), so the host
 * sees it as QEMU's exit status.  Never returns; if no exit device exists,
 * halts forever with interrupts off.
 */
__attribute__((noreturn)) void arch_exit(int code);

/*
 * Append the firmware's memory map, unsanitised, to bi->ranges (x86_64:
 * the e820 table of hvm_start_info; riscv64: the device tree), printing it
 * as the firmware gave it; fill cmdline, initrd, nr_cpus, timer_hz,
 * phys_addr_bits, virt_addr_bits and huge_page_sizes.  Also appends the
 * physical ranges of boot data the core still needs (start info, device
 * tree, command line) as MNEME_MEM_CORE.  Returns 0 or -MNEME_E*: a
 * firmware map the core cannot use is reported, not trusted.
 */
int arch_firmware_map(struct mneme_boot_info *bi);

/*
 * Build the core's final page tables and switch to them: a direct map of
 * every RAM range of @bi at ARCH_DIRECT_MAP_BASE using the largest page
 * sizes alignment allows, the core image mapped W^X (text RX, rodata R,
 * data and bss RW+NX), and no identity map.  Frames for page tables come
 * from bootmem_alloc().  Enables NX/SMEP/SMAP where present.
 */
void arch_mmu_init(struct mneme_boot_info *bi);

/* Physical address range [start, end) of the core's loaded image. */
void arch_image_range(uint64_t *start, uint64_t *end);

/*
 * Start the periodic timer of the calling CPU at @hz interrupts per
 * second; each interrupt calls core_timer_tick().  Called on every CPU,
 * the boot CPU first (what must be measured once, is measured then).
 * Interrupts stay disabled until the caller enables them.
 */
void arch_timer_init(uint32_t hz);

/* Print a register frame (trap dumps). */
void arch_dump_regs(const struct arch_regs *regs);

/* Called by the architecture on every timer interrupt. */
void core_timer_tick(void);

/*
 * Called by the architecture for a trap it does not handle itself: prints
 * @what, the faulting address and the frame, and ends the run with
 * CORE_EXIT_PANIC.
 */
__attribute__((noreturn)) void core_unexpected_trap(const char *what, uint64_t fault_addr,
						    const struct arch_regs *regs);

/* Generic entry point: the architecture calls it once console and trap vectors are up. */
__attribute__((noreturn)) void core_main(void);

/* ---- Multiprocessing (driven by core/smp.c; struct cpu and limits in <core/cpu.h>) ---- */
struct cpu;

/*
 * Make arch_this_cpu() return @c on the calling CPU, the boot CPU: called
 * once by core_main() before anything else uses per-CPU state.
 */
void arch_cpu_init_boot(struct cpu *c);

/*
 * Find the CPUs the firmware describes, after arch_mmu_init() (x86_64: the
 * ACPI MADT; riscv64: the device tree's /cpus).  Sets hwid (and node) of
 * cpu_table[0 .. n-1], the boot CPU at index 0, n <= CORE_MAX_CPUS, and
 * returns n >= 1.  Prints what it found; CPUs beyond CORE_MAX_CPUS and
 * unusable ones are reported and never started.  A malformed table is
 * reported and the boot goes on with the boot CPU alone.
 */
unsigned arch_smp_discover(void);

struct numa_firmware;
/*
 * Read the firmware's NUMA affinities and distances into @fw (initialised
 * by the caller; core/numa.h), after arch_smp_discover() and before any
 * other CPU starts (x86_64: the ACPI SRAT and SLIT, read through a window
 * only the boot CPU may use; riscv64: numa-node-id and /distance-map of
 * the device tree).  Node ids are assigned here; core/numa.c judges the
 * whole.  Unusable tables: @fw->error says why (printed by the caller).
 */
void arch_numa_firmware(struct numa_firmware *fw);

/*
 * Start application processor @c (index > 0, hwid set): give it its
 * kernel stack and per-CPU state, the core's page tables and trap
 * vectors, and have it call core_cpu_main(@c) with interrupts off.
 * Returns 0 once @c runs, or -MNEME_E* if it did not come up (reported;
 * the boot goes on without it).
 */
int arch_cpu_start(struct cpu *c);

/*
 * Interrupt CPU @c (never the caller): on @c the core's IPI handler runs,
 * core_ipi(), as soon as @c has interrupts enabled (at once in user mode
 * or in the idle loop).  Several IPIs sent before @c takes one may arrive
 * as one: the core keeps what each asked for in memory.
 */
void arch_ipi_send(struct cpu *c);

/*
 * Invalidate on every CPU in @mask (never the caller, which flushes
 * itself) the TLB entries of @as for [va, va + size), everything of @as
 * if size is 0.  Returns when no CPU in @mask can use an old translation
 * of the range any more.  Called with interrupts off and no spinlock held;
 * while it waits, the caller serves flush requests addressed to it, so
 * two CPUs flushing each other cannot deadlock.
 */
void arch_tlb_flush_cpus(uint64_t mask, const struct arch_aspace *as, uint64_t va, uint64_t size);

/*
 * One pause of a wait for another CPU (interrupts off, no spinlock held):
 * serve what other CPUs asked of this one that can be served anywhere
 * (remote TLB flushes), and let time pass, halting briefly where a spin
 * would keep an emulator from running the CPU waited for (riscv64 under
 * QEMU 7.2's -icount).
 */
void arch_wait_relax(void);

/* Called by the architecture on an application processor once it runs C on its own stack. */
__attribute__((noreturn)) void core_cpu_main(struct cpu *c);

/*
 * Called by the architecture for the core's IPI, interrupts off.  @user
 * is the interrupted thread's frame when the IPI came from user mode
 * (the core may then switch threads before the return), NULL when it
 * interrupted the core (the idle loop).
 */
void core_ipi(struct arch_regs *user);

/* ---- Devices lent to user mode (core/device.c; docs/architecture.md "Devices") ---- */

/* A device the architecture found: what user mode is told about it. */
struct arch_device {
	uint32_t kind;                /* MNEME_DEVICE_* */
	uint32_t line;                /* its interrupt line (x86_64: GSI; riscv64: PLIC source) */
	uint32_t nr_regs;             /* byte registers 0 .. nr_regs - 1 */
};

/*
 * Find the devices the core lends to user mode, boot CPU only, after
 * arch_mmu_init() and before the other CPUs start: fill @out (at most
 * @max) and return how many.  Each device's interrupt is routed to the
 * boot CPU and left masked.  Today: the console UART.
 */
unsigned arch_devices_init(struct arch_device *out, unsigned max);

/* Register @reg (< nr_regs) of device @dev: read, write (any CPU, no lock held). */
uint8_t arch_device_read(unsigned dev, unsigned reg);
void arch_device_write(unsigned dev, unsigned reg, uint8_t value);

/*
 * Let device @dev's interrupt in again (any CPU): unmask it, or complete
 * the interrupt the controller holds.  Masking happens in the
 * architecture's handler, before it calls core_device_irq().
 */
void arch_irq_unmask(unsigned dev);

/*
 * Called by the architecture for an interrupt of device @dev, interrupts
 * off, the line already masked (it stays so until arch_irq_unmask()).
 * @user: the interrupted thread's frame when it came from user mode (the
 * core may then switch threads before the return), NULL from the core.
 */
void core_device_irq(unsigned dev, struct arch_regs *user);

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(ARCH_DIRECT_MAP_BASE + pa);
}

static inline uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - ARCH_DIRECT_MAP_BASE;
}

#endif

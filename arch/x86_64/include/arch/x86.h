/*
 * x86_64 internals shared by the files of arch/x86_64: CPU registers,
 * port I/O, CPUID, MSRs and the interfaces between the arch files.
 * Generic code never includes this.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/arch.h>

/* Control register and MSR bits the core uses. */
#define X86_CR0_MP      (1ull << 1)
#define X86_CR0_EM      (1ull << 2)
#define X86_CR0_WP      (1ull << 16)
#define X86_CR0_AM      (1ull << 18)
#define X86_CR3_NOFLUSH (1ull << 63)
#define X86_CR4_PGE     (1ull << 7)
#define X86_CR4_UMIP    (1ull << 11)
#define X86_CR4_PCIDE   (1ull << 17)
#define X86_CR4_SMEP    (1ull << 20)
#define X86_CR4_SMAP    (1ull << 21)
#define X86_MSR_EFER    0xc0000080
#define X86_EFER_SCE    (1ull << 0)
#define X86_EFER_NXE    (1ull << 11)
#define X86_MSR_STAR    0xc0000081
#define X86_MSR_LSTAR   0xc0000082
#define X86_MSR_SFMASK  0xc0000084
#define X86_MSR_GS_BASE 0xc0000101
#define X86_MSR_KERNEL_GS_BASE 0xc0000102
#define X86_MSR_APIC_BASE 0x1b
#define X86_RFLAGS_TF   (1ull << 8)
#define X86_RFLAGS_DF   (1ull << 10)
#define X86_RFLAGS_NT   (1ull << 14)
#define X86_RFLAGS_AC   (1ull << 18)
#define X86_RFLAGS_FIXED (1ull << 1)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline void x86_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define X86_CR_ACCESSORS(n)                                                   \
	static inline uint64_t read_cr##n(void)                               \
	{                                                                     \
		uint64_t v;                                                   \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));             \
		return v;                                                     \
	}                                                                     \
	static inline void write_cr##n(uint64_t v)                            \
	{                                                                     \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");    \
	}
X86_CR_ACCESSORS(0)
X86_CR_ACCESSORS(3)
X86_CR_ACCESSORS(4)

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* What CPUID says a CPU has (cpu.c); x86_cpu is the boot CPU's. */
struct x86_cpu_features {
	bool nx;            /* EFER.NXE / PTE bit 63 */
	bool pdpe1gb;       /* 1 GiB pages */
	bool smep, smap;
	bool umip;          /* sgdt, sidt, sldt, smsw, str fault outside ring 0 */
	bool pge;           /* global pages */
	bool pcid;
	bool invpcid;
	bool apic;
	unsigned phys_bits;
	unsigned virt_bits;
};
extern struct x86_cpu_features x86_cpu;
/* Read the calling CPU's features into *@f. */
void x86_cpu_detect(struct x86_cpu_features *f);
/*
 * Turn on what x86_cpu offers (NXE, WP, PGE, SMEP, SMAP) on the calling
 * CPU; x86_cpu_enable_protection() also prints the boot CPU's summary line.
 */
void x86_cpu_protection_on(void);
void x86_cpu_enable_protection(void);

/*
 * uspace.c: the boot CPU's user-mode set-up after the final CR3
 * (x86_uspace_init: SMAP and PCID decisions, then x86_uspace_cpu_init),
 * and every CPU's own (syscall MSRs, PCID on, FP off for user mode).
 */
void x86_uspace_init(void);
void x86_uspace_cpu_init(void);
/* Go back to the core's own tables (tests that activated a user space). */
void x86_activate_core(void);
/* SMAP is on: the entry code and user copies use stac/clac (trap.S, entry.S read it). */
extern uint8_t x86_smap_on;

/* trap.c: every trap from user mode (trap.S), with the thread's frame. */
void x86_user_trap(struct arch_regs *regs);

/* serial.c: COM1 */
void x86_serial_init(void);

/*
 * How the image was entered (boot.S passes it to x86_start): QEMU's PVH
 * -kernel path, or a Multiboot2 loader (GRUB, under a BIOS or UEFI).
 */
#define X86_BOOT_PVH        0
#define X86_BOOT_MULTIBOOT2 1
extern uint32_t x86_boot_protocol;

/* pvh.c: copy the PVH start info (and what it points to) into the image. */
void x86_pvh_save(uint32_t start_info_pa);
/* The RSDP's address the start info gave, 0 if none. */
uint64_t x86_pvh_rsdp(void);
/* Linux's "BIOS-e820: [mem ...] type" line, and its name for an e820 type. */
void x86_e820_print(uint64_t addr, uint64_t size, uint32_t type);
const char *x86_e820_type_name(uint32_t type);
/* The CPU's facts in the boot info (both boot protocols). */
struct mneme_boot_info;
void x86_fill_cpu_facts(struct mneme_boot_info *bi);

/* multiboot2.c: copy GRUB's boot information into the image; decode it into the boot info. */
void x86_mb2_save(uint32_t info_pa);
int x86_mb2_map(struct mneme_boot_info *bi);
/* Physical address of the RSDP copy of the Multiboot2 ACPI tags, 0 if none. */
uint64_t x86_mb2_rsdp(void);

/*
 * acpi_boot.c: the firmware's ACPI tables, validated, read through the
 * fixmap window (boot CPU only, before the other CPUs start).  NULL if
 * there are none or they cannot be used (reported once).
 */
struct acpi_root;
const struct acpi_root *x86_acpi_root(void);
/* Unmap the window once done with what acpi_find_table() & co. returned. */
void x86_acpi_release(void);

/*
 * desc.c: the calling CPU's GDT and TSS in @c->arch, with IST stacks
 * whose tops are @ist_top[0..2] (#DF, NMI, #MC), loaded, and its GS base
 * pointed at @c; the IDT, built once (x86_idt_init) and loaded on every
 * CPU (x86_idt_load).
 */
#define X86_NR_IST 3
void x86_gdt_init(struct cpu *c, const uint64_t ist_top[X86_NR_IST]);
void x86_idt_init(void);
void x86_idt_load(void);

/* smp.c: reserve the application processors' start-up page below 1 MiB (bootmem). */
void x86_trampoline_reserve(void);
extern uint64_t x86_trampoline_pa;
/* smp.c: the slot of @c's stacks in the fixmap (an application processor's). */
uint64_t x86_cpu_stacks(const struct cpu *c);
/*
 * ipi.c: cross-CPU requests.  x86_cpu_call() runs @fn(@arg) on CPU @c
 * (not the caller) from its request interrupt, interrupts off, and
 * returns once it has returned; the caller serves requests addressed to
 * it while it waits.  x86_cpu_call_start() posts the same to every CPU
 * of @mask but the caller and returns the mask it used at once;
 * x86_cpu_call_wait(that mask) waits for them.  x86_requests_serve()
 * runs every request waiting for the calling CPU (the X86_VEC_CALL
 * handler, and every wait).
 */
void x86_cpu_call(struct cpu *c, void (*fn)(void *arg), void *arg);
uint64_t x86_cpu_call_start(uint64_t mask, void (*fn)(void *arg), void *arg);
void x86_cpu_call_wait(uint64_t mask);
void x86_requests_serve(void);
/* Requests the calling CPU has served: TLB flushes and calls (statistics and tests). */
struct x86_request_stats {
	uint64_t flushes;
	uint64_t calls;
};
extern struct x86_request_stats x86_request_stats[];

/* selftest.c: command-line selected checks that end the run. */
void x86_boot_selftest(void);

/* trap.c */
void x86_trap(struct arch_regs *regs);
/* Number of int3 breakpoints handled (a handled trap, for the tests). */
extern volatile uint64_t x86_breakpoints;
const char *x86_exception_name(uint64_t vector);

/* apic.c: the calling CPU's local APIC (once mapped): end of interrupt, id, ICR. */
void lapic_eoi(void);
/* The boot CPU's LINT0 takes the 8259's interrupts (ExtINT): the PIC carries a device's line. */
void lapic_lint0_extint(void);

/*
 * irq.c: if @vector is a device's interrupt, mask its line, acknowledge
 * it and tell the core (core_device_irq(), @user as there): true; else
 * false.
 */
bool x86_device_interrupt(uint64_t vector, struct arch_regs *user);
uint32_t x86_lapic_id(void);
#define X86_ICR_FIXED   0x4000u         /* fixed delivery, level assert: | vector */
#define X86_ICR_INIT    0x4500u         /* INIT, level assert */
#define X86_ICR_STARTUP 0x4600u         /* start-up IPI: | page number of the entry */
void x86_lapic_icr(uint32_t apic_id, uint32_t low);
/* tsc.c: measure TSC ticks per second against the PIT; also sets x86_tsc_hz. */
uint64_t x86_tsc_calibrate(void);
extern uint64_t x86_tsc_hz;

/* Linker script symbols. */
extern char __image_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __image_end[], __bss_start[], __bss_end[];
extern char boot_stack_guard[], boot_stack_top[];

/* Physical address of a symbol of the image. */
static inline uint64_t x86_image_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - X86_KERNEL_VMA;
}

#endif

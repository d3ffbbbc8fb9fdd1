/*
 * Multiprocessing on x86_64 (the contract in <arch/arch.h>): the per-CPU
 * block, finding the CPUs in the ACPI MADT, and starting application
 * processors with INIT / start-up IPIs.  Interprocessor interrupts and
 * cross-CPU requests (TLB flushes) are in ipi.c.
 *
 * Per-CPU state.  Each CPU's struct cpu (cpu_table[i]) starts with its
 * struct arch_cpu, and the core runs with the GS base pointing at it:
 * the entry code reaches its fields as %gs:PCPU_*, arch_this_cpu() loads
 * the self pointer.  Each CPU has its own GDT and TSS there; the IDT is
 * shared.  The boot CPU runs on the boot stack (image, guard page below)
 * with IST stacks in the image; each application processor's kernel
 * stack (16 KiB) and IST stacks (#DF, NMI, #MC; 8 KiB each) are bootmem
 * frames mapped in its 64 KiB slot of the fixmap's stack area, every one
 * between unmapped guard pages, so an overflow faults instead of
 * corrupting a neighbour.
 *
 * Discovery.  The MADT's enabled local APIC and x2APIC entries are the
 * CPUs (acpi.c decodes and validates them); the boot CPU is cpu_table[0]
 * whatever its place in the table, the others follow in table order up
 * to CORE_MAX_CPUS.  Anything wrong with the tables is reported and the
 * boot goes on with the boot CPU alone.  CPUs beyond the limit, and CPUs
 * whose APIC id xAPIC mode cannot address (>= 255), are reported and
 * never sent a start-up IPI: they stay parked in the firmware.
 *
 * Start-up (one CPU at a time, the boot CPU waiting).  The real-mode
 * trampoline (boot.S) is copied to a page below 1 MiB, reserved from
 * bootmem while the boot map is built (so it is "core" and the memory
 * server never gets it); x86_ap_boot tells the new CPU its struct cpu,
 * stack and the core's CR3.  INIT, 10 ms, start-up IPI, 200 us, a second
 * start-up IPI if the CPU has not answered yet (Intel's MP protocol),
 * then the CPU reports from C: x86_ap_main() checks it has every feature
 * the boot CPU turned on, loads its descriptors, turns on the same CR0,
 * CR4 and EFER bits and the syscall MSRs, and enters core_cpu_main(),
 * which starts its timer and marks it online.
 */
#include <stddef.h>
#include <arch/acpi.h>
#include <arch/frame.h>
#include <arch/pgtable.h>
#include <arch/x86.h>
#include <core/bootmem.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <core/spinlock.h>
#include <mneme/error.h>

_Static_assert(offsetof(struct cpu, arch) == 0, "struct arch_cpu is at the GS base");
_Static_assert(offsetof(struct arch_cpu, regs) == PCPU_REGS, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, kstack_top) == PCPU_KSTACK, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, user_rsp) == PCPU_USER_RSP, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, self) == PCPU_SELF, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, tss) == PCPU_TSS, "percpu layout");
_Static_assert(offsetof(struct arch_cpu, tss.rsp[0]) == PCPU_TSS_RSP0, "percpu layout");
_Static_assert(PCPU_TSS_RSP0 % 8 == 0, "TSS.rsp0 aligned");
_Static_assert(offsetof(struct arch_cpu, gdt) == PCPU_GDT, "percpu layout");
_Static_assert(sizeof(struct arch_cpu) == PCPU_SIZE, "percpu layout");

/* One CPU's slot of the fixmap stack area (layout.h): guard, kernel stack, then guard + IST stack x 3. */
#define SLOT_KSTACK      X86_SLOT_KSTACK
#define KSTACK_SIZE      X86_KSTACK_SIZE
#define SLOT_IST(i)      X86_SLOT_IST(i)
#define IST_SIZE         X86_IST_SIZE
#define SLOT_PAGES       ((KSTACK_SIZE + X86_NR_IST * IST_SIZE) / PAGE_SIZE_4K)
_Static_assert(SLOT_IST(X86_NR_IST - 1) + IST_SIZE < X86_CPU_STACKS_SIZE, "guard page on top");
_Static_assert(X86_FIXMAP_STACKS + CORE_MAX_CPUS * X86_CPU_STACKS_SIZE <=
	       X86_FIXMAP_BASE + X86_FIXMAP_SIZE, "every CPU's slot in the fixmap");

#define MADT_MAX_CPUS    256            /* entries looked at (the boot CPU may be any) */
#define XAPIC_MAX_ID     0xfe           /* 0xff is the broadcast address */
#define INIT_DELAY_US    10000
#define SIPI_DELAY_US    200
#define AP_TIMEOUT_US    10000000       /* as Linux: an emulated CPU on a loaded host can be slow */

/* What an application processor's entry code reads (offsets in <arch/frame.h>). */
struct x86_ap_boot {
	struct cpu *cpu;
	uint64_t stack_top;
	uint64_t cr3;
	uint64_t efer;
};
_Static_assert(offsetof(struct x86_ap_boot, stack_top) == AP_BOOT_STACK, "AP boot layout");
_Static_assert(offsetof(struct x86_ap_boot, cr3) == AP_BOOT_CR3, "AP boot layout");
_Static_assert(offsetof(struct x86_ap_boot, efer) == AP_BOOT_EFER, "AP boot layout");
struct x86_ap_boot x86_ap_boot;

enum { AP_STARTING, AP_RUNNING, AP_REFUSED };
static uint32_t ap_status;              /* written by the starting CPU */
static const char *ap_refusal;          /* why it refused (AP_REFUSED) */
uint64_t x86_trampoline_pa;             /* the page below 1 MiB, 0 if none */
static uint64_t boot_cr0, boot_cr4, boot_efer;   /* what every CPU runs with */
static struct acpi_cpu madt_cpus[MADT_MAX_CPUS];

extern char x86_trampoline[], x86_trampoline_end[];
__attribute__((noreturn)) void x86_ap_main(struct cpu *c);

/* x86_start() already loaded @c's GDT and TSS and pointed the GS base at it. */
void arch_cpu_init_boot(struct cpu *c)
{
	uint32_t r[4];

	ASSERT(c == &cpu_table[0]);
	x86_cpuid(1, 0, r);
	c->hwid = r[1] >> 24;                   /* initial APIC id (the local APIC is not mapped yet) */
	c->arch.kstack_top = (uint64_t)(uintptr_t)boot_stack_top;
	c->arch.self = c;
}

void x86_trampoline_reserve(void)
{
	x86_trampoline_pa = bootmem_alloc(PAGE_SIZE_4K, PAGE_SIZE_4K, X86_ISA_END);
}

/* ---- discovery ---- */

static unsigned one_cpu(const char *why)
{
	printk("smpboot: %s: booting with one CPU\n", why);
	return 1;
}

/*
 * cpu_table from the MADT's processors: the boot CPU first, then the
 * others in table order.  Returns how many CPUs the core will run on,
 * the boot CPU included.
 */
static unsigned choose_cpus(const struct acpi_madt *m)
{
	uint32_t boot_id = (uint32_t)cpu_table[0].hwid;
	unsigned n = 1, parked = m->nr_beyond, far = 0;
	bool boot_seen = false;

	for (uint32_t i = 0; i < m->nr_cpus; i++)
		boot_seen |= madt_cpus[i].apic_id == boot_id;
	if (!boot_seen)
		return one_cpu("the boot CPU's APIC id is not in the MADT");
	for (uint32_t i = 0; i < m->nr_cpus; i++) {
		uint32_t id = madt_cpus[i].apic_id;
		if (id == boot_id)
			continue;
		if (id > XAPIC_MAX_ID)
			far++;
		else if (n == CORE_MAX_CPUS)
			parked++;
		else
			cpu_table[n++].hwid = id;
	}
	if (far)
		printk("smpboot: %u CPUs have APIC ids above %u, which xAPIC mode cannot address: "
		       "left parked\n", far, XAPIC_MAX_ID);
	if (parked)
		printk("smpboot: %u CPUs beyond the limit of %u (CORE_MAX_CPUS): left parked\n",
		       parked, CORE_MAX_CPUS);
	if (m->nr_online_capable)
		printk("smpboot: %u online-capable CPUs left parked (no CPU hotplug)\n",
		       m->nr_online_capable);
	printk("smpboot: Allowing %u CPUs, 0 hotplug CPUs\n", n);
	return n;
}

unsigned arch_smp_discover(void)
{
	const struct acpi_root *r = x86_acpi_root();
	struct acpi_table t;
	struct acpi_madt m;
	const char *err;

	cpu_table[0].hwid = x86_lapic_id();
	boot_cr0 = read_cr0();
	boot_cr4 = read_cr4();
	boot_efer = rdmsr(X86_MSR_EFER);
	if (!r)
		return one_cpu("no usable ACPI tables");
	const void *madt = acpi_find_table(r, ACPI_SIG_MADT, 0, &t);
	if (!madt) {
		x86_acpi_release();
		return one_cpu(t.error ? "the MADT is not valid" : "no MADT");
	}
	err = acpi_madt_parse(madt, t.header.length, &m, madt_cpus, MADT_MAX_CPUS);
	x86_acpi_release();
	if (err) {
		printk("ACPI: MADT at 0x%016llX: %s\n", (unsigned long long)t.pa, err);
		return one_cpu("the MADT is malformed");
	}
	printk("ACPI: MADT: %u CPUs enabled, %u online-capable, %u disabled; local APICs at 0x%08x\n",
	       m.nr_enabled, m.nr_online_capable, m.nr_disabled, m.lapic_address);
	if (m.nr_duplicates || m.nr_invalid)
		printk("ACPI: MADT: ignored %u entries repeating an APIC id, %u with an invalid id\n",
		       m.nr_duplicates, m.nr_invalid);
	if (m.nr_enabled > 1 && !x86_trampoline_pa)
		return one_cpu("no free page below 1 MiB for the start-up trampoline");
	return choose_cpus(&m);
}

/* ---- start-up ---- */

static void delay_us(uint64_t us)
{
	uint64_t t0 = arch_cycles();

	while (arch_cycles() - t0 < us * (x86_tsc_hz / 1000000))
		arch_cpu_relax();
}

uint64_t x86_cpu_stacks(const struct cpu *c)
{
	return X86_FIXMAP_STACKS + (uint64_t)c->index * X86_CPU_STACKS_SIZE;
}

/* Frames for @c's kernel and IST stacks, mapped in its slot between guard pages. */
static int map_stacks(const struct cpu *c)
{
	uint64_t pa = bootmem_alloc(SLOT_PAGES * PAGE_SIZE_4K, PAGE_SIZE_4K, ~0ull);
	uint64_t slot = x86_cpu_stacks(c), leaf = PTE_W | PTE_G | (x86_cpu.nx ? PTE_NX : 0);

	if (!pa)
		return -MNEME_ENOMEM;
	__builtin_memset(phys_to_virt(pa), 0, SLOT_PAGES * PAGE_SIZE_4K);
	for (uint64_t i = 0; i < KSTACK_SIZE / PAGE_SIZE_4K; i++, pa += PAGE_SIZE_4K)
		x86_fixmap_set(slot + SLOT_KSTACK + i * PAGE_SIZE_4K, pa, leaf);
	for (int s = 0; s < X86_NR_IST; s++)
		for (uint64_t i = 0; i < IST_SIZE / PAGE_SIZE_4K; i++, pa += PAGE_SIZE_4K)
			x86_fixmap_set(slot + SLOT_IST(s) + i * PAGE_SIZE_4K, pa, leaf);
	return 0;
}

/* Wait up to @us for the starting CPU to answer; its status. */
static uint32_t wait_status(uint64_t us)
{
	uint64_t t0 = arch_cycles(), limit = us * (x86_tsc_hz / 1000000);
	uint32_t st;

	while ((st = load_acquire(&ap_status)) == AP_STARTING && arch_cycles() - t0 < limit)
		arch_cpu_relax();
	return st;
}

/*
 * The ".... node  #0, CPUs:   #1 #2" lines, one per node as Linux prints
 * them: a line is printed when the next CPU is on another node, and the
 * last once the last CPU answered (or failed).
 */
static char booted_line[16 * CORE_MAX_CPUS];
static unsigned booted_len;
static uint32_t booted_node;

static void booted_start(uint32_t node, bool first)
{
	booted_node = node;
	booted_len = (unsigned)ksnprintf(booted_line, sizeof(booted_line), ".... node  #%u, CPUs:  %s",
					 node, first ? "  " : "");
}

static void booted_note(const struct cpu *c, bool last)
{
	if (!booted_len) {
		printk("smpboot: x86: Booting SMP configuration:\n");
		booted_start(c ? c->node : 0, true);
	}
	if (c && c->node != booted_node) {
		printk("%s\n", booted_line);
		booted_start(c->node, false);
	}
	if (c && booted_len < sizeof(booted_line))
		booted_len += (unsigned)ksnprintf(booted_line + booted_len,
						  sizeof(booted_line) - booted_len, " #%u", c->index);
	if (last)
		printk("%s\n", booted_line);
}

/* INIT, start-up, start-up: the MP protocol, the second start-up only if still silent. */
static uint32_t send_startup(const struct cpu *c)
{
	uint32_t id = (uint32_t)c->hwid, page = (uint32_t)(x86_trampoline_pa >> 12);

	x86_lapic_icr(id, X86_ICR_INIT);
	delay_us(INIT_DELAY_US);
	x86_lapic_icr(id, X86_ICR_STARTUP | page);
	if (wait_status(SIPI_DELAY_US) != AP_STARTING)
		return load_acquire(&ap_status);
	x86_lapic_icr(id, X86_ICR_STARTUP | page);
	return wait_status(AP_TIMEOUT_US);
}

int arch_cpu_start(struct cpu *c)
{
	uint64_t size = (uint64_t)(x86_trampoline_end - x86_trampoline);
	bool last = c->index + 1 == nr_cpus_possible;
	int err;

	ASSERT(x86_trampoline_pa && size <= PAGE_SIZE_4K && c->index > 0 && c->index < CORE_MAX_CPUS);
	err = map_stacks(c);
	if (err) {
		printk("smpboot: CPU %u: no memory for its stacks\n", c->index);
		booted_note(NULL, true);
		return err;
	}
	__builtin_memcpy(phys_to_virt(x86_trampoline_pa), x86_trampoline, size);
	x86_ap_boot = (struct x86_ap_boot){
		.cpu = c,
		.stack_top = x86_cpu_stacks(c) + SLOT_KSTACK + KSTACK_SIZE,
		.cr3 = x86_kernel_pt.root,
		.efer = boot_efer & X86_EFER_NXE,
	};
	store_release(&ap_status, AP_STARTING);
	uint32_t st = send_startup(c);
	if (st == AP_RUNNING) {
		uint64_t t0 = arch_cycles(), limit = AP_TIMEOUT_US * (x86_tsc_hz / 1000000);
		while (!load_acquire(&c->online) && arch_cycles() - t0 < limit)
			arch_cpu_relax();
		if (load_acquire(&c->online)) {
			booted_note(c, last);
			return 0;
		}
	}
	/* Silent, refused or stuck: back to wait-for-SIPI, so it cannot run on later. */
	x86_lapic_icr((uint32_t)c->hwid, X86_ICR_INIT);
	booted_note(NULL, true);
	printk("smpboot: CPU %u (APIC 0x%llx) %s\n", c->index, (unsigned long long)c->hwid,
	       st == AP_STARTING ? "did not answer the start-up IPIs" :
	       st == AP_REFUSED ? ap_refusal : "did not come online");
	return -MNEME_EDEAD;
}

/* ---- on the new CPU ---- */

static void refuse(const char *why)
{
	ap_refusal = why;
	store_release(&ap_status, AP_REFUSED);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Every feature the boot CPU turned on or relies on must be here too. */
static const char *missing_feature(const struct x86_cpu_features *f)
{
	if (x86_cpu.nx && !f->nx)
		return "lacks NX, which the boot CPU uses";
	if (x86_cpu.pdpe1gb && !f->pdpe1gb)
		return "lacks 1 GiB pages, which the direct map uses";
	if ((x86_cpu.smep && !f->smep) || (x86_cpu.smap && !f->smap) || (x86_cpu.umip && !f->umip))
		return "lacks SMEP, SMAP or UMIP, which the boot CPU uses";
	if ((x86_cpu.pge && !f->pge) || (x86_cpu.pcid && !f->pcid) ||
	    (x86_cpu.invpcid && !f->invpcid))
		return "lacks PGE, PCID or INVPCID, which the boot CPU uses";
	if (!f->apic)
		return "has no local APIC";
	return NULL;
}

/* boot.S: on the core's page tables and @c's kernel stack, interrupts off. */
void x86_ap_main(struct cpu *c)
{
	uint64_t slot = x86_cpu_stacks(c), ist_top[X86_NR_IST];
	struct x86_cpu_features f;
	const char *why;

	x86_cpu_detect(&f);
	why = missing_feature(&f);
	if (why)
		refuse(why);
	for (int i = 0; i < X86_NR_IST; i++)
		ist_top[i] = slot + SLOT_IST(i) + IST_SIZE;
	x86_gdt_init(c, ist_top);
	c->arch.kstack_top = slot + SLOT_KSTACK + KSTACK_SIZE;
	c->arch.self = c;
	x86_idt_load();
	/* The boot CPU's CR0 as a whole: INIT leaves caching off (CD, NW) */
	write_cr0(boot_cr0);
	x86_cpu_protection_on();
	x86_uspace_cpu_init();
	if (cmdline_has("x86_ap_fault_test") && c->index == 1) {
		printk("mneme: x86_ap_fault_test: CPU 1 writes to an unmapped address\n");
		*(volatile uint64_t *)(uintptr_t)0x10 = 0xdead;
	}
	if (read_cr0() != boot_cr0 || read_cr4() != boot_cr4 || rdmsr(X86_MSR_EFER) != boot_efer) {
		printk("smpboot: CPU %u: CR0 0x%llx CR4 0x%llx EFER 0x%llx, the boot CPU's 0x%llx 0x%llx 0x%llx\n",
		       c->index, (unsigned long long)read_cr0(), (unsigned long long)read_cr4(),
		       (unsigned long long)rdmsr(X86_MSR_EFER), (unsigned long long)boot_cr0,
		       (unsigned long long)boot_cr4, (unsigned long long)boot_efer);
		refuse("runs with CR0, CR4 or EFER unlike the boot CPU's");
	}
	store_release(&ap_status, AP_RUNNING);
	core_cpu_main(c);
}

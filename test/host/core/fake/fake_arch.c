/*
 * The fake architecture behind the core's host tests: real four-level
 * page tables in host memory, built by the core's own page-table calls
 * (core/aspace.c over fake/arch/uspace_pt.h, core/pgtable.c) and a
 * simple entry encoding (fake/arch/pte.h), so
 * pools, table pruning and the page-table record run as on hardware;
 * user copies through those tables (physical address = host address, the
 * direct map is the identity); and an exit/idle hook that jumps back into
 * the test.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/uspace.h>
#include <arch/uspace_pt.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/pgtable.h>
#include <mneme/error.h>
#include "fake_arch.h"

static const struct arch_aspace *active;
struct mneme_boot_info boot_info;
int fake_abi_x86;
jmp_buf *fake_exit_jmp;
int fake_exit_code = -1;
jmp_buf *fake_idle_jmp;
unsigned fake_idle_count;
struct arch_regs *fake_current_regs;
struct cpu *fake_this_cpu = &cpu_table[0];
uint64_t fake_ticks;
unsigned fake_flushes;

uint64_t core_ticks(void) { return fake_ticks; }
uint64_t arch_cycles(void) { static uint64_t c; return ++c; }

void arch_console_putc(char c)
{
	if (getenv("FAKE_CONSOLE"))
		putchar(c);
}

void arch_exit(int code)
{
	fake_exit_code = code;
	if (fake_exit_jmp)
		longjmp(*fake_exit_jmp, 1);
	fprintf(stderr, "arch_exit(%d) outside a test\n", code);
	exit(3);
}

void arch_wait_for_interrupt(void)
{
	fake_idle_count++;
	if (fake_idle_jmp)
		longjmp(*fake_idle_jmp, 1);
	fprintf(stderr, "idle with no handler\n");
	exit(3);
}

void arch_dump_regs(const struct arch_regs *r)
{
	printf("# regs: ip=0x%llx sp=0x%llx\n", (unsigned long long)r->ip, (unsigned long long)r->sp);
}

void arch_ipi_send(struct cpu *c)
{
	(void)c;
	fprintf(stderr, "IPI with one CPU\n");
	exit(3);
}

void arch_wait_relax(void)
{
}

void arch_tlb_flush_cpus(uint64_t mask, const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	(void)as, (void)va, (void)size;
	if (mask) {
		fprintf(stderr, "remote TLB flush with one CPU\n");
		exit(3);
	}
}

void fake_reset(void)
{
	const char *abi = getenv("FAKE_ABI");
	fake_this_cpu = &cpu_table[0];
	memset(&cpu_table[0], 0, sizeof(cpu_table[0]));
	fake_abi_x86 = abi && !strcmp(abi, "x86");
	active = NULL;
	fake_flushes = 0;
}

int arch_aspace_init(struct arch_aspace *as, uint64_t root_pa, uint32_t asid)
{
	if (!root_pa || (root_pa & 4095))
		return -MNEME_EINVAL;
	memset((void *)(uintptr_t)root_pa, 0, 4096);
	as->root = root_pa;
	as->asid = asid;
	return 0;
}

void arch_aspace_activate(const struct arch_aspace *as)
{
	active = as;
}

/* A user access to @va in @as as the hardware records it: the leaf's accessed bit set. */
bool fake_access(const struct arch_aspace *as, uint64_t va)
{
	struct pgtable pt = arch_user_pt(as, 0, 0);
	unsigned level;
	uint64_t *e = va < ARCH_USER_TOP ? pgtable_find_leaf(&pt, va, &level) : NULL;

	if (e)
		*e |= PTE_A;
	return e != NULL;
}

const struct arch_aspace *fake_active(void)
{
	return active;
}

void arch_tlb_flush(const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	(void)as, (void)va, (void)size;
	fake_flushes++;
}

void arch_regs_init_user(struct arch_regs *regs, uint64_t entry, uint64_t sp, uint64_t arg0,
			 uint64_t arg1)
{
	memset(regs, 0, sizeof(*regs));
	regs->ip = entry;
	regs->sp = sp;
	regs->a[0] = arg0;
	regs->a[1] = arg1;
}

void arch_set_current_regs(struct arch_regs *regs)
{
	fake_current_regs = regs;
}

/* Byte @va of the active address space with @prot, or NULL. */
static uint8_t *user_byte(uint64_t va, unsigned prot)
{
	uint64_t pa;
	unsigned have, shift;

	if (!active || arch_aspace_query(active, va, &pa, &have, &shift) || (have & prot) != prot)
		return NULL;
	return (uint8_t *)(uintptr_t)(pa + (va & ((1ull << shift) - 1)));
}

int arch_copy_from_user(void *dst, uint64_t src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = user_byte(src + i, ARCH_PROT_READ);
		if (!p || src + i < src)
			return -MNEME_EFAULT;
		((uint8_t *)dst)[i] = *p;
	}
	return 0;
}

int arch_copy_to_user(uint64_t dst, const void *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = user_byte(dst + i, ARCH_PROT_WRITE);
		if (!p || dst + i < dst)
			return -MNEME_EFAULT;
		*p = ((const uint8_t *)src)[i];
	}
	return 0;
}

/* One fake device: eight byte registers in memory; unmasks are counted. */
uint8_t fake_device_regs[8];
unsigned fake_irq_unmasks;
unsigned fake_nr_devices = 1;

unsigned arch_devices_init(struct arch_device *out, unsigned max)
{
	unsigned n = fake_nr_devices < max ? fake_nr_devices : max;

	for (unsigned i = 0; i < n; i++)
		out[i] = (struct arch_device){ .kind = MNEME_DEVICE_UART_16550, .line = 4 + i,
					       .nr_regs = 8 };
	return n;
}

uint8_t arch_device_read(unsigned dev, unsigned reg)
{
	(void)dev;
	return fake_device_regs[reg];
}

void arch_device_write(unsigned dev, unsigned reg, uint8_t value)
{
	(void)dev;
	fake_device_regs[reg] = value;
}

void arch_irq_unmask(unsigned dev)
{
	(void)dev;
	fake_irq_unmasks++;
}

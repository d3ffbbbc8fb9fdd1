/*
 * The fake architecture behind the core's host tests: a table of
 * mappings per address space (each 2 MiB region needs one "page-table
 * frame" from the allocator, so pool exhaustion is exercised), user
 * copies through those mappings (physical address = host address, the
 * direct map is the identity), and an exit/idle hook that jumps back
 * into the test.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/uspace.h>
#include <core/core.h>
#include <core/cpu.h>
#include <mneme/error.h>
#include "fake_arch.h"

struct fake_map {
	uint32_t asid;
	uint64_t va, pa;
	unsigned shift, prot;
	bool used;
};

struct fake_table {
	uint32_t asid;
	uint64_t region;       /* va >> 21 */
	uint64_t pa;
	bool used;
};

#define FAKE_MAPS 4096
#define FAKE_TABLES 1024
static struct fake_map maps[FAKE_MAPS];
static struct fake_table tables[FAKE_TABLES];
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
	memset(maps, 0, sizeof(maps));
	memset(tables, 0, sizeof(tables));
	active = NULL;
	fake_flushes = 0;
}

int arch_aspace_init(struct arch_aspace *as, uint64_t root_pa, uint32_t asid)
{
	as->root = root_pa;
	as->asid = asid;
	for (unsigned i = 0; i < FAKE_MAPS; i++)
		if (maps[i].asid == asid)
			maps[i].used = false;
	for (unsigned i = 0; i < FAKE_TABLES; i++)
		if (tables[i].asid == asid)
			tables[i].used = false;
	return 0;
}

static struct fake_map *find_map(uint32_t asid, uint64_t va)
{
	for (unsigned i = 0; i < FAKE_MAPS; i++) {
		struct fake_map *m = &maps[i];
		if (m->used && m->asid == asid && va >= m->va && va - m->va < (1ULL << m->shift))
			return m;
	}
	return NULL;
}

static bool have_table(uint32_t asid, uint64_t region)
{
	for (unsigned i = 0; i < FAKE_TABLES; i++)
		if (tables[i].used && tables[i].asid == asid && tables[i].region == region)
			return true;
	return false;
}

int arch_aspace_map(struct arch_aspace *as, uint64_t va, uint64_t pa, unsigned page_shift,
		    unsigned prot, arch_pt_alloc_fn alloc, void *ctx)
{
	for (uint64_t off = 0; off < (1ULL << page_shift); off += 4096)
		if (find_map(as->asid, va + off))
			return -MNEME_EBUSY;
	if (page_shift == 12 && !have_table(as->asid, va >> 21)) {
		uint64_t t = alloc(ctx);
		if (!t)
			return -MNEME_ENOMEM;
		for (unsigned i = 0; i < FAKE_TABLES; i++) {
			if (!tables[i].used) {
				tables[i] = (struct fake_table){ as->asid, va >> 21, t, true };
				break;
			}
		}
	}
	for (unsigned i = 0; i < FAKE_MAPS; i++) {
		if (!maps[i].used) {
			maps[i] = (struct fake_map){ as->asid, va, pa, page_shift, prot, true };
			return 0;
		}
	}
	return -MNEME_ENOMEM;
}

int arch_aspace_unmap(struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *page_shift)
{
	struct fake_map *m = find_map(as->asid, va);

	if (!m)
		return -MNEME_ENOENT;
	*pa = m->pa;
	*page_shift = m->shift;
	m->used = false;
	return 0;
}

int arch_aspace_protect(struct arch_aspace *as, uint64_t va, unsigned prot)
{
	struct fake_map *m = find_map(as->asid, va);

	if (!m)
		return -MNEME_ENOENT;
	m->prot = prot;
	return 0;
}

int arch_aspace_query(const struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *prot,
		      unsigned *page_shift)
{
	struct fake_map *m = find_map(as->asid, va);

	if (!m)
		return -MNEME_ENOENT;
	*pa = m->pa;
	*prot = m->prot;
	*page_shift = m->shift;
	return 0;
}

void arch_aspace_for_each(const struct arch_aspace *as, uint64_t va, uint64_t end,
			  void (*fn)(void *arg, uint64_t va, unsigned page_shift), void *arg)
{
	/* address order: repeatedly the lowest mapping at or above the last one reported */
	uint64_t next = va;

	for (;;) {
		struct fake_map *best = NULL;
		for (unsigned i = 0; i < FAKE_MAPS; i++) {
			struct fake_map *m = &maps[i];
			if (!m->used || m->asid != as->asid || m->va + (1ULL << m->shift) <= next ||
			    m->va >= end)
				continue;
			if (!best || m->va < best->va)
				best = m;
		}
		if (!best)
			return;
		next = best->va + (1ULL << best->shift);
		fn(arg, best->va, best->shift);
	}
}

void arch_aspace_release_tables(struct arch_aspace *as, void (*fn)(uint64_t pa, void *ctx),
				void *ctx)
{
	for (unsigned i = 0; i < FAKE_TABLES; i++) {
		if (tables[i].used && tables[i].asid == as->asid) {
			fn(tables[i].pa, ctx);
			tables[i].used = false;
		}
	}
	for (unsigned i = 0; i < FAKE_MAPS; i++)
		if (maps[i].asid == as->asid)
			maps[i].used = false;
}

void arch_aspace_activate(const struct arch_aspace *as)
{
	active = as;
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
	if (!active || va >= ARCH_USER_TOP)
		return NULL;
	struct fake_map *m = find_map(active->asid, va);
	if (!m || (m->prot & prot) != prot)
		return NULL;
	return (uint8_t *)(uintptr_t)(m->pa + (va - m->va));
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

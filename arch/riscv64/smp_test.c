/*
 * riscv64 built-in tests of multiprocessing: the grouping of hart ids
 * into SBI hart masks, cross-calls, and the remote TLB flush
 * (arch_tlb_flush_cpus through SBI RFENCE).
 *
 * The flush test makes another hart hold a translation of a test address
 * space in its TLB, changes the page table on this hart, and checks what
 * the other hart sees after arch_tlb_flush_cpus(): the new frame after a
 * remap, a fault after an unmap, a fault on a write after a write
 * protect; for a single page, a range above the page-by-page limit and
 * the whole space; with an ASID (remote_sfence_vma_asid) and with ASID 0
 * (remote_sfence_vma).  Before each flush the other hart reads once more
 * without it: QEMU keeps the old translation then (each vCPU has its own
 * TLB, filled on use and emptied only by sfence.vma or an ASID change),
 * which shows the flush is what makes the difference.  That observation
 * is reported, not asserted: a TLB may drop an entry whenever it likes.
 * The test page is mapped without U and probed with SUM clear
 * (riscv_probe_load/store, which fail instead of trapping for good):
 * QEMU empties a hart's whole TLB whenever sstatus.SUM changes, which a
 * user copy does twice.
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <arch/uspace.h>
#include <core/bootmem.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/ktest.h>
#include <core/pgtable.h>
#include <core/printk.h>
#include <mneme/error.h>

int riscv_probe_load(const void *addr, uint64_t *out);
int riscv_probe_store(void *addr, uint64_t value);

#define TEST_VA        0x10000000ull     /* a user address of the test spaces */
#define TEST_ASID      1001u             /* above every task's ASID (task index + 1) */
#define PATTERN_A      0xa1a1a1a1a1a1a1a1ull
#define PATTERN_B      0xb2b2b2b2b2b2b2b2ull

KTEST(riscv_smp, hart_groups)
{
	/* CPUs 0..5 with sparse hart ids, two of them beyond 64 */
	static const uint64_t hwid[] = { 5, 0, 200, 63, 64, 127 };
	uint64_t mask = 0x3f;
	unsigned long base, harts;

	harts = riscv_hart_group(&mask, hwid, &base);      /* ids 0..63 */
	KEXPECT_EQ(t, base, 0);
	KEXPECT_EQ(t, harts, (1ul << 0) | (1ul << 5) | (1ul << 63));
	KEXPECT_EQ(t, mask, (1ull << 2) | (1ull << 4) | (1ull << 5));
	harts = riscv_hart_group(&mask, hwid, &base);      /* ids 64..127 */
	KEXPECT_EQ(t, base, 64);
	KEXPECT_EQ(t, harts, (1ul << 0) | (1ul << 63));
	KEXPECT_EQ(t, mask, 1ull << 2);
	harts = riscv_hart_group(&mask, hwid, &base);      /* id 200 alone */
	KEXPECT_EQ(t, base, 200);
	KEXPECT_EQ(t, harts, 1);
	KEXPECT_EQ(t, mask, 0);
	mask = 1ull << 3;                                   /* one CPU: its own base */
	KEXPECT_EQ(t, riscv_hart_group(&mask, hwid, &base), 1);
	KEXPECT_EQ(t, base, 63);
}

static void note_hart(void *arg)
{
	*(uint64_t *)arg = this_cpu()->hwid;
}

KTEST(riscv_smp, cross_call_runs_on_the_target)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "one CPU");
		return;
	}
	for (unsigned i = 0; i < nr_cpus_online; i++) {
		uint64_t hart = ~0ull;

		KEXPECT_EQ(t, riscv_cpu_call(&cpu_table[i], note_hart, &hart), 0);
		KEXPECT_EQ(t, hart, cpu_table[i].hwid);
	}
}

/* ---- the remote TLB flush ---------------------------------------------- */

static uint64_t test_frame(uint64_t fill)
{
	uint64_t pa = bootmem_alloc(PAGE_SIZE, PAGE_SIZE, RISCV_DIRECT_MAP_LIMIT);
	uint64_t *p = pa ? phys_to_virt(pa) : 0;

	for (unsigned i = 0; p && i < PAGE_SIZE / 8; i++)
		p[i] = fill;
	return pa;
}

static uint64_t table_frame(void *ctx)
{
	(void)ctx;
	return test_frame(0);
}

/* What the other hart does: switch to a space, read or write a word of it, switch back. */
struct probe {
	uint64_t satp;          /* the space to run in (kept after the call), 0: the core's */
	uint64_t va;
	bool write;
	uint64_t value;         /* read, or to write */
	int err;                /* 0, or -1 if the access faulted */
};

static void probe_run(void *arg)
{
	struct probe *p = arg;

	if (csr_read(satp) != p->satp) {
		csr_write(satp, p->satp);
		if ((p->satp >> 44 & 0xffff) == 0)
			sfence_vma_all();      /* ASID 0 is shared: start from a clean TLB */
	}
	if (p->write)
		p->err = riscv_probe_store((void *)(uintptr_t)p->va, p->value);
	else
		p->err = riscv_probe_load((const void *)(uintptr_t)p->va, &p->value);
}

static struct probe probe_on(struct ktest *t, struct cpu *c, uint64_t satp, bool write,
			     uint64_t value)
{
	struct probe p = { .satp = satp, .va = TEST_VA, .write = write, .value = value };

	KEXPECT_EQ(t, riscv_cpu_call(c, probe_run, &p), 0);
	return p;
}

struct flush_case {
	struct arch_aspace as;
	uint64_t frame_a, frame_b;
	unsigned stale;          /* reads of the old translation seen before a flush */
};

/* The test page without U: the probes run in S-mode with SUM clear. */
static void strip_user(struct flush_case *f)
{
	struct pgtable pt = { .root = f->as.root, .levels = riscv_kernel_pt.levels };
	unsigned level;
	uint64_t *e = pgtable_find_leaf(&pt, TEST_VA, &level);

	if (e)
		*e &= ~PTE_U;
}

static void remap(struct ktest *t, struct flush_case *f, uint64_t pa, unsigned prot)
{
	uint64_t old;
	unsigned shift;

	arch_aspace_unmap(&f->as, TEST_VA, &old, &shift);
	if (pa)
		KEXPECT_EQ(t, arch_aspace_map(&f->as, TEST_VA, pa, 12, prot, table_frame, 0), 0);
	strip_user(f);
	arch_tlb_flush(&f->as, TEST_VA, PAGE_SIZE);      /* this hart: never used, but by the rules */
}

/* A flush of @size (0: everything) covering TEST_VA, on @mask. */
static void flush(struct flush_case *f, uint64_t mask, uint64_t size)
{
	uint64_t va = size > PAGE_SIZE ? TEST_VA - size / 2 : TEST_VA;

	arch_tlb_flush_cpus(mask, &f->as, va, size);
}

/* One round on CPU @c: remap, write protect and unmap, each checked after a flush of @size. */
static void flush_round(struct ktest *t, struct flush_case *f, struct cpu *c, uint64_t size)
{
	const unsigned r = ARCH_PROT_READ, rw = ARCH_PROT_READ | ARCH_PROT_WRITE;
	uint64_t mask = cpumask_of(c->index);
	struct probe p;

	/* remap A -> B: the other hart reads B after the flush */
	remap(t, f, f->frame_a, r);
	arch_tlb_flush_cpus(mask, &f->as, 0, 0);
	p = probe_on(t, c, f->as.satp, false, 0);
	KEXPECT(t, p.err == 0 && p.value == PATTERN_A);
	remap(t, f, f->frame_b, r);
	p = probe_on(t, c, f->as.satp, false, 0);
	f->stale += p.err == 0 && p.value == PATTERN_A;
	flush(f, mask, size);
	p = probe_on(t, c, f->as.satp, false, 0);
	KEXPECT_EQ(t, p.err, 0);
	KEXPECT_EQ(t, p.value, PATTERN_B);

	/* write protect: the other hart's write faults after the flush */
	remap(t, f, f->frame_b, rw);
	arch_tlb_flush_cpus(mask, &f->as, 0, 0);
	p = probe_on(t, c, f->as.satp, true, PATTERN_B);
	KEXPECT_EQ(t, p.err, 0);
	KEXPECT_EQ(t, arch_aspace_protect(&f->as, TEST_VA, r), 0);
	strip_user(f);
	p = probe_on(t, c, f->as.satp, true, PATTERN_B);
	f->stale += p.err == 0;
	flush(f, mask, size);
	p = probe_on(t, c, f->as.satp, true, PATTERN_A);
	KEXPECT_EQ(t, p.err, -1);
	KEXPECT_EQ(t, *(uint64_t *)phys_to_virt(f->frame_b), PATTERN_B);

	/* unmap: the other hart's read faults after the flush */
	p = probe_on(t, c, f->as.satp, false, 0);
	KEXPECT(t, p.err == 0 && p.value == PATTERN_B);
	remap(t, f, 0, 0);
	p = probe_on(t, c, f->as.satp, false, 0);
	f->stale += p.err == 0;
	flush(f, mask, size);
	p = probe_on(t, c, f->as.satp, false, 0);
	KEXPECT_EQ(t, p.err, -1);
}

/* Every other CPU, for each flush size, in an address space with ASID @asid. */
static void flush_all_cpus(struct ktest *t, uint32_t asid)
{
	static const uint64_t sizes[] = { PAGE_SIZE, 2 * RISCV_FLUSH_PAGES_MAX * PAGE_SIZE, 0 };
	struct flush_case f = { .frame_a = test_frame(PATTERN_A), .frame_b = test_frame(PATTERN_B) };
	uint64_t root = test_frame(0);
	unsigned rounds = 0;

	KEXPECT(t, root && f.frame_a && f.frame_b);
	KEXPECT_EQ(t, arch_aspace_init(&f.as, root, asid), 0);
	KEXPECT_EQ(t, f.as.asid, asid < (1u << riscv_asid_bits) ? asid : 0);
	for (unsigned i = 1; i < nr_cpus_online; i++)
		for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++, rounds++)
			flush_round(t, &f, &cpu_table[i], sizes[s]);
	/* All of them in one call: every hart reads B afterwards. */
	remap(t, &f, f.frame_a, ARCH_PROT_READ);
	arch_tlb_flush_cpus(~0ull, &f.as, 0, 0);
	for (unsigned i = 1; i < nr_cpus_online; i++)
		KEXPECT_EQ(t, probe_on(t, &cpu_table[i], f.as.satp, false, 0).value, PATTERN_A);
	remap(t, &f, f.frame_b, ARCH_PROT_READ);
	arch_tlb_flush_cpus(~0ull, &f.as, TEST_VA, PAGE_SIZE);
	for (unsigned i = 1; i < nr_cpus_online; i++) {
		KEXPECT_EQ(t, probe_on(t, &cpu_table[i], f.as.satp, false, 0).value, PATTERN_B);
		probe_on(t, &cpu_table[i], riscv_kernel_satp, false, 0);   /* back to the core's space */
		arch_tlb_flush_cpus(cpumask_of(i), &f.as, 0, 0);
	}
	printk("    # ASID %u: %u of %u accesses before a flush still used the old translation\n",
	       f.as.asid, f.stale, 3 * rounds);
}

KTEST(riscv_smp, tlb_flush_cpus_asid)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "one CPU");
		return;
	}
	flush_all_cpus(t, TEST_ASID);
}

KTEST(riscv_smp, tlb_flush_cpus_no_asid)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "one CPU");
		return;
	}
	flush_all_cpus(t, 0);
}

/*
 * riscv64 built-in tests of the user-task contract (uspace.c): address
 * spaces built on bootmem frames (core half shared, user half cleared,
 * map/unmap/protect/query at 4 KiB and 2 MiB, W^X, failures that change
 * nothing, table release) and the user copies (SUM only inside, faults
 * and core addresses give -MNEME_EFAULT).  Entering user mode itself is
 * tested by the QEMU user tests (test/qemu/core.cmake).
 */
#include <arch/arch.h>
#include <core/pgtable.h>
#include <arch/riscv.h>
#include <arch/uspace.h>
#include <core/bootmem.h>
#include <core/ktest.h>
#include <mneme/error.h>

#define TEST_ASID 1000u   /* above every task's ASID (task index + 1) */

/* A frame allocator over a few bootmem frames, counting what it hands out. */
struct test_frames {
	uint64_t pa[8];
	unsigned nr, next, limit;
	unsigned released;
	uint64_t released_pa[8];
};

static uint64_t zeroed_frame(void)
{
	uint64_t pa = bootmem_alloc(PAGE_SIZE, PAGE_SIZE, ~0ull);

	if (pa)
		__builtin_memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static void frames_init(struct test_frames *f, unsigned nr)
{
	*f = (struct test_frames){ .limit = nr };
	for (unsigned i = 0; i < nr && i < 8; i++)
		f->pa[f->nr++] = zeroed_frame();
}

static uint64_t frames_alloc(void *ctx)
{
	struct test_frames *f = ctx;

	if (f->next >= f->limit || f->next >= f->nr)
		return 0;
	__builtin_memset(phys_to_virt(f->pa[f->next]), 0, PAGE_SIZE);
	return f->pa[f->next++];
}

static void frames_release(uint64_t pa, void *ctx)
{
	struct test_frames *f = ctx;

	if (f->released < 8)
		f->released_pa[f->released] = pa;
	f->released++;
}

/* A root frame full of junk, so the test sees arch_aspace_init() clear the user half. */
static uint64_t junk_root(void)
{
	uint64_t pa = zeroed_frame();

	if (pa)
		__builtin_memset(phys_to_virt(pa), 0xa5, PAGE_SIZE);
	return pa;
}

KTEST(riscv_uspace, init_shares_core_half)
{
	struct arch_aspace as;
	uint64_t root = junk_root();
	const uint64_t *r = phys_to_virt(root), *core = phys_to_virt(riscv_kernel_pt.root);
	unsigned bad_user = 0, bad_core = 0;

	KEXPECT(t, root != 0);
	KEXPECT_EQ(t, arch_aspace_init(&as, root + 8, 1), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_init(&as, root, 7), 0);
	for (unsigned i = 0; i < 256; i++)
		bad_user += r[i] != 0;
	for (unsigned i = 256; i < PT_ENTRIES; i++)
		bad_core += r[i] != core[i];
	KEXPECT_EQ(t, bad_user, 0);
	KEXPECT_EQ(t, bad_core, 0);
	KEXPECT_EQ(t, as.root, root);
	KEXPECT_EQ(t, as.satp >> SATP_MODE_SHIFT, riscv_satp_mode);
	KEXPECT_EQ(t, as.satp & ((1ull << 44) - 1), root >> PAGE_SHIFT);
	KEXPECT(t, riscv_asid_bits <= 16);
	KEXPECT_EQ(t, as.asid, riscv_asid_bits >= 3 ? 7 : 0);
	KEXPECT_EQ(t, (as.satp >> 44) & 0xffff, as.asid);
}

KTEST(riscv_uspace, map_query_unmap_protect)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t pa;
	unsigned prot, shift;
	const unsigned rw = ARCH_PROT_READ | ARCH_PROT_WRITE, rx = ARCH_PROT_READ | ARCH_PROT_EXEC;

	frames_init(&f, 8);
	KEXPECT_EQ(t, arch_aspace_init(&as, junk_root(), 2), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, rx, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x400123, &pa, &prot, &shift), 0);
	KEXPECT_EQ(t, pa, 0x80000000);
	KEXPECT_EQ(t, prot, rx);
	KEXPECT_EQ(t, shift, 12);
	/* the leaf: user, accessed/dirty preset, not global */
	uint64_t pte;
	unsigned level;
	struct pgtable pt = { .root = as.root, .levels = riscv_kernel_pt.levels };
	KEXPECT(t, pgtable_lookup(&pt, 0x400000, &pte, &level));
	KEXPECT_EQ(t, pte & (PTE_U | PTE_A | PTE_D | PTE_G | PTE_R | PTE_W | PTE_X | PTE_V),
		   PTE_U | PTE_A | PTE_D | PTE_R | PTE_X | PTE_V);

	/* the same page again, a 2 MiB page over the 4 KiB table: busy */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80001000, 12, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EBUSY);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80200000, 21, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EBUSY);
	/* W^X, reserved W-only, unknown bits, no rights, misaligned, beyond the user half */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x401000, 0x80001000, 12, rw | ARCH_PROT_EXEC,
				      frames_alloc, &f), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x401000, 0x80001000, 12, ARCH_PROT_WRITE, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x401000, 0x80001000, 12, 8 | ARCH_PROT_READ, frames_alloc,
				      &f), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x401000, 0x80001000, 12, 0, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x401800, 0x80001000, 12, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x600000, 0x80001000, 21, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x600000, 0x80200000, 13, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, ARCH_USER_TOP, 0x80000000, 12, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, ARCH_USER_TOP - 0x1000, 0x80000000, 21, rw, frames_alloc,
				      &f), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x401000, &pa, &prot, &shift), (uint64_t)-MNEME_ENOENT);

	/* 2 MiB page, then a 4 KiB page inside it: busy */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x40000000, 0x80200000, 21, rw, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x40200000, &pa, &prot, &shift), (uint64_t)-MNEME_ENOENT);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x401fffff, &pa, &prot, &shift), 0);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x40000000 + 0x1ff000, &pa, &prot, &shift), 0);
	KEXPECT_EQ(t, pa, 0x80200000);
	KEXPECT_EQ(t, shift, 21);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x40001000, 0x80001000, 12, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EBUSY);

	/* protect: rights change, W^X still refused, missing page */
	KEXPECT_EQ(t, arch_aspace_protect(&as, 0x40000000, ARCH_PROT_READ), 0);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x40000000, &pa, &prot, &shift), 0);
	KEXPECT_EQ(t, prot, ARCH_PROT_READ);
	KEXPECT_EQ(t, pa, 0x80200000);
	KEXPECT_EQ(t, arch_aspace_protect(&as, 0x40000000, rw | ARCH_PROT_EXEC), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_protect(&as, 0x50000000, rw), (uint64_t)-MNEME_ENOENT);

	/* unmap reports what was there; the core half is never reachable */
	KEXPECT_EQ(t, arch_aspace_unmap(&as, 0x40123000, &pa, &shift), 0);
	KEXPECT_EQ(t, pa, 0x80200000);
	KEXPECT_EQ(t, shift, 21);
	KEXPECT_EQ(t, arch_aspace_unmap(&as, 0x40123000, &pa, &shift), (uint64_t)-MNEME_ENOENT);
	KEXPECT_EQ(t, arch_aspace_unmap(&as, ARCH_KERNEL_VIRT_BASE, &pa, &shift),
		   (uint64_t)-MNEME_ENOENT);
	KEXPECT_EQ(t, arch_aspace_query(&as, ARCH_DIRECT_MAP_BASE + 0x80200000, &pa, &prot, &shift),
		   (uint64_t)-MNEME_ENOENT);
	KEXPECT_EQ(t, arch_aspace_protect(&as, ARCH_KERNEL_VIRT_BASE, rw), (uint64_t)-MNEME_ENOENT);
	KEXPECT_EQ(t, arch_aspace_unmap(&as, 0x400000, &pa, &shift), 0);
	KEXPECT_EQ(t, pa, 0x80000000);
	KEXPECT_EQ(t, shift, 12);
}

KTEST(riscv_uspace, out_of_frames_maps_nothing)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t pa;
	unsigned prot, shift;
	unsigned levels = riscv_kernel_pt.levels;

	/* a 4 KiB page needs levels - 1 tables; give one less */
	frames_init(&f, levels - 2);
	KEXPECT_EQ(t, arch_aspace_init(&as, junk_root(), 3), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, ARCH_PROT_READ, frames_alloc, &f),
		   (uint64_t)-MNEME_ENOMEM);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x400000, &pa, &prot, &shift), (uint64_t)-MNEME_ENOENT);
	/* the tables taken stay in the space: after one more frame the retry succeeds */
	f.limit = levels - 1;
	f.pa[f.nr++] = zeroed_frame();
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, ARCH_PROT_READ, frames_alloc, &f),
		   0);
	KEXPECT_EQ(t, f.next, levels - 1);
	/* a 2 MiB page next to it needs no new table */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x600000, 0x80200000, 21, ARCH_PROT_READ, frames_alloc, &f),
		   0);
	KEXPECT_EQ(t, f.next, levels - 1);
}

KTEST(riscv_uspace, release_reports_every_table)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t root = junk_root();
	unsigned levels = riscv_kernel_pt.levels;
	const unsigned rw = ARCH_PROT_READ | ARCH_PROT_WRITE;

	frames_init(&f, 8);
	KEXPECT_EQ(t, arch_aspace_init(&as, root, 4), 0);
	/* two leaf tables under one level-1 table, and a second gigabyte with its own */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, rw, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x800000, 0x80001000, 12, rw, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x1000000000ull, 0x80200000, 21, rw, frames_alloc, &f), 0);
	unsigned used = f.next;
	KEXPECT_EQ(t, used, levels == 4 ? 5 : 4);
	arch_aspace_release_tables(&as, frames_release, &f);
	KEXPECT_EQ(t, f.released, used);
	unsigned unknown = 0;
	for (unsigned i = 0; i < f.released && i < 8; i++) {
		bool found = false;
		for (unsigned j = 0; j < used; j++)
			found |= f.released_pa[i] == f.pa[j];
		unknown += !found;
	}
	KEXPECT_EQ(t, unknown, 0);
	const uint64_t *r = phys_to_virt(root), *core = phys_to_virt(riscv_kernel_pt.root);
	unsigned left = 0, core_changed = 0;
	for (unsigned i = 0; i < 256; i++)
		left += r[i] != 0;
	for (unsigned i = 256; i < PT_ENTRIES; i++)
		core_changed += r[i] != core[i];
	KEXPECT_EQ(t, left, 0);
	KEXPECT_EQ(t, core_changed, 0);
}

static uint64_t kernel_satp(void)
{
	return riscv_satp_mode << SATP_MODE_SHIFT | riscv_kernel_pt.root >> PAGE_SHIFT;
}

KTEST(riscv_uspace, user_copies)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t rw_pa = zeroed_frame(), ro_pa = zeroed_frame();
	uint8_t buf[64], back[64], scratch[8];
	const uint64_t rw_va = 0x400000, ro_va = 0x401000;

	frames_init(&f, 8);
	KEXPECT(t, rw_pa && ro_pa);
	KEXPECT_EQ(t, arch_aspace_init(&as, junk_root(), TEST_ASID), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, rw_va, rw_pa, 12, ARCH_PROT_READ | ARCH_PROT_WRITE,
				      frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, ro_va, ro_pa, 12, ARCH_PROT_READ, frames_alloc, &f), 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	((uint8_t *)phys_to_virt(ro_pa))[5] = 0x42;

	unsigned long irq = arch_irq_save();
	arch_tlb_flush(&as, 0, 0);
	arch_aspace_activate(&as);
	int to = arch_copy_to_user(rw_va + 3, buf, sizeof(buf));             /* unaligned: bytes */
	int to_words = arch_copy_to_user(rw_va + 2048, buf, sizeof(buf));    /* aligned: words */
	int from = arch_copy_from_user(back, rw_va + 3, sizeof(back));
	uint8_t ro_byte = 0;
	int from_ro = arch_copy_from_user(&ro_byte, ro_va + 5, 1);
	int to_ro = arch_copy_to_user(ro_va, buf, 8);
	int unmapped = arch_copy_from_user(scratch, 0x402000, 8);
	int straddle = arch_copy_from_user(scratch, ro_va + PAGE_SIZE - 4, 8);
	int null = arch_copy_from_user(scratch, 0, 8);
	int core = arch_copy_from_user(scratch, ARCH_KERNEL_VIRT_BASE, 8);
	int core_to = arch_copy_to_user(ARCH_DIRECT_MAP_BASE + rw_pa, buf, 8);
	int top = arch_copy_from_user(scratch, ARCH_USER_TOP - 4, 8);
	int wrap = arch_copy_from_user(scratch, rw_va, ~(size_t)0);
	int empty = arch_copy_from_user(scratch, 0x402000, 0);
	uint64_t sstatus = csr_read(sstatus);
	csr_write(satp, kernel_satp());
	arch_tlb_flush(&as, 0, 0);
	arch_irq_restore(irq);

	KEXPECT_EQ(t, to, 0);
	KEXPECT_EQ(t, to_words, 0);
	KEXPECT_EQ(t, from, 0);
	KEXPECT_EQ(t, __builtin_memcmp(back, buf, sizeof(buf)), 0);
	KEXPECT_EQ(t, __builtin_memcmp((uint8_t *)phys_to_virt(rw_pa) + 3, buf, sizeof(buf)), 0);
	KEXPECT_EQ(t, __builtin_memcmp((uint8_t *)phys_to_virt(rw_pa) + 2048, buf, sizeof(buf)), 0);
	KEXPECT_EQ(t, from_ro, 0);
	KEXPECT_EQ(t, ro_byte, 0x42);
	KEXPECT_EQ(t, to_ro, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, ((uint8_t *)phys_to_virt(ro_pa))[0], 0);
	KEXPECT_EQ(t, unmapped, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, straddle, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, null, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, core, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, core_to, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, top, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, wrap, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, empty, 0);
	KEXPECT_EQ(t, sstatus & SSTATUS_SUM, 0);   /* user access closed after every copy */
	KEXPECT_EQ(t, csr_read(satp), kernel_satp());
}

/* The leaf entry for @va in @as (NULL if none). */
static uint64_t *test_leaf(const struct arch_aspace *as, uint64_t va)
{
	struct pgtable pt = { .root = as->root, .levels = riscv_kernel_pt.levels };
	unsigned level;

	return pgtable_find_leaf(&pt, va, &level);
}

/*
 * The accessed bit the memory server ages pages by: cleared atomically
 * (D kept), set again by the next access (QEMU's walker sets it; a hart
 * that faults instead has riscv_fix_accessed() set it), and the fixup
 * itself: only a leaf that allows the access and lacks only A or D.
 */
KTEST(riscv_uspace, accessed_bits)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t rw_pa = zeroed_frame(), ro_pa = zeroed_frame();
	const uint64_t rw_va = 0x400000, ro_va = 0x401000;
	uint8_t b = 0;

	frames_init(&f, 8);
	KEXPECT_EQ(t, arch_aspace_init(&as, junk_root(), TEST_ASID), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, rw_va, rw_pa, 12, ARCH_PROT_READ | ARCH_PROT_WRITE,
				      frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, ro_va, ro_pa, 12, ARCH_PROT_READ, frames_alloc, &f), 0);
	uint64_t *e = test_leaf(&as, rw_va), *ro = test_leaf(&as, ro_va);
	KEXPECT(t, e && ro);
	if (!e || !ro)
		return;
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, rw_va), 1);     /* made young */
	KEXPECT_EQ(t, *e & (PTE_A | PTE_D), PTE_D);
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, rw_va + 8), 0);
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, 0x402000), (uint64_t)-MNEME_ENOENT);

	/* an access through the space marks it again */
	unsigned long irq = arch_irq_save();
	arch_tlb_flush(&as, 0, 0);
	arch_aspace_activate(&as);
	int got = arch_copy_from_user(&b, rw_va + 1, 1);
	csr_write(satp, kernel_satp());
	arch_tlb_flush(&as, 0, 0);
	arch_irq_restore(irq);
	KEXPECT_EQ(t, got, 0);
	KEXPECT_EQ(t, *e & PTE_A, PTE_A);

	/* the fixup: A missing on a read, D missing on a store; never for a real fault */
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, rw_va), 1);
	KEXPECT(t, riscv_fix_accessed(as.root, rw_va + 5, ARCH_PROT_READ));
	KEXPECT_EQ(t, *e & PTE_A, PTE_A);
	KEXPECT(t, !riscv_fix_accessed(as.root, rw_va, ARCH_PROT_READ));   /* nothing was missing */
	__atomic_fetch_and(e, ~PTE_D, __ATOMIC_RELAXED);
	KEXPECT(t, riscv_fix_accessed(as.root, rw_va, ARCH_PROT_WRITE));
	KEXPECT_EQ(t, *e & (PTE_A | PTE_D), PTE_A | PTE_D);
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, ro_va), 1);
	KEXPECT(t, !riscv_fix_accessed(as.root, ro_va, ARCH_PROT_WRITE));   /* not writable */
	KEXPECT(t, !riscv_fix_accessed(as.root, ro_va, ARCH_PROT_EXEC));    /* not executable */
	KEXPECT_EQ(t, *ro & PTE_A, 0);
	KEXPECT(t, !riscv_fix_accessed(as.root, 0x402000, ARCH_PROT_READ)); /* not mapped */
	KEXPECT(t, !riscv_fix_accessed(as.root, ARCH_KERNEL_VIRT_BASE, ARCH_PROT_READ));
}

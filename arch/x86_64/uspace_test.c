/*
 * x86_64 built-in tests of the user-task contract (uspace.c): address
 * spaces built on bootmem frames (core half shared, user half cleared,
 * PCID and CR3 format, map/unmap/protect/query at 4 KiB and 2 MiB with
 * the PTE bits checked, W^X, failures that change nothing, table
 * release), the user copies (SMAP closed again afterwards, faults and
 * core addresses give -MNEME_EFAULT) and TLB invalidation of the current
 * and of another address space.  Entering user mode itself is tested by
 * the QEMU user tests (test/qemu/core.cmake).
 */
#include <arch/pgtable.h>
#include <arch/uspace.h>
#include <arch/x86.h>
#include <core/bootmem.h>
#include <core/cpu.h>
#include <core/ktest.h>
#include <mneme/error.h>

#define TEST_ASID 1000u   /* above every task's ASID (task index + 1) */
#define NFRAMES 8

/* A frame allocator over a few bootmem frames, counting what it hands out. */
struct test_frames {
	uint64_t pa[NFRAMES];
	unsigned nr, next, limit;
	unsigned released;
	uint64_t released_pa[NFRAMES];
};

static uint64_t zeroed_frame(void)
{
	uint64_t pa = bootmem_alloc(PAGE_SIZE_4K, PAGE_SIZE_4K, ~0ull);

	if (pa)
		__builtin_memset(phys_to_virt(pa), 0, PAGE_SIZE_4K);
	return pa;
}

static void frames_init(struct test_frames *f, unsigned nr)
{
	*f = (struct test_frames){ .limit = nr };
	for (unsigned i = 0; i < nr && i < NFRAMES; i++)
		f->pa[f->nr++] = zeroed_frame();
}

static uint64_t frames_alloc(void *ctx)
{
	struct test_frames *f = ctx;

	if (f->next >= f->limit || f->next >= f->nr)
		return 0;
	__builtin_memset(phys_to_virt(f->pa[f->next]), 0, PAGE_SIZE_4K);
	return f->pa[f->next++];
}

static void frames_release(uint64_t pa, void *ctx)
{
	struct test_frames *f = ctx;

	if (f->released < NFRAMES)
		f->released_pa[f->released] = pa;
	f->released++;
}

/* A root frame full of junk, so the test sees arch_aspace_init() clear the user half. */
static uint64_t junk_root(void)
{
	uint64_t pa = zeroed_frame();

	if (pa)
		__builtin_memset(phys_to_virt(pa), 0xa5, PAGE_SIZE_4K);
	return pa;
}

/* The leaf entry of @va in @as (0 if none) and its size. */
static uint64_t leaf(const struct arch_aspace *as, uint64_t va, uint64_t *size)
{
	struct pgtable pt = { .root = as->root, .levels = 4 };

	return x86_pt_lookup(&pt, va, size);
}

static unsigned core_half_differs(uint64_t root)
{
	const uint64_t *r = phys_to_virt(root), *core = phys_to_virt(x86_kernel_pt.root);
	unsigned n = 0;

	for (unsigned i = 256; i < PT_ENTRIES; i++)
		n += r[i] != core[i];
	return n;
}

static unsigned user_half_used(uint64_t root)
{
	const uint64_t *r = phys_to_virt(root);
	unsigned n = 0;

	for (unsigned i = 0; i < 256; i++)
		n += r[i] != 0;
	return n;
}

KTEST(x86_uspace, init_shares_core_half)
{
	struct arch_aspace as;
	uint64_t root = junk_root();

	KEXPECT(t, root != 0);
	KEXPECT_EQ(t, arch_aspace_init(&as, root + 8, 1), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_init(&as, 0, 1), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_init(&as, 1ull << 52, 1), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_init(&as, root, 7), 0);
	KEXPECT_EQ(t, user_half_used(root), 0);
	KEXPECT_EQ(t, core_half_differs(root), 0);
	KEXPECT_EQ(t, as.root, root);
	KEXPECT_EQ(t, as.pcid, x86_cpu.pcid ? 7 : 0);
	KEXPECT_EQ(t, as.cr3, root | as.pcid | (x86_cpu.pcid ? X86_CR3_NOFLUSH : 0));
	KEXPECT_EQ(t, !!(read_cr4() & X86_CR4_PCIDE), x86_cpu.pcid);
	/* a number beyond 12 bits shares PCID 0 and flushes at every activation */
	KEXPECT_EQ(t, arch_aspace_init(&as, root, 5000), 0);
	KEXPECT_EQ(t, as.pcid, 0);
	KEXPECT_EQ(t, as.cr3, root);
}

KTEST(x86_uspace, map_query_unmap_protect)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t pa, size;
	unsigned prot, shift;
	const unsigned rw = ARCH_PROT_READ | ARCH_PROT_WRITE, rx = ARCH_PROT_READ | ARCH_PROT_EXEC;
	uint64_t nx = x86_cpu.nx ? PTE_NX : 0;

	frames_init(&f, NFRAMES);
	KEXPECT_EQ(t, arch_aspace_init(&as, junk_root(), 2), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, rx, frames_alloc, &f), 0);
	KEXPECT_EQ(t, f.next, 3);   /* PDPT, PD, PT */
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x400123, &pa, &prot, &shift), 0);
	KEXPECT_EQ(t, pa, 0x80000000);
	KEXPECT_EQ(t, prot, rx);
	KEXPECT_EQ(t, shift, 12);
	/* the leaf: present, user, accessed/dirty preset, executable, not writable, not global */
	uint64_t e = leaf(&as, 0x400000, &size);
	KEXPECT_EQ(t, e & (PTE_P | PTE_U | PTE_A | PTE_D | PTE_W | PTE_G | PTE_NX | PTE_PS),
		   PTE_P | PTE_U | PTE_A | PTE_D);
	KEXPECT_EQ(t, size, PAGE_SIZE_4K);
	/* intermediate entries: user and writable (rights are decided at the leaf) */
	const uint64_t *pml4 = phys_to_virt(as.root);
	KEXPECT_EQ(t, pml4[0] & (PTE_P | PTE_W | PTE_U), PTE_P | PTE_W | PTE_U);

	/* the same page again, a 2 MiB page over the 4 KiB table: busy, and no frame taken */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80001000, 12, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EBUSY);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80200000, 21, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EBUSY);
	KEXPECT_EQ(t, f.next, 3);
	/* W^X, W-only, unknown bits, no rights, misaligned, bad size, beyond the user half */
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
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x600000, 0x80200000, 30, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, ARCH_USER_TOP, 0x80000000, 12, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x7fffffe00000, 0x80200000, 21, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_map(&as, ARCH_KERNEL_VIRT_BASE, 0x80000000, 12, rw, frames_alloc,
				      &f), (uint64_t)-MNEME_EINVAL);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x401000, &pa, &prot, &shift), (uint64_t)-MNEME_ENOENT);
	KEXPECT_EQ(t, f.next, 3);

	/* 2 MiB page (one more PD under the same PDPT), then a 4 KiB page inside it: busy */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x40000000, 0x80200000, 21, rw, frames_alloc, &f), 0);
	KEXPECT_EQ(t, f.next, 4);
	e = leaf(&as, 0x40000000, &size);
	KEXPECT_EQ(t, e & (PTE_P | PTE_U | PTE_W | PTE_PS | PTE_NX | PTE_G),
		   PTE_P | PTE_U | PTE_W | PTE_PS | nx);
	KEXPECT_EQ(t, size, PAGE_SIZE_2M);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x40200000, &pa, &prot, &shift), (uint64_t)-MNEME_ENOENT);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x401fffff, &pa, &prot, &shift), 0);
	KEXPECT_EQ(t, pa, 0x80200000);
	KEXPECT_EQ(t, prot, rw);
	KEXPECT_EQ(t, shift, 21);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x40001000, 0x80001000, 12, rw, frames_alloc, &f),
		   (uint64_t)-MNEME_EBUSY);

	/* protect: rights change, the page size stays, W^X still refused, missing page */
	KEXPECT_EQ(t, arch_aspace_protect(&as, 0x40000000, ARCH_PROT_READ), 0);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x40000000, &pa, &prot, &shift), 0);
	KEXPECT_EQ(t, prot, ARCH_PROT_READ);
	KEXPECT_EQ(t, pa, 0x80200000);
	KEXPECT_EQ(t, shift, 21);
	KEXPECT_EQ(t, leaf(&as, 0x40000000, &size) & (PTE_W | PTE_NX), nx);
	KEXPECT_EQ(t, arch_aspace_protect(&as, 0x400000, rw), 0);
	KEXPECT_EQ(t, leaf(&as, 0x400000, &size) & (PTE_W | PTE_NX), PTE_W | nx);
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
	/* the now empty 4 KiB table is in the way of a 2 MiB page until pruning unlinks it (and the
	 * PD above it, which held nothing else) */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80200000, 21, rx, frames_alloc, &f),
		   (uint64_t)-MNEME_EBUSY);
	f.released = 0;
	arch_aspace_prune(&as, 0x400000, 0x401000, frames_release, &f);
	KEXPECT_EQ(t, f.released, 2);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80200000, 21, rx, frames_alloc, &f), 0);
	KEXPECT_EQ(t, core_half_differs(as.root), 0);
}

KTEST(x86_uspace, out_of_frames_maps_nothing)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t pa;
	unsigned prot, shift;

	/* a 4 KiB page needs 3 tables; give 2 */
	frames_init(&f, 2);
	KEXPECT_EQ(t, arch_aspace_init(&as, junk_root(), 3), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, ARCH_PROT_READ, frames_alloc, &f),
		   (uint64_t)-MNEME_ENOMEM);
	KEXPECT_EQ(t, arch_aspace_query(&as, 0x400000, &pa, &prot, &shift), (uint64_t)-MNEME_ENOENT);
	/* the tables taken stay in the space: after one more frame the retry succeeds */
	f.limit = 3;
	f.pa[f.nr++] = zeroed_frame();
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, ARCH_PROT_READ, frames_alloc, &f),
		   0);
	KEXPECT_EQ(t, f.next, 3);
	/* a 2 MiB page next to it needs no new table */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x600000, 0x80200000, 21, ARCH_PROT_READ, frames_alloc, &f),
		   0);
	KEXPECT_EQ(t, f.next, 3);
}

KTEST(x86_uspace, release_reports_every_table)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t root = junk_root();
	const unsigned rw = ARCH_PROT_READ | ARCH_PROT_WRITE;

	frames_init(&f, NFRAMES);
	KEXPECT_EQ(t, arch_aspace_init(&as, root, 4), 0);
	/* two PTs under one PD, and a 2 MiB page under a second PML4 slot (PDPT + PD) */
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x400000, 0x80000000, 12, rw, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x800000, 0x80001000, 12, rw, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, 0x8000000000ull, 0x80200000, 21, rw, frames_alloc, &f), 0);
	unsigned used = f.next;
	KEXPECT_EQ(t, used, 6);
	arch_aspace_release_tables(&as, frames_release, &f);
	KEXPECT_EQ(t, f.released, used);
	unsigned unknown = 0;
	for (unsigned i = 0; i < f.released && i < NFRAMES; i++) {
		bool found = false;
		for (unsigned j = 0; j < used; j++)
			found |= f.released_pa[i] == f.pa[j];
		unknown += !found;
	}
	KEXPECT_EQ(t, unknown, 0);
	KEXPECT_EQ(t, user_half_used(root), 0);
	KEXPECT_EQ(t, core_half_differs(root), 0);
}

static uint64_t rflags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

KTEST(x86_uspace, user_copies)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t rw_pa = zeroed_frame(), ro_pa = zeroed_frame();
	uint8_t buf[64], back[64], scratch[8];
	const uint64_t rw_va = 0x400000, ro_va = 0x401000;

	frames_init(&f, NFRAMES);
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
	int to = arch_copy_to_user(rw_va + 3, buf, sizeof(buf));
	int from = arch_copy_from_user(back, rw_va + 3, sizeof(back));
	uint8_t ro_byte = 0;
	int from_ro = arch_copy_from_user(&ro_byte, ro_va + 5, 1);
	int to_ro = arch_copy_to_user(ro_va, buf, 8);
	uint64_t flags_after_fault = rflags();
	int unmapped = arch_copy_from_user(scratch, 0x402000, 8);
	int straddle = arch_copy_from_user(scratch, ro_va + PAGE_SIZE_4K - 4, 8);
	int null = arch_copy_from_user(scratch, 0, 8);
	int core = arch_copy_from_user(scratch, ARCH_KERNEL_VIRT_BASE, 8);
	int core_to = arch_copy_to_user(ARCH_DIRECT_MAP_BASE + rw_pa, buf, 8);
	int top = arch_copy_from_user(scratch, ARCH_USER_TOP - 4, 8);
	int noncanonical = arch_copy_from_user(scratch, 0x0000800000000000ull, 8);
	int wrap = arch_copy_from_user(scratch, rw_va, ~(size_t)0);
	int empty = arch_copy_from_user(scratch, 0x402000, 0);
	uint64_t flags_after = rflags();
	x86_activate_core();
	arch_irq_restore(irq);

	KEXPECT_EQ(t, to, 0);
	KEXPECT_EQ(t, from, 0);
	KEXPECT_EQ(t, __builtin_memcmp(back, buf, sizeof(buf)), 0);
	KEXPECT_EQ(t, __builtin_memcmp((uint8_t *)phys_to_virt(rw_pa) + 3, buf, sizeof(buf)), 0);
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
	KEXPECT_EQ(t, noncanonical, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, wrap, (uint64_t)-MNEME_EFAULT);
	KEXPECT_EQ(t, empty, 0);
	/* user access closed again after a faulting and after a good copy (SMAP: AC clear) */
	KEXPECT_EQ(t, flags_after_fault & X86_RFLAGS_AC, 0);
	KEXPECT_EQ(t, flags_after & X86_RFLAGS_AC, 0);
	KEXPECT_EQ(t, read_cr3() & PTE_ADDR, x86_kernel_pt.root);
}

/* Read the user byte at @va in @as (activated for the read); -1 if it faults. */
static int peek(const struct arch_aspace *as, uint64_t va)
{
	uint8_t b = 0;

	arch_aspace_activate(as);
	return arch_copy_from_user(&b, va, 1) ? -1 : b;
}

KTEST(x86_uspace, tlb_flush_current_and_other)
{
	struct arch_aspace a, b;
	struct test_frames f;
	uint64_t fr[3] = { zeroed_frame(), zeroed_frame(), zeroed_frame() }, pa;
	unsigned shift;
	const uint64_t va = 0x400000;

	frames_init(&f, NFRAMES);
	for (unsigned i = 0; i < 3; i++)
		*(uint8_t *)phys_to_virt(fr[i]) = (uint8_t)(0x10 + i);
	KEXPECT_EQ(t, arch_aspace_init(&a, junk_root(), TEST_ASID + 1), 0);
	KEXPECT_EQ(t, arch_aspace_init(&b, junk_root(), TEST_ASID + 2), 0);
	KEXPECT_EQ(t, arch_aspace_map(&a, va, fr[0], 12, ARCH_PROT_READ, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&b, va, fr[1], 12, ARCH_PROT_READ, frames_alloc, &f), 0);

	unsigned long irq = arch_irq_save();
	arch_tlb_flush(&a, 0, 0);
	arch_tlb_flush(&b, 0, 0);
	int a0 = peek(&a, va), b0 = peek(&b, va), a1 = peek(&a, va);
	/* remap b's page while a is current: the flush of the other space must reach b */
	arch_aspace_unmap(&b, va, &pa, &shift);
	arch_aspace_map(&b, va, fr[2], 12, ARCH_PROT_READ, frames_alloc, &f);
	arch_tlb_flush(&b, va, PAGE_SIZE_4K);
	int b1 = peek(&b, va);
	/* unmap in the current space, flush one page: the copy must fault */
	arch_aspace_unmap(&b, va, &pa, &shift);
	arch_tlb_flush(&b, va, PAGE_SIZE_4K);
	int b2 = peek(&b, va);
	int a2 = peek(&a, va);
	x86_activate_core();
	arch_irq_restore(irq);

	KEXPECT_EQ(t, a0, 0x10);
	KEXPECT_EQ(t, b0, 0x11);
	KEXPECT_EQ(t, a1, 0x10);
	KEXPECT_EQ(t, b1, 0x12);
	KEXPECT_EQ(t, b2, -1);
	KEXPECT_EQ(t, a2, 0x10);
}

KTEST(x86_uspace, syscall_msrs_and_gates)
{
	KEXPECT(t, rdmsr(X86_MSR_EFER) & X86_EFER_SCE);
	KEXPECT_EQ(t, rdmsr(X86_MSR_STAR) >> 32, (uint64_t)(X86_SEL_UCODE32 | 3) << 16 | X86_SEL_KCODE);
	KEXPECT_EQ(t, rdmsr(X86_MSR_SFMASK) & (X86_RFLAGS_IF | X86_RFLAGS_AC | X86_RFLAGS_DF),
		   X86_RFLAGS_IF | X86_RFLAGS_AC | X86_RFLAGS_DF);
	KEXPECT_EQ(t, rdmsr(X86_MSR_GS_BASE), (uint64_t)(uintptr_t)this_cpu());
	KEXPECT(t, this_cpu() == &cpu_table[this_cpu()->index]);
	KEXPECT(t, read_cr0() & X86_CR0_EM);
	/* a frame made for a new thread returns through sysretq to ring 3 with interrupts on */
	struct arch_regs r;
	arch_regs_init_user(&r, 0x400000, 0x40100000, 1, 2);
	KEXPECT_EQ(t, r.vector, X86_VEC_SYSCALL);
	KEXPECT_EQ(t, r.cs, X86_SEL_UCODE | 3);
	KEXPECT_EQ(t, r.ss, X86_SEL_UDATA | 3);
	KEXPECT(t, r.rflags & X86_RFLAGS_IF);
	KEXPECT_EQ(t, arch_regs_arg(&r, 0), 1);
	KEXPECT_EQ(t, arch_regs_arg(&r, 1), 2);
	KEXPECT_EQ(t, arch_regs_ip(&r), 0x400000);
	KEXPECT_EQ(t, arch_regs_sp(&r), 0x40100000);
	/* an entry outside the user half becomes a canonical, never mapped address */
	arch_regs_init_user(&r, 0x0000800000000000ull, 0x40100000, 0, 0);
	KEXPECT_EQ(t, r.rip, ARCH_USER_TOP);
	/* the result and argument registers of the ABI */
	for (unsigned i = 0; i < 7; i++)
		arch_regs_set_ret(&r, i, 100 + i);
	KEXPECT_EQ(t, r.rax, 100);
	KEXPECT_EQ(t, r.rdi, 101);
	KEXPECT_EQ(t, r.r9, 106);
	r.r12 = 7;
	KEXPECT_EQ(t, arch_regs_arg(&r, 6), 7);
	KEXPECT_EQ(t, arch_regs_arg(&r, 3), 104);   /* r10: ret 4 and arg 3 */
}

/*
 * The accessed bit the memory server ages pages by: cleared atomically
 * (D kept) on 4 KiB and 2 MiB leaves, and set again by the CPU on the
 * next access once the cached translation is flushed.
 */
KTEST(x86_uspace, accessed_bits)
{
	struct arch_aspace as;
	struct test_frames f;
	uint64_t fr = zeroed_frame(), size;
	const uint64_t va = 0x400000, big = 0x40000000;

	frames_init(&f, NFRAMES);
	*(uint8_t *)phys_to_virt(fr) = 0x5a;
	KEXPECT_EQ(t, arch_aspace_init(&as, junk_root(), TEST_ASID + 3), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, va, fr, 12, ARCH_PROT_READ | ARCH_PROT_WRITE,
				      frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_map(&as, big, 0x80200000, 21, ARCH_PROT_READ, frames_alloc, &f), 0);
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, va + 9), 1);   /* made young */
	KEXPECT_EQ(t, leaf(&as, va, &size) & (PTE_A | PTE_D), PTE_D);
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, va), 0);
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, big + 0x12345), 1);
	KEXPECT_EQ(t, leaf(&as, big, &size) & PTE_A, 0);
	KEXPECT_EQ(t, size, PAGE_SIZE_2M);
	KEXPECT_EQ(t, arch_aspace_clear_young(&as, va + PAGE_SIZE_4K), (uint64_t)-MNEME_ENOENT);

	unsigned long irq = arch_irq_save();
	arch_tlb_flush(&as, 0, 0);
	int b = peek(&as, va);
	x86_activate_core();
	arch_irq_restore(irq);
	KEXPECT_EQ(t, b, 0x5a);
	KEXPECT_EQ(t, leaf(&as, va, &size) & PTE_A, PTE_A);     /* the CPU marked it */
	KEXPECT_EQ(t, leaf(&as, big, &size) & PTE_A, 0);         /* untouched */
}

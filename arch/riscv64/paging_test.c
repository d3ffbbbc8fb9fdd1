/*
 * riscv64 built-in tests: the live page tables (W^X, large pages in the
 * direct map, no identity map, OpenSBI's region unmapped), the page-table
 * code on a scratch address space, and trap handling.
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <core/core.h>
#include <core/ktest.h>
#include <core/pgtable.h>
#include <mneme/error.h>

extern char emergency_stack_guard[];

static uint64_t va_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Every page of [@start, @end) is a 4 KiB leaf with exactly the R/W/X bits @rwx. */
static void expect_section(struct ktest *t, const char *start, const char *end, uint64_t rwx)
{
	uint64_t va = va_of(start) & ~(PAGE_SIZE - 1);

	for (; va < va_of(end); va += PAGE_SIZE) {
		uint64_t pte;
		unsigned level;
		if (!pgtable_lookup(&riscv_kernel_pt, va, &pte, &level)) {
			ktest_fail(t, __FILE__, __LINE__, "image page 0x%llx not mapped",
				   (unsigned long long)va);
			return;
		}
		if ((pte & (PTE_R | PTE_W | PTE_X)) != rwx || level != 0 || !(pte & PTE_G) ||
		    (pte & PTE_U) || pte_pa(pte) != riscv_image_pa((void *)(uintptr_t)va)) {
			ktest_fail(t, __FILE__, __LINE__, "image page 0x%llx: pte 0x%llx level %u",
				   (unsigned long long)va, (unsigned long long)pte, level);
			return;
		}
	}
}

KTEST(riscv_paging, image_is_wx_separated)
{
	KEXPECT_EQ(t, va_of(__image_start), ARCH_KERNEL_VIRT_BASE);
	expect_section(t, __text_start, __text_end, PTE_R | PTE_X);
	expect_section(t, __rodata_start, __rodata_end, PTE_R);
	expect_section(t, __data_start, boot_stack_guard, PTE_R | PTE_W);
	expect_section(t, boot_stack_guard + PAGE_SIZE, emergency_stack_guard, PTE_R | PTE_W);
	expect_section(t, emergency_stack_guard + PAGE_SIZE, __image_end, PTE_R | PTE_W);
}

KTEST(riscv_paging, stack_guard_pages_unmapped)
{
	uint64_t pte;
	unsigned level;

	KEXPECT(t, !pgtable_lookup(&riscv_kernel_pt, va_of(boot_stack_guard), &pte, &level));
	KEXPECT(t, !pgtable_lookup(&riscv_kernel_pt, va_of(emergency_stack_guard), &pte, &level));
	KEXPECT_EQ(t, va_of(boot_stack_guard) & (KSTACK_SIZE - 1), 0);
}

struct leaf_stats {
	uint64_t leaves, wx, user, not_global, no_ad;
	uint64_t first_bad_va;
};

static void count_leaf(void *arg, uint64_t va, uint64_t pte, unsigned level)
{
	struct leaf_stats *s = arg;
	bool bad = false;

	(void)level;
	s->leaves++;
	if ((pte & PTE_W) && (pte & PTE_X))
		s->wx++, bad = true;
	if (pte & PTE_U)
		s->user++, bad = true;
	if (!(pte & PTE_G))
		s->not_global++, bad = true;
	if ((pte & (PTE_A | PTE_D)) != (PTE_A | PTE_D))
		s->no_ad++, bad = true;
	if (bad && !s->first_bad_va)
		s->first_bad_va = va;
}

/* Root slots of the core half: the top half of the root, in Sv39 and Sv48 alike. */
static unsigned core_half_first_slot(void)
{
	return 256;
}

KTEST(riscv_paging, core_half_never_writable_and_executable)
{
	struct leaf_stats s = { 0 };

	pgtable_for_each_leaf(&riscv_kernel_pt, core_half_first_slot(), 511, count_leaf, &s);
	KEXPECT(t, s.leaves > 0);
	KEXPECT_EQ(t, s.wx, 0);
	KEXPECT_EQ(t, s.user, 0);
	KEXPECT_EQ(t, s.not_global, 0);
	KEXPECT_EQ(t, s.no_ad, 0);
	KEXPECT_EQ(t, s.first_bad_va, 0);
}

KTEST(riscv_paging, identity_map_gone)
{
	struct leaf_stats s = { 0 };
	uint64_t pte;
	unsigned level;

	/* Nothing at all below the core half: no identity map, no user mappings yet. */
	pgtable_for_each_leaf(&riscv_kernel_pt, 0, core_half_first_slot() - 1, count_leaf, &s);
	KEXPECT_EQ(t, s.leaves, 0);
	KEXPECT(t, !pgtable_lookup(&riscv_kernel_pt, riscv_kernel_pa, &pte, &level));
	KEXPECT(t, !pgtable_lookup(&riscv_kernel_pt, riscv_image_pa(__text_end - 1), &pte, &level));
}

KTEST(riscv_paging, satp_points_at_core_tables)
{
	uint64_t satp = csr_read(satp);

	KEXPECT_EQ(t, satp >> SATP_MODE_SHIFT, riscv_satp_mode);
	KEXPECT_EQ(t, (satp & ((1ull << 44) - 1)) << PAGE_SHIFT, riscv_kernel_pt.root);
	KEXPECT_EQ(t, boot_info.virt_addr_bits, riscv_satp_mode == SATP_MODE_SV48 ? 47 : 38);
	KEXPECT_EQ(t, riscv_kernel_pt.levels, riscv_satp_mode == SATP_MODE_SV48 ? 4 : 3);
}

static bool is_mapped_ram(uint32_t type)
{
	return type != MNEME_MEM_NOMAP && type != MNEME_MEM_UNUSABLE;
}

/*
 * Check one run of touching RAM ranges [@base, @end): every 2 MiB (1 GiB)
 * block fully inside it is a megapage (gigapage), every page maps the right
 * frame RW and not X.  Counts large leaves in @mega/@giga.
 */
static void expect_direct_run(struct ktest *t, uint64_t base, uint64_t end, uint64_t *mega,
			      uint64_t *giga)
{
	base = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	end &= ~(PAGE_SIZE - 1);
	if (end > riscv_direct_map_limit)   /* RAM above it is reported at boot, never used */
		end = riscv_direct_map_limit;
	for (uint64_t pa = base; pa < end;) {
		uint64_t pte, step;
		unsigned level, want = 0;
		for (unsigned l = 2; l > 0 && !want; l--)
			if (!(pa & (PT_LEVEL_SIZE(l) - 1)) && end - pa >= PT_LEVEL_SIZE(l))
				want = l;
		if (!pgtable_lookup(&riscv_kernel_pt, ARCH_DIRECT_MAP_BASE + pa, &pte, &level)) {
			ktest_fail(t, __FILE__, __LINE__, "RAM 0x%llx not in the direct map",
				   (unsigned long long)pa);
			return;
		}
		step = PT_LEVEL_SIZE(level) - (pa & (PT_LEVEL_SIZE(level) - 1));
		if (level < want || (pte & (PTE_R | PTE_W | PTE_X)) != (PTE_R | PTE_W) ||
		    pte_pa(pte) + (pa & (PT_LEVEL_SIZE(level) - 1)) != pa) {
			ktest_fail(t, __FILE__, __LINE__, "direct map of 0x%llx: pte 0x%llx level %u, want level %u",
				   (unsigned long long)pa, (unsigned long long)pte, level, want);
			return;
		}
		*mega += level == 1;
		*giga += level == 2;
		pa += step;
	}
}

KTEST(riscv_paging, direct_map_uses_large_pages)
{
	const struct mneme_boot_info *bi = &boot_info;
	uint64_t run_base = 0, run_end = 0, mega = 0, giga = 0;

	for (uint32_t i = 0; i <= bi->nr_ranges; i++) {
		const struct mneme_mem_range *r = i < bi->nr_ranges ? &bi->ranges[i] : 0;
		if (r && !is_mapped_ram(r->type))
			continue;
		if (!r || r->base != run_end) {
			if (run_end > run_base)
				expect_direct_run(t, run_base, run_end, &mega, &giga);
			if (r)
				run_base = r->base;
		}
		if (r)
			run_end = r->base + r->size;
	}
	/* Every QEMU virt configuration has at least one whole aligned 2 MiB block of RAM. */
	KEXPECT(t, mega + giga > 0);
}

KTEST(riscv_paging, nomap_ranges_unmapped)
{
	const struct mneme_boot_info *bi = &boot_info;
	uint64_t pte, checked = 0;
	unsigned level;
	bool opensbi = false;

	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		if (r->type != MNEME_MEM_NOMAP)
			continue;
		opensbi |= r->base <= 0x80000000 && 0x80000000 < r->base + r->size;
		for (uint64_t pa = r->base & ~(PAGE_SIZE - 1); pa < r->base + r->size; pa += PAGE_SIZE) {
			checked++;
			if (pgtable_lookup(&riscv_kernel_pt, ARCH_DIRECT_MAP_BASE + pa, &pte, &level)) {
				ktest_fail(t, __FILE__, __LINE__, "no-map page 0x%llx is mapped",
					   (unsigned long long)pa);
				return;
			}
		}
	}
	/* QEMU virt: OpenSBI's mmode_resv0 at 0x80000000 must be there and unmapped. */
	KEXPECT(t, opensbi);
	KEXPECT(t, checked > 0);
}

static volatile uint64_t alias_probe;

KTEST(riscv_paging, direct_map_aliases_image)
{
	volatile uint64_t *alias = phys_to_virt(riscv_image_pa((const void *)&alias_probe));

	alias_probe = 0x6d6e656d65ull;
	KEXPECT_EQ(t, *alias, 0x6d6e656d65ull);
	*alias = 42;
	KEXPECT_EQ(t, alias_probe, 42);
	KEXPECT_EQ(t, virt_to_phys((const void *)alias), riscv_image_pa((const void *)&alias_probe));
}

/* A scratch address space whose tables come from a small pool in .bss. */
#define SCRATCH_FRAMES 8
static uint8_t scratch_pool[SCRATCH_FRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned scratch_used;

static uint64_t scratch_alloc(void *arg)
{
	(void)arg;
	if (scratch_used == SCRATCH_FRAMES)
		return 0;
	uint8_t *frame = scratch_pool[scratch_used++];
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		frame[i] = 0;
	return riscv_image_pa(frame);
}

static void scratch_pt(struct pgtable *pt, unsigned levels)
{
	scratch_used = 0;
	pt->levels = levels;
	pt->alloc = scratch_alloc;
	pt->ctx = 0;
	pt->table = 0;
	pt->root = scratch_alloc(0);
}

KTEST(riscv_pt, map_picks_largest_leaves)
{
	struct pgtable pt;
	uint64_t pte;
	unsigned level;

	scratch_pt(&pt, 4);
	/* 4 KiB up to the 2 MiB boundary, then 2 MiB leaves, then a 1 GiB leaf. */
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x3ffff000ull, 0x13ffff000ull, 0x1000 + (1ull << 30), PTE_R | PTE_W | PTE_U, 2), 0);
	KEXPECT(t, pgtable_lookup(&pt, 0x3ffff000ull, &pte, &level));
	KEXPECT_EQ(t, level, 0);
	KEXPECT_EQ(t, pte_pa(pte), 0x13ffff000ull);
	KEXPECT(t, pgtable_lookup(&pt, 0x40000000ull + 12345, &pte, &level));
	KEXPECT_EQ(t, level, 2);
	KEXPECT_EQ(t, pte & (PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D),
		   PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
	KEXPECT(t, !pgtable_lookup(&pt, 0x80000000ull, &pte, &level));
	/* Limited to 2 MiB leaves, an aligned gigabyte becomes megapages. */
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x80000000ull, 0x80000000ull, 1ull << 30, PTE_R, 1), 0);
	KEXPECT(t, pgtable_lookup(&pt, 0x80200000ull, &pte, &level));
	KEXPECT_EQ(t, level, 1);
}

KTEST(riscv_pt, map_rejects_bad_requests_unchanged)
{
	struct pgtable pt;
	uint64_t pte;
	unsigned level;

	scratch_pt(&pt, 3);
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x1000, 0x2000, 0x1000, PTE_R | PTE_X, 0), 0);
	unsigned used = scratch_used;
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x1800, 0x2000, 0x1000, PTE_R, 0), -MNEME_EINVAL);
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x2000, 0x2000, 0x1000, PTE_W, 0), -MNEME_EINVAL);
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x2000, 0x2000, 0x1000, 0, 0), -MNEME_EINVAL);
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x2000, 0x2000, 0, PTE_R, 0), -MNEME_EINVAL);
	/* Overlapping an existing page at the end of the range: nothing changes. */
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x0, 0x5000, 0x2000, PTE_R, 0), -MNEME_EBUSY);
	KEXPECT(t, !pgtable_lookup(&pt, 0x0, &pte, &level));
	KEXPECT_EQ(t, scratch_used, used);
	/* Running out of frames is reported. */
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x100000000ull, 0, 0x1000, PTE_R, 0), 0);
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x200000000ull, 0, 0x1000, PTE_R, 0), 0);
	KEXPECT_EQ(t, riscv_pt_map(&pt, 0x300000000ull, 0, 0x1000, PTE_R, 0), -MNEME_ENOMEM);
}

KTEST(riscv_trap, ebreak_returns)
{
	uint64_t before = riscv_breakpoints;

	__asm__ volatile(".option push\n.option norvc\nebreak\n.option pop" ::: "memory");
	KEXPECT_EQ(t, riscv_breakpoints, before + 1);
	__asm__ volatile("c.ebreak" ::: "memory");
	KEXPECT_EQ(t, riscv_breakpoints, before + 2);
}

KTEST(riscv_trap, timer_interrupt_enabled)
{
	uint64_t a = arch_cycles();

	KEXPECT(t, csr_read(sie) & SIE_STIE);
	KEXPECT(t, csr_read(sstatus) & SSTATUS_SIE);
	KEXPECT_EQ(t, csr_read(sscratch), 0);
	while (arch_cycles() == a)
		;
	KEXPECT(t, arch_cycles() > a);
}

KTEST(riscv_boot, boot_info_from_device_tree)
{
	const struct mneme_boot_info *bi = &boot_info;

	KEXPECT_EQ(t, bi->arch, MNEME_ARCH_RISCV64);
	KEXPECT_EQ(t, bi->phys_addr_bits, 56);
	KEXPECT(t, bi->nr_cpus >= 1);
	KEXPECT_EQ(t, bi->timer_hz, 10000000);   /* QEMU virt's timebase */
	KEXPECT(t, bi->huge_page_sizes & (1ull << 21));
	KEXPECT(t, bi->huge_page_sizes & (1ull << 30));
	KEXPECT_EQ(t, !!(bi->huge_page_sizes & (1ull << 39)), riscv_satp_mode == SATP_MODE_SV48);
}

/* True if [@base, @base + @size) lies inside MNEME_MEM_CORE ranges of the map. */
static bool map_is_core(uint64_t base, uint64_t size)
{
	const struct mneme_boot_info *bi = &boot_info;
	uint64_t end = base + size;

	for (uint32_t i = 0; i < bi->nr_ranges && base < end; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		if (r->base <= base && base < r->base + r->size) {
			if (r->type != MNEME_MEM_CORE)
				return false;
			base = r->base + r->size;
		}
	}
	return base >= end;
}

KTEST(riscv_boot, boot_data_reserved_as_core)
{
	extern uint64_t riscv_dtb_pa;

	KEXPECT(t, map_is_core(riscv_dtb_pa, 64));
	if (boot_info.initrd_size)
		KEXPECT(t, map_is_core(boot_info.initrd_base, boot_info.initrd_size));
	KEXPECT(t, !map_is_core(0x80000000ull, PAGE_SIZE));
}

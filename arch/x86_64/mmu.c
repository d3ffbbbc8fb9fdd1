/*
 * The core's final page tables (arch_mmu_init, see arch/arch.h):
 *
 *   - a direct map of every RAM range of the boot map (the image's own
 *     frames read-only) at
 *     X86_DIRECT_MAP_BASE, NX, with 1 GiB / 2 MiB pages where alignment
 *     allows.  Usable, core, ACPI data and ACPI NVS are RAM; e820
 *     "reserved" is often MMIO or flash (PCIe ECAM, the BIOS ROM at 4 GiB,
 *     the HyperTransport hole), so it stays out, except below 1 MiB where
 *     the BIOS's reservations are RAM (as Linux maps the ISA range);
 *   - the image with 4 KiB pages per section: text RX, rodata R+NX,
 *     data/bss RW+NX, the boot stack's guard page left unmapped;
 *   - the local APIC page, uncached, at X86_FIXMAP_LAPIC, whose page
 *     table then holds every fixed mapping (x86_fixmap_set).
 *
 * Table frames come from bootmem below X86_BOOT_MAP_LIMIT, reached through
 * the boot identity map until the switch and through the direct map after.
 * Core mappings are global (CR4.PGE): the switch to the new CR3 flushes
 * the boot mappings, which were not.
 *
 * After the switch the core's tables are frozen: every user address space
 * copies the core's PML4 entries 256-511 (uspace.c), so they must never
 * change.  Nothing maps into the core half after boot; a table
 * allocation for x86_kernel_pt after arch_mmu_init() panics instead of
 * silently growing a PML4 entry the copies would not see.
 */
#include <arch/pgtable.h>
#include <arch/x86.h>
#include <core/bootmem.h>
#include <core/printk.h>

struct pgtable x86_kernel_pt;
static unsigned direct_max_level;   /* 2 (1 GiB) where the CPU has 1 GiB pages, else 1 */
static bool direct_map_live;
static uint64_t table_frames;
static uint64_t *fixmap_pt;         /* the page table of [X86_FIXMAP_BASE, + X86_FIXMAP_SIZE) */

static uint64_t *table_at(uint64_t pa)
{
	if (direct_map_live)
		return phys_to_virt(pa);
	return (uint64_t *)(uintptr_t)pa;      /* boot identity map */
}

static uint64_t boot_table_alloc(void *ctx)
{
	(void)ctx;
	uint64_t pa = bootmem_alloc(PAGE_SIZE_4K, PAGE_SIZE_4K, X86_BOOT_MAP_LIMIT);

	if (!pa)
		return 0;
	uint64_t *t = table_at(pa);
	for (int i = 0; i < PT_ENTRIES; i++)
		t[i] = 0;
	table_frames++;
	return pa;
}

bool x86_direct_mapped(const struct mneme_mem_range *r)
{
	uint32_t type = r->type;

	if (type == MNEME_MEM_USABLE || type == MNEME_MEM_CORE || type == MNEME_MEM_ACPI ||
	    type == MNEME_MEM_NVS)
		return true;
	/* The BIOS's reservations in the ISA range (EBDA, BIOS area holding the RSDP) are RAM. */
	return (type == MNEME_MEM_FIRMWARE || type == MNEME_MEM_RESERVED) &&
	       r->base + r->size <= X86_ISA_END;
}

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot,
			 unsigned max_level, const char *what)
{
	int err = pgtable_map(&x86_kernel_pt, va, pa, size, prot, max_level);

	if (err)
		panic("x86_64: cannot map %s [0x%llx+0x%llx) (error %d)", what,
		      (unsigned long long)pa, (unsigned long long)size, err);
}

/*
 * Direct map: runs of touching RAM ranges are mapped as one piece, widened
 * to whole pages, so type boundaries inside RAM do not cost large pages.
 * The runs are collected first: allocating table frames re-types (and so
 * reshapes) the boot map while the mapping goes on.
 */
static struct { uint64_t base, end; } ram_runs[MNEME_BOOTINFO_MAX_RANGES];

static uint32_t collect_ram_runs(const struct mneme_boot_info *bi)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		if (!x86_direct_mapped(&bi->ranges[i]))
			continue;
		uint64_t base = bi->ranges[i].base & ~(PAGE_SIZE_4K - 1);
		uint64_t end = bi->ranges[i].base + bi->ranges[i].size;
		end = (end + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
		if (n && base <= ram_runs[n - 1].end) {
			if (end > ram_runs[n - 1].end)
				ram_runs[n - 1].end = end;
			continue;
		}
		ram_runs[n].base = base;
		ram_runs[n++].end = end;
	}
	return n;
}

static void map_direct_piece(uint64_t base, uint64_t end, uint64_t prot)
{
	if (base < end)
		map_or_panic(X86_DIRECT_MAP_BASE + base, base, end - base, prot, direct_max_level,
			     "RAM");
}

/*
 * The direct map is RW+NX, except the core image's own frames, which it
 * maps read-only: the alias must not give a way around the image's W^X.
 */
static void map_direct(const struct mneme_boot_info *bi, uint64_t nx)
{
	uint32_t n = collect_ram_runs(bi);
	uint64_t img_start = x86_image_phys(__image_start), img_end = x86_image_phys(__image_end);

	for (uint32_t i = 0; i < n; i++) {
		uint64_t base = ram_runs[i].base, end = ram_runs[i].end;
		uint64_t ro_start = base > img_start ? base : img_start;
		uint64_t ro_end = end < img_end ? end : img_end;
		if (ro_start >= ro_end) {
			map_direct_piece(base, end, PTE_W | PTE_G | nx);
			continue;
		}
		map_direct_piece(base, ro_start, PTE_W | PTE_G | nx);
		map_direct_piece(ro_start, ro_end, PTE_G | nx);
		map_direct_piece(ro_end, end, PTE_W | PTE_G | nx);
	}
}

static void map_image_part(const char *start, const char *end, uint64_t prot, const char *what)
{
	uint64_t va = (uint64_t)(uintptr_t)start;

	map_or_panic(va, x86_image_phys(start), (uint64_t)(end - start), prot | PTE_G, 0, what);
}

static void map_image(uint64_t nx)
{
	map_image_part(__text_start, __text_end, 0, "text");
	map_image_part(__rodata_start, __rodata_end, nx, "rodata");
	map_image_part(__data_start, boot_stack_guard, PTE_W | nx, "data");
	map_image_part(boot_stack_guard + PAGE_SIZE_4K, __image_end, PTE_W | nx, "bss");
}

static void map_lapic(uint64_t nx)
{
	uint64_t base = rdmsr(X86_MSR_APIC_BASE) & PTE_ADDR;

	map_or_panic(X86_FIXMAP_LAPIC, base, PAGE_SIZE_4K, PTE_W | PTE_PCD | PTE_PWT | PTE_G | nx, 0,
		     "local APIC");
}

/*
 * Point the fixed mapping at @va to @pa with leaf bits @leaf (0: unmap)
 * and drop this CPU's stale entry.  Other CPUs are not told: callers
 * change only entries no other CPU has used (the ACPI window before the
 * other CPUs start, a CPU's stacks before it starts).
 */
void x86_fixmap_set(uint64_t va, uint64_t pa, uint64_t leaf)
{
	ASSERT(fixmap_pt && va >= X86_FIXMAP_BASE && va - X86_FIXMAP_BASE < X86_FIXMAP_SIZE &&
	       !(va & (PAGE_SIZE_4K - 1)) && !(pa & (PAGE_SIZE_4K - 1)));
	fixmap_pt[pgtable_index(va, 0)] = leaf ? arch_pte_mkleaf(pa, leaf, 0) : 0;
	x86_invlpg(va);
}

static void fixmap_init(void)
{
	unsigned level;
	uint64_t *e = pgtable_find_leaf(&x86_kernel_pt, X86_FIXMAP_LAPIC, &level);

	ASSERT(e && level == 0);
	fixmap_pt = e - pgtable_index(X86_FIXMAP_LAPIC, 0);
}

static uint64_t frozen_table_alloc(void *ctx)
{
	(void)ctx;
	panic("x86_64: the core's page tables are frozen after boot (user roots share them)");
}

void arch_mmu_init(struct mneme_boot_info *bi)
{
	uint64_t nx = x86_cpu.nx ? PTE_NX : 0;

	x86_trampoline_reserve();                 /* before the map is final: "core", never the server's */
	x86_kernel_pt.levels = 4;
	x86_kernel_pt.alloc = boot_table_alloc;
	x86_kernel_pt.table = table_at;
	direct_max_level = x86_cpu.pdpe1gb ? 2 : 1;
	x86_kernel_pt.root = boot_table_alloc(NULL);
	if (!x86_kernel_pt.root)
		panic("x86_64: no memory below 4 GiB for page tables");
	map_direct(bi, nx);
	map_image(nx);                            /* 4 KiB pages: W^X per section, guard page */
	map_lapic(nx);

	x86_cpu_enable_protection();              /* NXE before any NX entry is live */
	write_cr3(x86_kernel_pt.root);
	direct_map_live = true;
	x86_kernel_pt.alloc = frozen_table_alloc;
	fixmap_init();
	x86_uspace_init();
	printk("mneme: x86_64: page tables at 0x%llx, %llu table frames, direct map at 0x%llx\n",
	       (unsigned long long)x86_kernel_pt.root, (unsigned long long)table_frames,
	       (unsigned long long)X86_DIRECT_MAP_BASE);
	x86_boot_selftest();
}

void arch_image_range(uint64_t *start, uint64_t *end)
{
	*start = x86_image_phys(__image_start);
	*end = x86_image_phys(__image_end);
}

/*
 * Frame source over the mm core (mmserver/mm): mm_init() builds memblock,
 * the sparse vmemmap, nodes, zones and the buddy allocator from the boot
 * map; frames are order-0 pages from alloc_pages().  On top, one owner
 * byte per page frame of [min_low_pfn, max_pfn), kept in pages of its own,
 * so everything a task held comes back with one frame_reclaim().
 */
#include <stdbool.h>
#include <mm/gfp.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mneme/error.h>
#include <mneme/layout.h>
#include <ulib/string.h>
#include "frame.h"

static uint8_t *owner;               /* owner[pfn - base_pfn] */
static uint64_t base_pfn, end_pfn;
static struct page *owner_pages;
/* Per owner, the pfn range its frames were ever taken from: reclaim scans only that. */
static struct { uint64_t lo, hi; } span[FRAME_OWNER_SERVER + 1];
static unsigned long owner_nr_pages;

void *frame_va(uint64_t pa)
{
	return mm_phys_to_virt(pa);
}

static bool frame_tracked(uint64_t pa)
{
	return !(pa & (FRAME_SIZE - 1)) && PHYS_PFN(pa) >= base_pfn && PHYS_PFN(pa) < end_pfn;
}

/*
 * The part of the boot map the mm core may manage: only RAM the server can
 * reach through its physmap (below MNEME_LAYOUT_PHYSMAP_MAX_PA), and on
 * x86_64 without "reserved" (e820 type 2) ranges, which also name holes
 * that are not RAM (BIOS ROM, MMIO, the 12 GiB window below 1 TiB QEMU
 * reports): as in Linux, they are not memory, and a memmap sized for them
 * might not fit in RAM.  On riscv64 a reserved range is RAM (device-tree
 * reserved-memory) and stays.
 */
static const struct mneme_boot_info *ram_view(const struct mneme_boot_info *bi)
{
	static struct mneme_boot_info view;
	uint32_t n = 0;

	view = *bi;
	for (uint32_t i = 0; i < bi->nr_ranges && i < MNEME_BOOTINFO_MAX_RANGES; i++) {
		struct mneme_mem_range r = bi->ranges[i];
		if (bi->arch == MNEME_ARCH_X86_64 && r.type == MNEME_MEM_RESERVED)
			continue;
		if (r.base >= MNEME_LAYOUT_PHYSMAP_MAX_PA)
			continue;
		if (r.size > MNEME_LAYOUT_PHYSMAP_MAX_PA - r.base)
			r.size = MNEME_LAYOUT_PHYSMAP_MAX_PA - r.base;
		view.ranges[n++] = r;
	}
	view.nr_ranges = n;
	return &view;
}

int frame_init(const struct mneme_boot_info *bi)
{
	int err = mm_init(ram_view(bi));

	if (err)
		return err;
	base_pfn = min_low_pfn;
	end_pfn = max_pfn;
	if (end_pfn <= base_pfn)
		return -MNEME_ENOMEM;
	owner_nr_pages = (end_pfn - base_pfn + FRAME_SIZE - 1) / FRAME_SIZE;
	owner_pages = alloc_contig_pages_below(owner_nr_pages, 0, 0, GFP_KERNEL | __GFP_ZERO);
	if (!owner_pages)
		return -MNEME_ENOMEM;
	owner = page_address(owner_pages);
	memset(span, 0, sizeof(span));
	memset(owner, FRAME_OWNER_FREE, owner_nr_pages * FRAME_SIZE);
	return 0;
}

uint64_t frame_alloc(unsigned who)
{
	if (who == FRAME_OWNER_FREE || who > FRAME_OWNER_SERVER)
		return 0;
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	if (!page)
		return 0;
	uint64_t pa = page_to_phys(page);
	if (!frame_tracked(pa)) {   /* cannot happen: the allocator only has [min_low_pfn, max_pfn) */
		__free_pages(page, 0);
		return 0;
	}
	uint64_t idx = PHYS_PFN(pa) - base_pfn;
	owner[idx] = (uint8_t)who;
	if (span[who].hi == 0 || idx < span[who].lo)
		span[who].lo = idx;
	if (idx + 1 > span[who].hi)
		span[who].hi = idx + 1;
	return pa;
}

int frame_free(uint64_t pa)
{
	if (!frame_tracked(pa) || owner[PHYS_PFN(pa) - base_pfn] == FRAME_OWNER_FREE)
		return -MNEME_EINVAL;
	owner[PHYS_PFN(pa) - base_pfn] = FRAME_OWNER_FREE;
	return __free_pages(pfn_to_page(PHYS_PFN(pa)), 0);
}

uint64_t frame_reclaim(unsigned who)
{
	uint64_t n = 0;

	if (who == FRAME_OWNER_FREE)
		return 0;
	for (uint64_t i = span[who].lo; i < span[who].hi; i++) {
		if (owner[i] == who) {
			frame_free(PFN_PHYS(base_pfn + i));
			n++;
		}
	}
	span[who].lo = span[who].hi = 0;
	return n;
}

int frame_owner(uint64_t pa)
{
	return frame_tracked(pa) ? owner[PHYS_PFN(pa) - base_pfn] : -1;
}

uint64_t frame_free_count(void)
{
	return nr_free_pages() + nr_pcp_pages();
}

uint64_t frame_total_count(void)
{
	return totalram_pages();
}

/*
 * Test-only page provider: a trivial first-fit allocator of naturally
 * aligned blocks over the host arena, standing in for the buddy allocator
 * until it exists.  Implements just what the slab code uses from
 * mm/gfp.h and mm/sparse.h, plus the environment hooks of slab_test.h.
 */
#include "slab_test.h"
#include "mm/gfp.h"
#include "mm/host.h"
#include "mneme/error.h"

#include <string.h>

#define FAKE_PAGES 16384UL   /* 64 MiB */

static int8_t fake_order[FAKE_PAGES];   /* order at an allocated head, else -1 */
static uint8_t fake_used[FAKE_PAGES];
static unsigned long fake_free;

bool pfn_valid(unsigned long pfn)
{
	return pfn < FAKE_PAGES;
}

static bool fake_range_free(unsigned long pfn, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (fake_used[pfn + i])
			return false;
	return true;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	unsigned long n = 1UL << order;

	if (order >= MAX_ORDER)
		return NULL;
	for (unsigned long pfn = n; pfn + n <= FAKE_PAGES; pfn += n) {
		if (!fake_range_free(pfn, n))
			continue;
		memset(fake_used + pfn, 1, n);
		fake_order[pfn] = (int8_t)order;
		fake_free -= n;
		struct page *page = pfn_to_page(pfn);
		page->flags |= PG_head;
		if (gfp & __GFP_ZERO)
			memset(page_address(page), 0, n * PAGE_SIZE);
		return page;
	}
	return NULL;
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	(void)nid;
	return alloc_pages(gfp, order);
}

int __free_pages(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);

	if (pfn >= FAKE_PAGES)
		return -MNEME_ERANGE;
	if (fake_order[pfn] < 0 || (page->flags & PG_slab))
		return -MNEME_EBUSY;
	if ((unsigned)fake_order[pfn] != order)
		return -MNEME_EINVAL;
	fake_order[pfn] = -1;
	memset(fake_used + pfn, 0, 1UL << order);
	memset(page_address(page), 0x5a, PAGE_SIZE << order);  /* catch use after free */
	page->flags &= ~PG_head;
	fake_free += 1UL << order;
	return 0;
}

int slab_test_env_init(void)
{
	size_t vm = ((FAKE_PAGES * sizeof(struct page)) + (1UL << 21) - 1) & ~((1UL << 21) - 1);

	if (mm_host_arena_init(FAKE_PAGES * PAGE_SIZE))
		return -1;
	if (mm_map_pages(mm_vmemmap_base(), 0, vm, 21))
		return -1;
	memset(mm_vmemmap_base(), 0, FAKE_PAGES * sizeof(struct page));
	memset(fake_order, -1, sizeof(fake_order));
	memset(fake_used, 0, sizeof(fake_used));
	fake_used[0] = 1;   /* keep pfn 0 out of use */
	fake_free = FAKE_PAGES - 1;
	for (unsigned long pfn = 0; pfn < FAKE_PAGES; pfn++)
		pfn_to_page(pfn)->flags = PG_present;
	return kmem_cache_init();
}

unsigned long slab_test_free_pages(void)
{
	return fake_free;
}

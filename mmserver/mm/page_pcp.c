/*
 * Per-CPU page lists: each zone keeps, per CPU, small lists of free
 * blocks of orders 0..PCP_MAX_ORDER per migrate type, so the common
 * single-page alloc/free pair does not touch the buddy lists.  Lists are
 * refilled a batch at a time (rmqueue_bulk) and drained a batch at a time
 * when they reach their high mark (free_pcppages_bulk).
 *
 * A page on a pcp list carries PG_pcp and its order in page->private; it
 * counts as allocated from the buddy's point of view (zone->free_pages
 * excludes it), as in Linux.
 *
 * zone->pcp[n] belongs to CPU n; the rules for the other CPUs' lists and
 * for the buddy side are in mm/mmzone.h.
 */
#include "mm/page_alloc.h"
#include "mm/sparse.h"

bool mm_pcp_on = true;

bool mm_pcp_enabled(void)
{
	return mm_pcp_on;
}

void mm_set_pcp_enabled(bool on)
{
	if (!on)
		drain_all_pages();
	mm_pcp_on = on;
}

static struct per_cpu_pages *this_cpu_pcp(struct zone *z)
{
	unsigned cpu = mm_this_cpu();

	MM_ASSERT(cpu < MM_NR_CPUS);
	return &z->pcp[cpu];
}

/* Move up to @count blocks of @order from the buddy to @list. */
static void rmqueue_bulk(struct zone *z, unsigned order, unsigned count,
			 struct per_cpu_pages *pcp, struct page_list *list, int mt)
{
	for (unsigned i = 0; i < count; i++) {
		struct page *page = __rmqueue(z, order, mt);

		if (!page)
			break;
		page->flags |= PG_pcp;
		page->private = order;
		page_list_add_tail(list, page);
		pcp->count += 1U << order;
	}
	page_alloc_stats.pcp_refills++;
}

struct page *rmqueue_pcplist(struct zone *z, unsigned order, int mt)
{
	struct per_cpu_pages *pcp = this_cpu_pcp(z);
	struct page_list *list = &pcp->lists[order_to_pindex(mt, order)];
	struct page *page;

	if (page_list_empty(list)) {
		unsigned batch = pcp->batch;

		if (order)
			batch = batch >> order > 2 ? batch >> order : 2;
		rmqueue_bulk(z, order, batch, pcp, list, mt);
	}
	page = page_list_first(list);
	if (!page)
		return NULL;
	page_list_del(list, page);
	page->flags &= ~PG_pcp;
	pcp->count -= 1U << order;
	return page;
}

/* Return about @count pages from @pcp to the buddy, oldest first, round-robin over lists. */
static void free_pcppages_bulk(struct zone *z, unsigned count, struct per_cpu_pages *pcp)
{
	unsigned pindex = 0, empty_lists = 0;

	while (count && pcp->count && empty_lists < NR_PCP_LISTS) {
		struct page_list *list = &pcp->lists[pindex];
		struct page *page = list->tail == PAGE_LIST_NIL ? NULL : pfn_to_page(list->tail);

		pindex = (pindex + 1) % NR_PCP_LISTS;
		if (!page) {
			empty_lists++;
			continue;
		}
		empty_lists = 0;
		unsigned order = page->private;
		page_list_del(list, page);
		page->flags &= ~PG_pcp;
		pcp->count -= 1U << order;
		count = count > (1U << order) ? count - (1U << order) : 0;
		__free_one_page(page, page_to_pfn(page), z, order, get_pageblock_migratetype(page));
	}
	page_alloc_stats.pcp_drains++;
}

void free_unref_page(struct zone *z, struct page *page, unsigned order)
{
	struct per_cpu_pages *pcp = this_cpu_pcp(z);
	int mt = get_pageblock_migratetype(page);

	page->flags |= PG_pcp;
	page->private = order;
	page_list_add(&pcp->lists[order_to_pindex(mt, order)], page);
	pcp->count += 1U << order;
	if (pcp->count >= pcp->high)
		free_pcppages_bulk(z, pcp->batch, pcp);
}

void drain_zone_pages(struct zone *z, unsigned cpu)
{
	if (cpu < MM_NR_CPUS && z->pcp[cpu].count)
		free_pcppages_bulk(z, z->pcp[cpu].count, &z->pcp[cpu]);
}

void drain_all_pages(void)
{
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi)
		for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++)
			drain_zone_pages(z, cpu);
}

unsigned long nr_pcp_pages(void)
{
	unsigned long n = 0;
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi)
		for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++)
			n += z->pcp[cpu].count;
	return n;
}

/* Linux's zone_batchsize: about a quarter of a thousandth of the zone, at most 63. */
static unsigned zone_batchsize(const struct zone *z)
{
	unsigned long batch = z->managed_pages >> 10;
	unsigned long p = 1;

	if (batch > 256)
		batch = 256;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch += batch / 2;
	while (p * 2 <= batch)
		p *= 2;
	return p - 1 ? (unsigned)(p - 1) : 1;
}

void zone_pcp_init_all(void)
{
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi) {
		unsigned batch = zone_batchsize(z);

		for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++) {
			z->pcp[cpu].batch = batch;
			z->pcp[cpu].high = 6 * batch;
		}
	}
}

/*
 * /proc-style dumps of the page allocator: buddyinfo, pagetypeinfo,
 * zoneinfo and meminfo, formatted as Linux formats them (fields we do not
 * have are left out rather than faked).
 */
#include "mm/mm_dump.h"
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include <stdio.h>

struct dump_buf {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3)))
static void dprintf_buf(struct dump_buf *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->pos + 1 >= d->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->buf + d->pos, d->len - d->pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	d->pos += (size_t)n < d->len - d->pos ? (size_t)n : d->len - d->pos - 1;
}

static size_t dump_done(struct dump_buf *d)
{
	if (d->len)
		d->buf[d->pos] = '\0';
	return d->pos;
}

size_t buddyinfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi) {
		if (!populated_zone(z))
			continue;
		dprintf_buf(&d, "Node %d, zone %8s ", nid, z->name);
		for (int o = 0; o < MAX_ORDER; o++)
			dprintf_buf(&d, "%6lu ", z->free_area[o].nr_free);
		dprintf_buf(&d, "\n");
	}
	return dump_done(&d);
}

static void count_pageblocks(const struct zone *z, unsigned long counts[MIGRATE_TYPES])
{
	unsigned long pfn = z->zone_start_pfn & ~(pageblock_nr_pages - 1);

	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		counts[mt] = 0;
	for (; pfn < zone_end_pfn(z); pfn += pageblock_nr_pages) {
		unsigned long first = pfn < z->zone_start_pfn ? z->zone_start_pfn : pfn;
		struct page *p;

		if (!pfn_valid(first))
			continue;
		p = pfn_to_page(first);
		if (page_zone(p) != z)
			continue;
		counts[get_pageblock_migratetype(p)]++;
	}
}

size_t pagetypeinfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	struct zone *z;
	int nid, zi;

	dprintf_buf(&d, "Page block order: %d\n", pageblock_order);
	dprintf_buf(&d, "Pages per block:  %lu\n\n", pageblock_nr_pages);
	dprintf_buf(&d, "%-43s ", "Free pages count per migrate type at order");
	for (int o = 0; o < MAX_ORDER; o++)
		dprintf_buf(&d, "%6d ", o);
	dprintf_buf(&d, "\n");
	for_each_zone(z, nid, zi) {
		if (!populated_zone(z))
			continue;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			dprintf_buf(&d, "Node %4d, zone %8s, type %12s ", nid, z->name, migratetype_names[mt]);
			for (int o = 0; o < MAX_ORDER; o++)
				dprintf_buf(&d, "%6llu ",
					    (unsigned long long)z->free_area[o].free_list[mt].count);
			dprintf_buf(&d, "\n");
		}
	}
	dprintf_buf(&d, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		dprintf_buf(&d, "%12s ", migratetype_names[mt]);
	dprintf_buf(&d, "\n");
	for_each_zone(z, nid, zi) {
		unsigned long counts[MIGRATE_TYPES];

		if (!populated_zone(z))
			continue;
		count_pageblocks(z, counts);
		dprintf_buf(&d, "Node %d, zone %8s ", nid, z->name);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			dprintf_buf(&d, "%12lu ", counts[mt]);
		dprintf_buf(&d, "\n");
	}
	return dump_done(&d);
}

static void zoneinfo_one(struct dump_buf *d, const struct zone *z)
{
	dprintf_buf(d, "Node %d, zone %8s", z->node, z->name);
	dprintf_buf(d, "\n  pages free     %lu", z->free_pages);
	dprintf_buf(d, "\n        min      %lu", min_wmark_pages(z));
	dprintf_buf(d, "\n        low      %lu", low_wmark_pages(z));
	dprintf_buf(d, "\n        high     %lu", high_wmark_pages(z));
	dprintf_buf(d, "\n        spanned  %lu", z->spanned_pages);
	dprintf_buf(d, "\n        present  %lu", z->present_pages);
	dprintf_buf(d, "\n        managed  %lu", z->managed_pages);
	dprintf_buf(d, "\n        protection: (%ld", z->lowmem_reserve[0]);
	for (int i = 1; i < MAX_NR_ZONES; i++)
		dprintf_buf(d, ", %ld", z->lowmem_reserve[i]);
	dprintf_buf(d, ")");
	dprintf_buf(d, "\n      %-12s %lu", "nr_free_pages", z->free_pages);
	dprintf_buf(d, "\n  pagesets");
	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++) {
		dprintf_buf(d, "\n    cpu: %u", cpu);
		dprintf_buf(d, "\n              count: %u", z->pcp[cpu].count);
		dprintf_buf(d, "\n              high:  %u", z->pcp[cpu].high);
		dprintf_buf(d, "\n              batch: %u", z->pcp[cpu].batch);
	}
	dprintf_buf(d, "\n  start_pfn:           %lu", z->zone_start_pfn);
	dprintf_buf(d, "\n");
}

size_t zoneinfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi)
		if (z->exists)
			zoneinfo_one(&d, z);
	return dump_done(&d);
}

/* Linux's totalreserve_pages: per zone, its largest lowmem_reserve plus the high watermark. */
static unsigned long totalreserve_pages(void)
{
	unsigned long sum = 0;
	struct zone *z;
	int nid, zi;

	for_each_zone(z, nid, zi) {
		long max = 0;

		for (int j = 0; j < MAX_NR_ZONES; j++)
			max = z->lowmem_reserve[j] > max ? z->lowmem_reserve[j] : max;
		max += (long)high_wmark_pages(z);
		if ((unsigned long)max > z->managed_pages)
			max = (long)z->managed_pages;
		sum += (unsigned long)max;
	}
	return sum;
}

static void meminfo_line(struct dump_buf *d, const char *name, unsigned long pages)
{
	dprintf_buf(d, "%-16s%8lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

size_t meminfo_dump(char *buf, size_t len)
{
	struct dump_buf d = { buf, len, 0 };
	unsigned long free = nr_free_pages(), reserve = totalreserve_pages();
	unsigned long avail = free + nr_pcp_pages() > reserve ? free + nr_pcp_pages() - reserve : 0;

	meminfo_line(&d, "MemTotal:", totalram_pages());
	meminfo_line(&d, "MemFree:", free);
	meminfo_line(&d, "MemAvailable:", avail);
	meminfo_line(&d, "Buffers:", 0);
	meminfo_line(&d, "Cached:", mm_nr_file_pages);
	meminfo_line(&d, "SwapTotal:", 0);
	meminfo_line(&d, "SwapFree:", 0);
	meminfo_line(&d, "Reserved:", totalpresent_pages() - totalram_pages());
	return dump_done(&d);
}

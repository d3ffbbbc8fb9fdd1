/* The /proc-style dumps: formats, values, and safe truncation. */
#include "bt.h"

static char buf[1 << 16];

static void small_machine(void)
{
	struct mneme_boot_info bi;

	bt_bootinfo_init(&bi, MNEME_ARCH_X86_64);
	bt_add(&bi, 0, 0x9fc00, MNEME_MEM_USABLE, 0);
	bt_add(&bi, 0x100000, 255 * MiB, MNEME_MEM_USABLE, 0);
	CHECK_EQ(bt_mm_init(&bi), 0);
}

static void test_buddyinfo(void)
{
	struct zone *dma = bt_zone(0, ZONE_DMA), *dma32 = bt_zone(0, ZONE_DMA32);
	char want[512];
	size_t n = buddyinfo_dump(buf, sizeof(buf));
	int k;

	CHECK_EQ(n, strlen(buf));
	k = snprintf(want, sizeof(want), "Node 0, zone      DMA ");
	for (int o = 0; o < MAX_ORDER; o++)
		k += snprintf(want + k, sizeof(want) - k, "%6lu ", dma->free_area[o].nr_free);
	k += snprintf(want + k, sizeof(want) - k, "\nNode 0, zone    DMA32 ");
	for (int o = 0; o < MAX_ORDER; o++)
		k += snprintf(want + k, sizeof(want) - k, "%6lu ", dma32->free_area[o].nr_free);
	snprintf(want + k, sizeof(want) - k, "\n");
	CHECK(!strcmp(buf, want));
	if (strcmp(buf, want))
		fprintf(stderr, "got:\n%swant:\n%s", buf, want);
	CHECK(!strstr(buf, "Normal"));          /* empty zones are not listed */
	CHECK_EQ(dma->free_area[10].nr_free, 3); /* 1..16 MiB: 4..16 in 4 MiB blocks */
}

static void test_truncation(void)
{
	char small[16];
	size_t full = buddyinfo_dump(buf, sizeof(buf));

	memset(small, 'x', sizeof(small));
	CHECK_EQ(buddyinfo_dump(small, sizeof(small)), sizeof(small) - 1);
	CHECK_EQ(small[sizeof(small) - 1], '\0');
	CHECK(!strncmp(small, buf, sizeof(small) - 1));
	CHECK_EQ(buddyinfo_dump(small, 0), 0);
	CHECK_EQ(small[0], 'N');                 /* len 0: nothing written */
	CHECK_EQ(buddyinfo_dump(small, 1), 0);
	CHECK_EQ(small[0], '\0');
	CHECK(full > sizeof(small));
	/* every dump truncates at every length without overrunning (ASan watches) */
	size_t (*dumps[])(char *, size_t) = { buddyinfo_dump, pagetypeinfo_dump, zoneinfo_dump, meminfo_dump };
	for (unsigned d = 0; d < 4; d++) {
		size_t total = dumps[d](buf, sizeof(buf));
		for (size_t len = 1; len < total + 2; len += 7) {
			char *b = malloc(len);
			size_t got = dumps[d](b, len);
			CHECK(got < len && b[got] == '\0' && got == (len - 1 < total ? len - 1 : total));
			free(b);
		}
	}
}

static void test_pagetypeinfo(void)
{
	pagetypeinfo_dump(buf, sizeof(buf));
	CHECK(!strncmp(buf, "Page block order: 9\nPages per block:  512\n\n"
		       "Free pages count per migrate type at order       0      1      2", 64 + 23));
	CHECK(strstr(buf, "Node    0, zone      DMA, type    Unmovable "));
	CHECK(strstr(buf, "Node    0, zone    DMA32, type      Movable "));
	CHECK(strstr(buf, "Node    0, zone    DMA32, type  Reclaimable "));
	/* 16 MiB of DMA: 8 pageblocks, all movable at boot */
	CHECK(strstr(buf, "Node 0, zone      DMA            0            8            0 \n"));
	/* DMA32 spans 16..256 MiB: 120 pageblocks */
	CHECK(strstr(buf, "Node 0, zone    DMA32            0          120            0 \n"));
}

/* A zone's NUMA counter over every CPU (what zoneinfo prints). */
static unsigned long zone_event(const struct zone *z, enum numa_stat_item item)
{
	unsigned long n = 0;

	for (unsigned cpu = 0; cpu < MM_NR_CPUS; cpu++)
		n += z->pcpstat[cpu].numa_event[item];
	return n;
}

static void test_zoneinfo(void)
{
	struct zone *dma32 = bt_zone(0, ZONE_DMA32);
	char want[256];

	zoneinfo_dump(buf, sizeof(buf));
	/* the node's counters come with its first populated zone (Linux's per-node stats) */
	CHECK(!strncmp(buf, "Node 0, zone      DMA\n  per-node stats\n      nr_slab_unreclaimable 0\n", 69));
	snprintf(want, sizeof(want), "Node 0, zone    DMA32\n  pages free     %lu\n        min      %lu\n"
		 "        low      %lu\n        high     %lu\n        spanned  %lu\n        present  %lu\n"
		 "        managed  %lu\n        protection: (0, 0, %ld)\n      nr_free_pages %lu\n"
		 "      numa_hit     %lu\n      numa_miss    %lu\n      numa_foreign %lu\n"
		 "      numa_interleave %lu\n      numa_local   %lu\n      numa_other   %lu\n  pagesets\n"
		 "    cpu: 0\n              count: 0\n              high:  %u\n              batch: %u\n",
		 dma32->free_pages, min_wmark_pages(dma32), low_wmark_pages(dma32), high_wmark_pages(dma32),
		 dma32->spanned_pages, dma32->present_pages, dma32->managed_pages,
		 dma32->lowmem_reserve[ZONE_NORMAL], dma32->free_pages, zone_event(dma32, NUMA_HIT),
		 zone_event(dma32, NUMA_MISS), zone_event(dma32, NUMA_FOREIGN),
		 zone_event(dma32, NUMA_INTERLEAVE_HIT), zone_event(dma32, NUMA_LOCAL),
		 zone_event(dma32, NUMA_OTHER), dma32->pcp[0].high, dma32->pcp[0].batch);
	CHECK(strstr(buf, want));
	CHECK(strstr(buf, "Node 0, zone   Normal\n  pages free     0\n"));
	CHECK(strstr(buf, "  start_pfn:           4096\n"));
}

static unsigned long meminfo_field(const char *name)
{
	const char *p = strstr(buf, name);
	return p ? strtoul(p + strlen(name), NULL, 10) : ~0UL;
}

static void test_meminfo(void)
{
	meminfo_dump(buf, sizeof(buf));
	CHECK(!strncmp(buf, "MemTotal:       ", 16));
	CHECK_EQ(meminfo_field("MemTotal:"), totalram_pages() * 4);
	CHECK_EQ(meminfo_field("MemFree:"), nr_free_pages() * 4);
	CHECK(meminfo_field("MemAvailable:") < meminfo_field("MemFree:"));
	char line[64];
	snprintf(line, sizeof(line), "MemTotal:       %8lu kB\n", totalram_pages() * 4);
	CHECK(!strncmp(buf, line, strlen(line)));
	/* MemFree follows allocations */
	struct page *p = alloc_pages(GFP_KERNEL, 10);
	meminfo_dump(buf, sizeof(buf));
	CHECK_EQ(meminfo_field("MemFree:"), nr_free_pages() * 4);
	CHECK_EQ(__free_pages(p, 10), 0);
}

int main(void)
{
	mm_init_verbose = false;
	small_machine();
	test_buddyinfo();
	test_truncation();
	test_pagetypeinfo();
	test_zoneinfo();
	test_meminfo();
	return bt_finish("test_dump");
}

/*
 * Replay a real (riscv64, from QEMU device trees) or derived (x86_64 e820)
 * memory map: mm_init from it, check the invariants, allocate everything in
 * every zone of every node, free everything, and require the free lists to
 * return exactly to their state after boot.
 *
 * Usage: buddy_maps_test FILE.map | FILE.dtb
 * A .dtb goes through the core's own device-tree reader and sanitiser
 * (core/dt.c, core/memmap.c) as on a real boot, with the reservations the
 * boot adds (OpenSBI's, the core image) carved out as the core does.
 */
#include "bt.h"
#ifdef BUDDY_WITH_DT
#include "core/dt.h"
#include "core/memmap.h"

static int load_dtb(const char *path, struct mneme_boot_info *bi)
{
	static unsigned char blob[1 << 20];
	static struct dt_machine m;
	FILE *f = fopen(path, "rb");
	size_t n;
	int err;

	if (!f)
		return -1;
	n = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	bt_bootinfo_init(bi, MNEME_ARCH_RISCV64);
	err = dt_parse_memory(blob, n, &m);
	if (!err)
		err = dt_to_memmap(&m, bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES);
	if (!err)   /* OpenSBI's PMP region, added to the tree at run time */
		err = memmap_reserve(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES,
				     0x80000000, 0x40000, MNEME_MEM_NOMAP);
	if (!err)   /* the core image */
		err = memmap_reserve(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES,
				     0x80200000, 0x200000, MNEME_MEM_CORE);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, m.error ? m.error : dt_strerror(err));
		return -1;
	}
	return 0;
}
#endif

struct held {
	struct page *page;
	unsigned order;
};
static struct held *held;
static unsigned long nheld, maxheld;

static void hold(struct page *p, unsigned order)
{
	if (nheld == maxheld) {
		maxheld = maxheld ? 2 * maxheld : 1 << 14;
		held = realloc(held, maxheld * sizeof(*held));
	}
	held[nheld++] = (struct held){ p, order };
}

/* Take every page of zone @zt on node @nid (lower zones of the node are already empty). */
static unsigned long exhaust_zone(int nid, int zt)
{
	static const gfp_t zone_gfp[MAX_NR_ZONES] = { __GFP_DMA, __GFP_DMA32, 0 };
	gfp_t gfp = zone_gfp[zt] | __GFP_THISNODE | __GFP_MEMALLOC | __GFP_NOWARN;
	unsigned long pages = 0;

	if (zt == ZONE_DMA && !mm_zone_layout.exists[ZONE_DMA])
		return 0;
	for (int o = MAX_ORDER - 1; o >= 0; o--) {
		struct page *p;
		while ((p = alloc_pages_node(nid, gfp, (unsigned)o))) {
			CHECK_EQ(page_to_nid(p), nid);
			CHECK((int)page_zonenum(p) <= zt);
			hold(p, (unsigned)o);
			pages += 1UL << o;
		}
	}
	return pages;
}

int main(int argc, char **argv)
{
	struct mneme_boot_info bi;
	static char info0[1 << 14], info1[1 << 14];
	unsigned long taken = 0;
	int nid;

	size_t len = argc > 1 ? strlen(argv[1]) : 0;
	int err;

	if (len > 4 && !strcmp(argv[1] + len - 4, ".dtb")) {
#ifdef BUDDY_WITH_DT
		err = load_dtb(argv[1], &bi);
#else
		err = -1;
#endif
	} else {
		err = len ? bt_load_map(argv[1], &bi) : -1;
	}
	if (err) {
		fprintf(stderr, "usage: buddy_maps_test FILE.map|FILE.dtb\n");
		return 2;
	}
	uint64_t ram = 0, usable = 0;
	for (unsigned i = 0; i < bi.nr_ranges; i++) {
		uint32_t t = bi.ranges[i].type;
		if (t != MNEME_MEM_FIRMWARE && t != MNEME_MEM_UNUSABLE)
			ram += bi.ranges[i].size;
		if (t == MNEME_MEM_USABLE)
			usable += bi.ranges[i].size;
	}
	CHECK_EQ(bt_mm_init(&bi), 0);
	fputs(bt_captured(), stdout);
	CHECK_INVARIANTS();
	buddyinfo_dump(info0, sizeof(info0));
	fputs(info0, stdout);
	unsigned long free0 = nr_free_pages(), managed = totalram_pages();
	CHECK_EQ(free0, managed);                     /* nothing allocated yet */
	CHECK(managed > 0 && managed <= totalpresent_pages());
	/*
	 * Only RAM is present (firmware holes such as x86's HyperTransport
	 * window get no memmap), so nearly all usable RAM is managed: what is
	 * missing is the memmap (64 bytes a page, < 1.6%), the x86 low 1 MiB
	 * and a little boot data.
	 */
	CHECK((uint64_t)totalpresent_pages() << PAGE_SHIFT <= ram);
	CHECK(((uint64_t)managed << PAGE_SHIFT) + (2ULL << 20) >= usable / 100 * 98);
	printf("%s: %llu KiB usable, %lu KiB managed (%.2f%%)\n", argv[1],
	       (unsigned long long)(usable >> 10), managed << (PAGE_SHIFT - 10),
	       100.0 * (double)((uint64_t)managed << PAGE_SHIFT) / (double)usable);

	for_each_online_node(nid)
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = bt_zone(nid, zt);
			unsigned long got = exhaust_zone(nid, zt);
			taken += got;
			CHECK_EQ(z->free_pages, 0);
			if (got)
				CHECK_INVARIANTS();
		}
	CHECK_EQ(taken, managed);
	CHECK_EQ(nr_free_pages() + nr_pcp_pages(), 0);
	CHECK(!alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0));
	CHECK_INVARIANTS();
	while (nheld--)
		CHECK_EQ(__free_pages(held[nheld].page, held[nheld].order), 0);
	drain_all_pages();
	CHECK_INVARIANTS();
	buddyinfo_dump(info1, sizeof(info1));
	CHECK_EQ(nr_free_pages(), free0);
	CHECK(!strcmp(info0, info1));
	printf("%s: %lu pages managed, all taken and returned\n", argv[1], managed);
	free(held);
	return bt_finish("test_maps");
}

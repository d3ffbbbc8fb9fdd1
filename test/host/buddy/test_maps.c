/*
 * Replay a real (riscv64, from QEMU device trees) or derived (x86_64 e820)
 * memory map: mm_init from it, check the invariants, allocate everything in
 * every zone of every node, free everything, and require the free lists to
 * return exactly to their state after boot.
 *
 * Usage: buddy_maps_test FILE.map
 */
#include "bt.h"

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

	if (argc < 2 || bt_load_map(argv[1], &bi)) {
		fprintf(stderr, "usage: buddy_maps_test FILE.map\n");
		return 2;
	}
	CHECK_EQ(bt_mm_init(&bi), 0);
	fputs(bt_captured(), stdout);
	CHECK_INVARIANTS();
	buddyinfo_dump(info0, sizeof(info0));
	fputs(info0, stdout);
	unsigned long free0 = nr_free_pages(), managed = totalram_pages();
	CHECK_EQ(free0, managed);                     /* nothing allocated yet */
	CHECK(managed > 0 && managed <= totalpresent_pages());

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

/*
 * libFuzzer harness for the page allocator.  The input is a program of
 * one-byte opcodes with operands: allocations of any order and gfp mask
 * (valid or not), frees of live blocks, bad frees (wrong order, tail page,
 * random pfn), contiguous ranges, CPU switches, pcp on/off and drains.
 * The checker runs every 32 operations; at the end of each input every
 * block is freed and the free lists must be exactly as after boot, so
 * one input cannot leak into the next.
 */
#include "mm/gfp.h"
#include "mm/host.h"
#include "mm/mm_dump.h"
#include "mm/page_alloc.h"
#include "mm/sparse.h"
#include "mneme/error.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIVE 256

struct live {
	struct page *page;
	unsigned long nr;      /* contiguous: pages; else 0 */
	unsigned order;
};

static struct live live[MAX_LIVE];
static unsigned nlive;
static unsigned long free0;
static char info0[4096];

static void die(const char *what)
{
	char why[256] = "";
	mm_check_invariants(why, sizeof(why));
	fprintf(stderr, "buddy_fuzz: %s (%s)\n", what, why);
	abort();
}

static void quiet(const char *text)
{
	(void)text;
}

static void boot_once(void)
{
	static struct mneme_boot_info bi;

	if (free0)
		return;
	bi.magic = MNEME_BOOTINFO_MAGIC;
	bi.version = MNEME_BOOTINFO_VERSION;
	bi.size = sizeof(bi);
	bi.arch = MNEME_ARCH_X86_64;
	bi.nr_ranges = 3;
	bi.ranges[0] = (struct mneme_mem_range){ 0, 0x9fc00, MNEME_MEM_USABLE, 0 };
	bi.ranges[1] = (struct mneme_mem_range){ 0x100000, 60ULL << 20, MNEME_MEM_USABLE, 0 };
	bi.ranges[2] = (struct mneme_mem_range){ 0x2000000, 0x3000, MNEME_MEM_CORE, 0 };
	mm_host_set_print_sink(quiet);
	mm_init_verbose = false;
	if (mm_host_arena_init(128ULL << 20) || mm_init(&bi))
		die("boot failed");
	free0 = nr_free_pages();
	buddyinfo_dump(info0, sizeof(info0));
}

static void do_free(unsigned i)
{
	int err = live[i].nr ? free_contig_pages(live[i].page, live[i].nr)
			     : __free_pages(live[i].page, live[i].order);
	if (err)
		die("free of a live block rejected");
	live[i] = live[--nlive];
}

static void bad_free(const uint8_t *d)
{
	unsigned long fr = nr_free_pages(), pcp = nr_pcp_pages();
	int err = 0;

	if (d[0] & 1) {
		unsigned long pfn = ((unsigned long)d[1] << 8 | d[2]) % max_pfn;
		for (unsigned i = 0; i < nlive; i++) {
			unsigned long s = page_to_pfn(live[i].page);
			unsigned long n = live[i].nr ? live[i].nr : 1UL << live[i].order;
			if (pfn == s && n)
				return;        /* that would be a valid free */
		}
		if (!pfn_valid(pfn))
			return;
		err = __free_pages(pfn_to_page(pfn), d[0] >> 4);
	} else if (nlive) {
		struct live *l = &live[d[1] % nlive];
		err = l->nr ? free_contig_pages(l->page, l->nr + 1 + d[2] % 3)
			    : __free_pages(l->page, l->order + 1 + d[2] % 3);
		if (l->nr && !err)
			die("contiguous free with a wrong length accepted");
	}
	if (!err)
		return;
	if (nr_free_pages() != fr || nr_pcp_pages() != pcp)
		die("rejected free changed the counts");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_DMA, GFP_DMA32, GFP_HIGHUSER_MOVABLE,
				      __GFP_RECLAIMABLE, GFP_ATOMIC, __GFP_MEMALLOC, __GFP_ZERO };
	char why[256];

	boot_once();
	for (size_t i = 0; i + 3 <= size; i += 3) {
		const uint8_t *d = data + i;
		switch (d[0] % 8) {
		case 0: case 1: case 2: {
			gfp_t gfp = gfps[d[1] % 8] | gfps[(d[1] >> 3) % 8] | __GFP_NOWARN;
			if (d[1] == 0xff)
				gfp = d[2] << 16;          /* raw, probably invalid, flags */
			struct page *p = alloc_pages(gfp, d[2] % 12);
			if (p && nlive < MAX_LIVE)
				live[nlive++] = (struct live){ p, 0, d[2] % 12 };
			else if (p && __free_pages(p, d[2] % 12))
				die("free of a fresh block rejected");
			break;
		}
		case 3: case 4:
			if (nlive)
				do_free(d[1] % nlive);
			break;
		case 5: {
			unsigned long nr = 1 + d[1] * 4;
			struct page *p = alloc_contig_pages_below(nr, PAGE_SIZE << (d[2] % 12),
								  (d[2] & 0x80) ? 32ULL << 20 : 0, GFP_KERNEL);
			if (p && nlive < MAX_LIVE)
				live[nlive++] = (struct live){ p, nr, 0 };
			else if (p && free_contig_pages(p, nr))
				die("free of a fresh range rejected");
			break;
		}
		case 6:
			bad_free(d);
			break;
		default:
			if (d[1] & 1)
				mm_host_set_cpu(d[2] % MM_NR_CPUS);
			else if (d[1] & 2)
				mm_set_pcp_enabled(d[2] & 1);
			else
				drain_all_pages();
		}
		if (i % 96 == 0 && mm_check_invariants(why, sizeof(why)))
			die("invariants");
	}
	while (nlive)
		do_free(nlive - 1);
	mm_set_pcp_enabled(true);
	mm_host_set_cpu(0);
	drain_all_pages();
	if (mm_check_invariants(why, sizeof(why)))
		die("invariants at the end");
	char info[4096];
	buddyinfo_dump(info, sizeof(info));
	if (nr_free_pages() != free0 || strcmp(info, info0))
		die("free lists did not return to their boot state");
	return 0;
}

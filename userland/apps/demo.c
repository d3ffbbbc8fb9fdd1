/*
 * The demo (`./mneme run`, boot word "demo"): several tasks get memory
 * from the memory server in different ways, at the same time, and say
 * what they got.  The server prints the memory map, the zones, buddyinfo
 * and meminfo before and after, and checks that everything came back.
 *
 *   (no mode)     the parent: starts the others, allocates blocks of
 *                 several orders and zones, shares a page with a child
 *   mode=lazy     a lazy anonymous region touched page by page
 *   mode=dma      a populated region and DMA-contiguous memory below 4 GiB
 *   mode=huge     a 2 MiB huge mapping, then malloc
 *   mode=shared   reads the parent's note in the page shared at start
 */
#include <libmm/libmm.h>
#include <malloc.h>
#include <ulib/ulib.h>

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)

static const char *me = "demo";

static void say_usage(void)
{
	struct mneme_mm_usage u;

	if (!mm_usage(&u))
		printf("[%s] usage: %llu KiB charged of %llu KiB quota, %llu pages resident, %llu regions, "
		       "%llu page-table pages, %llu huge\n", me, (unsigned long long)(u.charged >> 10),
		       (unsigned long long)(u.quota >> 10), (unsigned long long)u.resident,
		       (unsigned long long)u.regions, (unsigned long long)u.pt_pages,
		       (unsigned long long)u.huge);
}

static int lazy(void)
{
	void *va;

	if (mm_map_anon(NULL, 1 << 20, RW, &va))
		return 1;
	printf("[%s] 1 MiB lazy anonymous region at %p (no frames yet)\n", me, va);
	say_usage();
	for (unsigned i = 0; i < 256; i += 4) {
		((volatile uint8_t *)va)[i * 4096] = (uint8_t)i;
		if (i % 64 == 0)
			mneme_yield();
	}
	printf("[%s] touched every 4th page: 64 demand-zero faults\n", me);
	say_usage();
	return mm_unmap(va, 1 << 20) != 0;
}

static int dma(void)
{
	void *va;
	uint64_t pa;

	if (mm_map_anon(NULL, 256 << 10, RW | MNEME_MM_POPULATE, &va))
		return 1;
	printf("[%s] 256 KiB populated region at %p\n", me, va);
	if (mm_map_contig(128 << 10, 1ULL << 32, 64 << 10, RW | MNEME_MM_ZERO, &va, &pa))
		return 2;
	printf("[%s] 128 KiB DMA-contiguous at %p = physical %#llx (below 4 GiB, 64 KiB aligned)\n",
	       me, va, (unsigned long long)pa);
	say_usage();
	return 0;
}

static int huge(void)
{
	void *va;

	if (mm_map_anon(NULL, 2 << 20, RW | MNEME_MM_HUGE, &va))
		return 1;
	((volatile uint8_t *)va)[0] = 1;   /* one fault maps all 2 MiB */
	printf("[%s] 2 MiB huge mapping at %p, one fault for all of it\n", me, va);
	say_usage();
	char *s[8];
	for (int i = 0; i < 8; i++) {
		s[i] = malloc(40 + i * 1000);
		if (!s[i])
			return 2;
		snprintf(s[i], 40, "malloc block %d", i);
	}
	printf("[%s] malloc: \"%s\" .. \"%s\" at %p .. %p\n", me, s[0], s[7], (void *)s[0], (void *)s[7]);
	for (int i = 0; i < 8; i++)
		free(s[i]);
	return 0;
}

static int shared(void)
{
	volatile char *note = (volatile char *)(uintptr_t)ULIB_SHARED_VA;

	printf("[%s] the parent's shared page says: \"%s\"\n", me, (const char *)note);
	snprintf((char *)note + 2048, 64, "hello back from task %llu",
		 (unsigned long long)ulib_start->task_id);
	return 0;
}

static int parent(void)
{
	static const struct { unsigned order, pf; const char *what; } blocks[] = {
		{ 0, RW, "order 0, any zone" },
		{ 3, RW | MNEME_MM_ZONE_DMA32, "order 3, ZONE_DMA32" },
		{ 1, RW | MNEME_MM_ZONE_DMA, "order 1, ZONE_DMA" },
		{ 6, RW | MNEME_MM_ZERO, "order 6, zeroed" },
	};
	static const char *const modes[] = { "mode=lazy", "mode=dma", "mode=huge" };
	uint64_t child[4];
	int bad = 0;

	for (unsigned i = 0; i < 3; i++)
		bad += mm_spawn("demo", modes[i], 0, 0, 0, &child[i]) != 0;
	for (unsigned i = 0; i < 4; i++) {
		void *va;
		uint64_t pa;
		if (mm_alloc_pages(blocks[i].order, blocks[i].pf, &va, &pa)) {
			bad++;
			continue;
		}
		printf("[%s] pages: %s at %p = physical %#llx\n", me, blocks[i].what, va,
		       (unsigned long long)pa);
	}
	void *page;
	if (mm_map_anon(NULL, 4096, RW, &page))
		return 1;
	snprintf(page, 64, "hello child, from task %llu", (unsigned long long)ulib_start->task_id);
	bad += mm_spawn("demo", "mode=shared", MNEME_MM_SPAWN_SHARE, 0, (uintptr_t)page, &child[3]) != 0;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t st = 1, why = 0;
		bad += mm_wait(child[i], 200000, &st, &why) != 0 || st != 0 || why != MNEME_EXIT_NORMAL;
	}
	printf("[%s] the child answered in the shared page: \"%s\"\n", me, (char *)page + 2048);
	say_usage();
	printf("[%s] my regions:\n", me);
	mm_stats_print(MNEME_MM_STAT_MAPS);
	printf("[%s] %s; exiting without freeing: the server reclaims it all\n", me,
	       bad ? "something failed" : "all tasks done");
	return bad;
}

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");

	if (!mode)
		return parent();
	me = mode;
	if (!strcmp(mode, "lazy"))
		return lazy();
	if (!strcmp(mode, "dma"))
		return dma();
	if (!strcmp(mode, "huge"))
		return huge();
	if (!strcmp(mode, "shared"))
		return shared();
	return 99;
}

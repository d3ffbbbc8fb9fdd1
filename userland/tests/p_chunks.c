/*
 * Helper of t_ptcharge: maps, touches and unmaps fresh 2 MiB chunks,
 * rounds= times, each 1 GiB + 2 MiB past the last (so every chunk needs
 * new page tables at two levels).  After each step it checks its own
 * usage: while a chunk is mapped and touched, the page tables it took are
 * charged to it (pt_pages up, charged up by at least those frames); after
 * the unmap the emptied tables are pruned (at most a pool's worth stays
 * with the core for the next map, and that never grows) and the charge
 * and metadata are back where they started.  Exit status: the number of checks that failed.
 */
#include "common.h"
#include <libmm/libmm.h>
#include <stdio.h>

#define MiB   (1ULL << 20)
#define CHUNK (2 * MiB)
#define STEP  ((1ULL << 30) + CHUNK)
#define RW    (MNEME_PROT_READ | MNEME_PROT_WRITE)

int main(int argc, char **argv)
{
	const char *r = ulib_arg(argc, argv, "rounds");
	uint64_t rounds = r ? ulib_strtou(r) : 100, bad = 0, pt_after_first = 0;
	struct mneme_mm_usage u0, u;

	if (mm_usage(&u0))
		return 100;
	for (uint64_t i = 0; i < rounds; i++) {
		uint64_t va = MNEME_MM_MAP_BASE + ((i * STEP) % (MNEME_MM_MAP_END - MNEME_MM_MAP_BASE - CHUNK));
		void *got = NULL;
		va &= ~(CHUNK - 1);
		if (mm_map_anon((void *)(uintptr_t)va, CHUNK, RW | MNEME_MM_FIXED, &got) ||
		    (uintptr_t)got != va) {
			bad++;
			continue;
		}
		for (uint64_t off = 0; off < CHUNK; off += 64 * 4096)
			*(volatile uint64_t *)(uintptr_t)(va + off) = i + off;
		bad += mm_usage(&u) != 0;
		bad += u.pt_pages <= u0.pt_pages;                           /* tables were needed... */
		bad += u.charged < u0.charged + (u.pt_pages - u0.pt_pages) * 4096; /* ...and charged to us */
		bad += mm_unmap(got, CHUNK) != 0;
		bad += mm_usage(&u) != 0;
		/*
		 * The emptied tables are pruned on unmap: the core keeps at most a
		 * pool's worth for the next map (MNEME_PT_POOL_FRAMES) and the
		 * count never grows from one round to the next.
		 */
		bad += u.pt_pages > u0.pt_pages + MNEME_PT_POOL_FRAMES;
		if (!i)
			pt_after_first = u.pt_pages;
		bad += u.pt_pages > pt_after_first;
		bad += u.charged != u0.charged;                             /* and the charge is back */
		bad += u.meta_bytes != u0.meta_bytes;
	}
	if (bad)
		printf("p_chunks: %llu checks failed; last: pt_pages %llu (at start %llu), charged %llu "
		       "(at start %llu), meta %llu (at start %llu)\n", (unsigned long long)bad,
		       (unsigned long long)u.pt_pages, (unsigned long long)u0.pt_pages,
		       (unsigned long long)u.charged, (unsigned long long)u0.charged,
		       (unsigned long long)u.meta_bytes, (unsigned long long)u0.meta_bytes);
	return (int)(bad > 200 ? 200 : bad);
}

/*
 * The memory server's frame source (mmserver/server/frame.c) over a fake
 * boot map whose RAM is mmap'd at the physmap address: every usable frame
 * is handed out exactly once, zeroed, never outside the usable ranges;
 * frees and per-owner reclaim return frames; bad frees are refused.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <mneme/error.h>
#include <mneme/layout.h>
#include "frame.h"

static int failures;

#define EXPECT(c)                                                                          \
	do {                                                                               \
		if (!(c)) {                                                                \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                \
			failures++;                                                        \
		}                                                                          \
	} while (0)

#define RAM_BASE 0x100000ULL
#define RAM_SIZE (8ULL << 20)

static struct mneme_boot_info bi;

static void add(uint64_t base, uint64_t size, uint32_t type)
{
	bi.ranges[bi.nr_ranges++] = (struct mneme_mem_range){ base, size, type, 0 };
}

static bool usable(uint64_t pa)
{
	for (uint32_t i = 0; i < bi.nr_ranges; i++)
		if (bi.ranges[i].type == MNEME_MEM_USABLE && pa >= bi.ranges[i].base &&
		    pa + FRAME_SIZE <= bi.ranges[i].base + bi.ranges[i].size)
			return true;
	return false;
}

int main(void)
{
	void *want = (void *)(uintptr_t)(MNEME_LAYOUT_PHYSMAP + RAM_BASE);
	void *ram = mmap(want, RAM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (ram != want) {
		printf("SKIP: cannot map the fake physmap at %p\n", want);
		return 0;
	}
	memset(ram, 0xee, RAM_SIZE);   /* frames must come back zeroed */
	add(RAM_BASE, 0x200000, MNEME_MEM_USABLE);
	add(RAM_BASE + 0x200000, 0x100000, MNEME_MEM_CORE);
	add(RAM_BASE + 0x300000, 0x80800, MNEME_MEM_USABLE);     /* ends mid-page */
	add(RAM_BASE + 0x400000, 0x400000, MNEME_MEM_USABLE);
	EXPECT(frame_init(&bi) == 0);
	uint64_t total = frame_total_count(), start_free = frame_free_count();
	EXPECT(total == (0x200000 + 0x80000 + 0x400000) / FRAME_SIZE);
	EXPECT(start_free < total && start_free > total - 8);   /* the owner table took a few */

	static uint64_t got[4096];
	unsigned n = 0;
	for (uint64_t pa; (pa = frame_alloc(1 + n % 3)); n++) {
		EXPECT(n < 4096);
		EXPECT(usable(pa) && pa % FRAME_SIZE == 0);
		EXPECT(frame_owner(pa) == (int)(1 + n % 3));
		const uint64_t *p = frame_va(pa);
		for (unsigned i = 0; i < FRAME_SIZE / 8; i++)
			if (p[i]) {
				EXPECT(!"frame not zeroed");
				break;
			}
		memset(frame_va(pa), 0x5a, FRAME_SIZE);
		got[n] = pa;
	}
	EXPECT(n == start_free);
	EXPECT(frame_free_count() == 0);
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n && j < i + 64; j++)
			EXPECT(got[i] != got[j]);
	EXPECT(frame_free(RAM_BASE + 0x200000) == -MNEME_EINVAL);   /* core memory */
	EXPECT(frame_free(got[0] + 8) == -MNEME_EINVAL);
	EXPECT(frame_free(got[0]) == 0);
	EXPECT(frame_free(got[0]) == -MNEME_EINVAL);                /* double free */
	EXPECT(frame_alloc(2) == got[0]);
	EXPECT(frame_owner(got[0]) == 2);
	uint64_t r1 = frame_reclaim(1), r2 = frame_reclaim(2), r3 = frame_reclaim(3);
	EXPECT(r1 + r2 + r3 == n);
	EXPECT(frame_free_count() == start_free);
	EXPECT(frame_alloc(0) == 0 && frame_alloc(256) == 0);
	EXPECT(frame_owner(0x10) == -1);
	printf("%s: %d failures (%u frames)\n", failures ? "FAIL" : "PASS", failures, n);
	return failures != 0;
}

/*
 * The memory server's frame source (mmserver/server/frame.c) over the mm
 * core's host port (a simulated physical arena): every free frame is
 * handed out exactly once, zeroed, only from usable ranges, charged to
 * its owner; frees and per-owner reclaim return them all; bad frees are
 * refused; x86 "reserved" holes do not count as memory.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mm/host.h>
#include <mm/page_alloc.h>
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

#define RAM_BASE 0x80000000ULL
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
	if (mm_host_arena_init(RAM_BASE + RAM_SIZE)) {
		printf("FAIL: no host arena\n");
		return 1;
	}
	mm_init_verbose = false;
	bi = (struct mneme_boot_info){ .magic = MNEME_BOOTINFO_MAGIC, .version = MNEME_BOOTINFO_VERSION,
				       .size = sizeof(bi), .arch = MNEME_ARCH_RISCV64, .page_shift = 12 };
	add(RAM_BASE, 0x200000, MNEME_MEM_USABLE);
	add(RAM_BASE + 0x200000, 0x100000, MNEME_MEM_CORE);
	add(RAM_BASE + 0x300000, 0x80800, MNEME_MEM_USABLE);     /* ends mid-page */
	add(RAM_BASE + 0x400000, 0x400000, MNEME_MEM_USABLE);
	EXPECT(frame_init(&bi) == 0);
	uint64_t total = frame_total_count(), start_free = frame_free_count();
	EXPECT(total > 0 && total <= (0x200000 + 0x80000 + 0x400000) / FRAME_SIZE);
	EXPECT(start_free <= total && start_free > total - 64);

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
	/* What is left is the allocator's reserve below its min watermark. */
	uint64_t reserve = frame_free_count();
	EXPECT(n + reserve == start_free);
	EXPECT(reserve < start_free / 8);
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			if (got[i] == got[j]) {
				EXPECT(!"frame handed out twice");
				i = n;
				break;
			}
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

	/* x86_64: a "reserved" hole far above RAM is not memory (no memmap, no frames). */
	bi.arch = MNEME_ARCH_X86_64;
	bi.ranges[bi.nr_ranges++] = (struct mneme_mem_range){ 0xfd00000000ULL, 0x300000000ULL,
							       MNEME_MEM_RESERVED, 0 };
	EXPECT(frame_init(&bi) == 0);
	EXPECT(totalpresent_pages() < (RAM_SIZE >> 12));
	EXPECT(frame_owner(0xfd00000000ULL) == -1);
	printf("%s: %d failures (%u frames)\n", failures ? "FAIL" : "PASS", failures, n);
	return failures != 0;
}

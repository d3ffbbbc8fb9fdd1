/*
 * Frame source: bump allocation over the USABLE ranges, a LIFO free list
 * threaded through the free frames themselves, and one owner byte per
 * frame of the span [lowest usable, highest usable) kept in frames taken
 * from the first usable range at init.
 */
#include <stdbool.h>
#include <mneme/error.h>
#include <mneme/layout.h>
#include <ulib/string.h>
#include "frame.h"

struct bump_range {
	uint64_t next, end;   /* [next, end): not yet handed out */
};

static struct bump_range bump[MNEME_BOOTINFO_MAX_RANGES];
static unsigned nr_bump, cur_bump;
static uint64_t free_list;      /* pa of the first free frame, 0 = empty */
static uint64_t nr_free, nr_total;
static uint8_t *owner;          /* owner[(pa - span_base) / FRAME_SIZE] */
static uint64_t span_base, span_end;

void *frame_va(uint64_t pa)
{
	return (void *)(uintptr_t)(MNEME_LAYOUT_PHYSMAP + pa);
}

static bool frame_in_span(uint64_t pa)
{
	return pa >= span_base && pa < span_end && !(pa & (FRAME_SIZE - 1));
}

/* Collect the page-aligned USABLE ranges the physmap covers. */
static void collect_ranges(const struct mneme_boot_info *bi)
{
	for (uint32_t i = 0; i < bi->nr_ranges && i < MNEME_BOOTINFO_MAX_RANGES; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		if (r->type != MNEME_MEM_USABLE)
			continue;
		uint64_t b = (r->base + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
		uint64_t e = (r->base + r->size) & ~(FRAME_SIZE - 1);
		if (b == 0)
			b = FRAME_SIZE;   /* frame 0 is never handed out: 0 means "none" */
		if (e > MNEME_LAYOUT_PHYSMAP_MAX_PA)
			e = MNEME_LAYOUT_PHYSMAP_MAX_PA;   /* the physmap ends there */
		if (e <= b)
			continue;
		bump[nr_bump++] = (struct bump_range){ b, e };
		nr_total += (e - b) / FRAME_SIZE;
		if (!span_base || b < span_base)
			span_base = b;
		if (e > span_end)
			span_end = e;
	}
}

int frame_init(const struct mneme_boot_info *bi)
{
	collect_ranges(bi);
	if (!nr_bump)
		return -MNEME_ENOMEM;
	uint64_t bytes = (span_end - span_base) / FRAME_SIZE;
	uint64_t need = (bytes + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
	/* The owner table lives at the start of the largest range. */
	unsigned big = 0;
	for (unsigned i = 1; i < nr_bump; i++)
		if (bump[i].end - bump[i].next > bump[big].end - bump[big].next)
			big = i;
	if (bump[big].end - bump[big].next < need + FRAME_SIZE)
		return -MNEME_ENOMEM;
	owner = frame_va(bump[big].next);
	memset(owner, FRAME_OWNER_FREE, bytes);
	for (uint64_t pa = bump[big].next; pa < bump[big].next + need; pa += FRAME_SIZE)
		owner[(pa - span_base) / FRAME_SIZE] = FRAME_OWNER_SERVER;
	bump[big].next += need;
	nr_free = nr_total - need / FRAME_SIZE;
	return 0;
}

static uint64_t take_frame(void)
{
	if (free_list) {
		uint64_t pa = free_list;
		free_list = *(uint64_t *)frame_va(pa);
		return pa;
	}
	for (; cur_bump < nr_bump; cur_bump++) {
		if (bump[cur_bump].next < bump[cur_bump].end) {
			uint64_t pa = bump[cur_bump].next;
			bump[cur_bump].next += FRAME_SIZE;
			return pa;
		}
	}
	return 0;
}

uint64_t frame_alloc(unsigned who)
{
	if (who == FRAME_OWNER_FREE || who > FRAME_OWNER_SERVER)
		return 0;
	uint64_t pa = take_frame();
	if (!pa)
		return 0;
	memset(frame_va(pa), 0, FRAME_SIZE);
	owner[(pa - span_base) / FRAME_SIZE] = (uint8_t)who;
	nr_free--;
	return pa;
}

int frame_free(uint64_t pa)
{
	if (!frame_in_span(pa) || owner[(pa - span_base) / FRAME_SIZE] == FRAME_OWNER_FREE)
		return -MNEME_EINVAL;
	owner[(pa - span_base) / FRAME_SIZE] = FRAME_OWNER_FREE;
	*(uint64_t *)frame_va(pa) = free_list;
	free_list = pa;
	nr_free++;
	return 0;
}

uint64_t frame_reclaim(unsigned who)
{
	uint64_t n = 0, frames = (span_end - span_base) / FRAME_SIZE;

	if (who == FRAME_OWNER_FREE)
		return 0;
	for (uint64_t i = 0; i < frames; i++) {
		if (owner[i] == who) {
			frame_free(span_base + i * FRAME_SIZE);
			n++;
		}
	}
	return n;
}

int frame_owner(uint64_t pa)
{
	return frame_in_span(pa) ? owner[(pa - span_base) / FRAME_SIZE] : -1;
}

uint64_t frame_free_count(void)
{
	return nr_free;
}

uint64_t frame_total_count(void)
{
	return nr_total;
}

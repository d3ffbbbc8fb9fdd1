/*
 * The per-frame page-table record (see <core/frametype.h>).
 */
#include <arch/arch.h>
#include <core/bootmem.h>
#include <core/core.h>
#include <core/frametype.h>
#include <core/printk.h>
#include <mneme/error.h>

#define FRAME_SHIFT 12

static uint64_t *bits;          /* bit i: frame base + i * 4 KiB */
static uint64_t base, end;      /* covered [base, end) */
static uint64_t claimed;

void frametype_setup(uint64_t *b, uint64_t lo, uint64_t hi)
{
	bits = b;
	base = lo;
	end = hi;
	claimed = 0;
}

void frametype_init(struct mneme_boot_info *bi)
{
	uint64_t lo = ~0ULL, hi = 0;

	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		if (r->type != MNEME_MEM_USABLE)
			continue;
		if (r->base < lo)
			lo = r->base;
		if (r->base + r->size > hi)
			hi = r->base + r->size;
	}
	if (hi <= lo) {
		frametype_setup(NULL, 0, 0);
		return;
	}
	lo &= ~((64ULL << FRAME_SHIFT) - 1);             /* whole bitmap words */
	hi = (hi + (64ULL << FRAME_SHIFT) - 1) & ~((64ULL << FRAME_SHIFT) - 1);
	uint64_t bytes = (hi - lo) >> (FRAME_SHIFT + 3);
	uint64_t pa = bootmem_alloc((bytes + 4095) & ~4095ULL, 4096, ~0ULL);
	if (!pa)
		panic("frametype: no memory for the page-table record (%llu bytes)",
		      (unsigned long long)bytes);
	uint64_t *b = phys_to_virt(pa);
	for (uint64_t i = 0; i < bytes / 8; i++)
		b[i] = 0;
	frametype_setup(b, lo, hi);
}

/* The word and bit of frame @pa, or NULL if it is not covered. */
static uint64_t *frame_word(uint64_t pa, uint64_t *bit)
{
	if (pa < base || pa >= end)
		return NULL;
	uint64_t i = (pa - base) >> FRAME_SHIFT;
	*bit = 1ULL << (i & 63);
	return &bits[i >> 6];
}

int frametype_claim(uint64_t pa)
{
	uint64_t bit, *w = frame_word(pa, &bit);

	if (!w)
		return -MNEME_ERANGE;
	if (__atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST) & bit)
		return -MNEME_EBUSY;
	__atomic_fetch_add(&claimed, 1, __ATOMIC_RELAXED);
	return 0;
}

void frametype_release(uint64_t pa)
{
	uint64_t bit, *w = frame_word(pa, &bit);

	ASSERT(w && (__atomic_load_n(w, __ATOMIC_RELAXED) & bit));
	__atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST);
	__atomic_fetch_sub(&claimed, 1, __ATOMIC_RELAXED);
}

bool frametype_any(uint64_t pa, uint64_t size)
{
	for (uint64_t at = pa; at < pa + size;) {
		uint64_t bit, *w = frame_word(at, &bit);
		if (!w)
			return false;
		uint64_t i = (at - base) >> FRAME_SHIFT;
		uint64_t left = (pa + size - at) >> FRAME_SHIFT;
		uint64_t n = 64 - (i & 63) < left ? 64 - (i & 63) : left;
		uint64_t mask = n == 64 ? ~0ULL : ((1ULL << n) - 1) << (i & 63);
		if (__atomic_load_n(w, __ATOMIC_SEQ_CST) & mask)
			return true;
		at += n << FRAME_SHIFT;
	}
	return false;
}

uint64_t frametype_count(void)
{
	return __atomic_load_n(&claimed, __ATOMIC_RELAXED);
}

/*
 * The memory-map sanitiser: firmware maps in, sanitised map out.
 *
 * Design.  Firmware maps are small (tens of entries, at most a few
 * hundred) but arbitrarily ugly: unsorted, overlapping, zero-length, or
 * running off the end of the address space.  Like Linux's e820 sanitiser
 * we sweep the address space over its change points (every range's first
 * byte and the byte after its last), deciding at each point which range
 * wins.  Unlike Linux we keep no change-point table: each step scans all
 * entries to find the winner at the current point and the next change
 * point, which costs O(n) per step and O(n^2) in all, and needs no memory
 * beyond the output.  Positions are handled as inclusive [first, last]
 * pairs so a range ending at 2^64 - 1 needs no special case.
 *
 * The output is built in a static scratch table and copied back only on
 * success, so a failing call leaves the caller's map untouched (decode,
 * then perform).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <core/memmap.h>
#include <mneme/error.h>

/* The input of one sweep: the caller's entries plus an optional extra one. */
struct memmap_src {
	const struct mneme_mem_range *r;
	uint32_t nr;
	struct mneme_mem_range extra;   /* size 0: no extra entry */
	bool extra_inherits_nid;        /* memmap_reserve: keep the nid below */
};

/* What the sweep finds at one point. */
struct memmap_point {
	bool covered;          /* some range contains the point */
	uint32_t type, nid;    /* the winner, if covered */
	uint64_t seg_last;     /* the last byte before the next change point */
};

static struct mneme_mem_range memmap_scratch[MEMMAP_MAX_RANGES];

static bool memmap_type_valid(uint32_t type)
{
	return type >= MNEME_MEM_USABLE && type < MNEME_MEM_TYPE_MAX;
}

/* Inclusive bounds of @e, clamped at 2^64 - 1; false for an empty range. */
static bool memmap_bounds(const struct mneme_mem_range *e, uint64_t *first, uint64_t *last)
{
	if (e->size == 0)
		return false;
	*first = e->base;
	if (e->size - 1 > UINT64_MAX - e->base)
		*last = UINT64_MAX;
	else
		*last = e->base + (e->size - 1);
	return true;
}

/* Does (type a, nid a) beat (type b, nid b)?  Larger type, then smaller nid. */
static bool memmap_beats(uint32_t ta, uint32_t na, uint32_t tb, uint32_t nb)
{
	return ta > tb || (ta == tb && na < nb);
}

/*
 * Account entry @e at point @p: if it covers @p it competes for the win
 * (unless @compete is false), and its boundaries beyond @p limit the
 * current segment.
 */
static void memmap_visit(const struct mneme_mem_range *e, uint64_t p, bool compete,
			 struct memmap_point *pt)
{
	uint64_t first, last;

	if (!memmap_bounds(e, &first, &last))
		return;
	if (first > p) {
		if (first - 1 < pt->seg_last)
			pt->seg_last = first - 1;
		return;
	}
	if (last < p)
		return;
	if (last < pt->seg_last)
		pt->seg_last = last;
	if (!compete)
		return;
	if (!pt->covered || memmap_beats(e->type, e->nid, pt->type, pt->nid)) {
		pt->covered = true;
		pt->type = e->type;
		pt->nid = e->nid;
	}
}

/* Find the winner at @p and where the current segment ends. */
static void memmap_scan_point(const struct memmap_src *src, uint64_t p, struct memmap_point *pt)
{
	const struct mneme_mem_range *x = &src->extra;
	uint64_t first, last;

	pt->covered = false;
	pt->type = pt->nid = 0;
	pt->seg_last = UINT64_MAX;
	for (uint32_t i = 0; i < src->nr; i++)
		memmap_visit(&src->r[i], p, true, pt);
	if (!src->extra_inherits_nid) {
		memmap_visit(x, p, true, pt);
		return;
	}
	memmap_visit(x, p, false, pt);
	if (!memmap_bounds(x, &first, &last) || first > p || last < p)
		return;
	if (!pt->covered) {
		pt->covered = true;
		pt->type = x->type;
		pt->nid = 0;
	} else if (x->type > pt->type) {
		pt->type = x->type;
	}
}

/* The first byte of the lowest non-empty entry; false if there is none. */
static bool memmap_lowest(const struct memmap_src *src, uint64_t *p)
{
	uint64_t first, last;
	bool any = false;

	for (uint32_t i = 0; i <= src->nr; i++) {
		const struct mneme_mem_range *e = i < src->nr ? &src->r[i] : &src->extra;

		if (memmap_bounds(e, &first, &last) && (!any || first < *p)) {
			*p = first;
			any = true;
		}
	}
	return any;
}

/*
 * Append [@first, @last] with @pt's type and nid to @out, merging it into
 * the previous entry when they touch and match.  Counts past @cap without
 * writing; returns the new count.
 */
static uint32_t memmap_emit(struct mneme_mem_range *out, uint32_t n, uint32_t cap,
			    uint64_t first, uint64_t last, const struct memmap_point *pt)
{
	struct mneme_mem_range *prev = n > 0 && n <= cap ? &out[n - 1] : NULL;

	if (prev && prev->type == pt->type && prev->nid == pt->nid &&
	    prev->base + prev->size == first) {
		first = prev->base;
		n--;
	}
	if (n < cap) {
		out[n].base = first;
		/* [0, 2^64) does not fit in a size: drop its last byte. */
		out[n].size = (first == 0 && last == UINT64_MAX) ? UINT64_MAX : last - first + 1;
		out[n].type = pt->type;
		out[n].nid = pt->nid;
	}
	return n + 1;
}

/*
 * Sweep @src and write the sanitised map into @out[0..@cap).  Returns the
 * number of entries the full result has, which may exceed @cap (the
 * sweep stops counting at @cap + 1).
 */
static uint32_t memmap_sweep(const struct memmap_src *src, struct mneme_mem_range *out, uint32_t cap)
{
	struct memmap_point pt;
	uint32_t n = 0;
	uint64_t p;

	if (!memmap_lowest(src, &p))
		return 0;
	for (;;) {
		memmap_scan_point(src, p, &pt);
		if (pt.covered) {
			n = memmap_emit(out, n, cap, p, pt.seg_last, &pt);
			if (n > cap)
				return n;
		}
		if (pt.seg_last == UINT64_MAX)
			return n;
		p = pt.seg_last + 1;
	}
}

/* Validate, sweep into the scratch table, and copy back on success. */
static int memmap_rebuild(const struct memmap_src *src, struct mneme_mem_range *r,
			  uint32_t *nr, uint32_t max)
{
	uint32_t cap = max < MEMMAP_MAX_RANGES ? max : MEMMAP_MAX_RANGES;
	uint32_t n;

	if (*nr > max)
		return -MNEME_EINVAL;
	for (uint32_t i = 0; i < src->nr; i++)
		if (!memmap_type_valid(src->r[i].type))
			return -MNEME_EINVAL;
	if (src->extra.size && !memmap_type_valid(src->extra.type))
		return -MNEME_EINVAL;
	n = memmap_sweep(src, memmap_scratch, cap);
	if (n > cap)
		return -MNEME_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		r[i] = memmap_scratch[i];
	*nr = n;
	return 0;
}

int memmap_sanitize(struct mneme_mem_range *r, uint32_t *nr, uint32_t max)
{
	struct memmap_src src = { .r = r, .nr = *nr };

	return memmap_rebuild(&src, r, nr, max);
}

int memmap_add(struct mneme_mem_range *r, uint32_t *nr, uint32_t max,
	       uint64_t base, uint64_t size, uint32_t type, uint32_t nid)
{
	struct memmap_src src = {
		.r = r, .nr = *nr,
		.extra = { .base = base, .size = size, .type = type, .nid = nid },
	};

	if (!memmap_type_valid(type))
		return -MNEME_EINVAL;
	return memmap_rebuild(&src, r, nr, max);
}

int memmap_reserve(struct mneme_mem_range *r, uint32_t *nr, uint32_t max,
		   uint64_t base, uint64_t size, uint32_t type)
{
	struct memmap_src src = {
		.r = r, .nr = *nr,
		.extra = { .base = base, .size = size, .type = type, .nid = 0 },
		.extra_inherits_nid = true,
	};

	if (!memmap_type_valid(type))
		return -MNEME_EINVAL;
	return memmap_rebuild(&src, r, nr, max);
}

uint64_t memmap_total(const struct mneme_mem_range *r, uint32_t nr, uint32_t type)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < nr; i++) {
		if (type != 0 && r[i].type != type)
			continue;
		if (r[i].size > UINT64_MAX - total)
			return UINT64_MAX;
		total += r[i].size;
	}
	return total;
}

#include <mneme/layout.h>

static bool memmap_type_is_ram(uint32_t type)
{
	return type != MNEME_MEM_UNUSABLE && type != MNEME_MEM_FIRMWARE;
}

uint64_t memmap_server_windows(struct mneme_boot_info *bi, uint64_t user_top)
{
	const uint64_t step = MNEME_LAYOUT_WINDOW_ALIGN, base = MNEME_LAYOUT_PHYSMAP;
	uint64_t ram_end = 0, room, window, beyond = 0;

	for (uint32_t i = 0; i < bi->nr_ranges; i++)
		if (memmap_type_is_ram(bi->ranges[i].type) &&
		    bi->ranges[i].base + bi->ranges[i].size > ram_end)
			ram_end = bi->ranges[i].base + bi->ranges[i].size;
	window = ram_end > MNEME_LAYOUT_PHYSMAP_MAX_PA - step ? MNEME_LAYOUT_PHYSMAP_MAX_PA :
		 (ram_end + step - 1) / step * step;
	room = user_top > base + MNEME_LAYOUT_FREE_MIN ? user_top - base - MNEME_LAYOUT_FREE_MIN : 0;
	if (window > room / 2)
		window = room / 2 / step * step;     /* physmap and vmemmap must both fit */
	if (window < step)
		window = step;                       /* the Sv39 layout, the smallest there is */
	bi->physmap_base = base;
	bi->physmap_limit = window;
	bi->vmemmap_base = base + window;
	bi->vmemmap_size = window;
	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		uint64_t end = r->base + r->size;
		if (memmap_type_is_ram(r->type) && end > window)
			beyond += end - (r->base > window ? r->base : window);
	}
	return beyond;
}

uint32_t memmap_type_from_e820(uint32_t e820_type)
{
	switch (e820_type) {
	case 1: return MNEME_MEM_USABLE;
	case 2: return MNEME_MEM_FIRMWARE;  /* not RAM: Linux adds only type 1 to memblock */
	case 3: return MNEME_MEM_ACPI;
	case 4: return MNEME_MEM_NVS;
	case 5: return MNEME_MEM_UNUSABLE;
	case 7: return MNEME_MEM_FIRMWARE;  /* persistent memory: not ours to manage */
	default: return MNEME_MEM_FIRMWARE;
	}
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MNEME_MEM_USABLE: return "usable";
	case MNEME_MEM_ACPI: return "ACPI data";
	case MNEME_MEM_NVS: return "ACPI NVS";
	case MNEME_MEM_RESERVED: return "reserved";
	case MNEME_MEM_NOMAP: return "reserved (no-map)";
	case MNEME_MEM_CORE: return "core";
	case MNEME_MEM_UNUSABLE: return "unusable";
	case MNEME_MEM_FIRMWARE: return "reserved";
	default: return "unknown";
	}
}

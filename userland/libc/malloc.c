/*
 * malloc over anonymous mappings (see <malloc.h> for the design).
 *
 * Size classes: 16, 32, 48, 64, then four per power of two up to 2048
 * (80, 96, 112, 128, 160, ...): the waste of a class is under 25 %.  A
 * class's blocks are cut from the current chunk by a bump pointer; freed
 * blocks go on the class's list and are reused first.  Chunks are never
 * given back (their blocks may be anywhere on the lists).  No block header
 * of a class ever sits at the start of a page: a pointer whose header
 * does can only be a large block.
 *
 * Large blocks are recorded in an open-addressing table by the address of
 * their header (a mapping of their own), so free() and realloc() can tell
 * a live large block, one already freed (its record stays, marked freed,
 * until the table is rebuilt or the address is mapped again) and a
 * pointer malloc never returned apart without touching the memory, which
 * after an unmap is gone.  The table starts in .bss and moves to a mapping
 * of its own when it grows; a rebuild keeps only live records, so a double
 * free of a block freed before the rebuild is reported as a bad pointer.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#ifndef MALLOC_HOST_TEST
#include <libmm/libmm.h>
#include <ulib/ulib.h>
#endif

#define PAGE 4096UL
#define HDR  16UL
#define STATE_USED 0xa110c8edu
#define STATE_FREE 0xf4eeb10cu
#define LARGE      0xffffu

struct hdr {
	uint32_t state;       /* STATE_USED / STATE_FREE */
	uint32_t cls;         /* size class, or LARGE */
	uint64_t len;         /* LARGE: length of the mapping; else the class size */
};
_Static_assert(sizeof(struct hdr) == HDR, "header keeps 16-byte alignment");

struct free_block {
	struct hdr h;
	struct free_block *next;
};

#define NR_CLASSES 32
static size_t class_size[NR_CLASSES];
static unsigned nr_classes;
static struct free_block *free_list[NR_CLASSES];
static char *bump, *bump_end;
static struct malloc_stats stats;

static void classes_init(void)
{
	size_t s;

	for (s = 16; s <= 64; s += 16)
		class_size[nr_classes++] = s;
	for (size_t p = 64; p < MALLOC_SMALL_MAX; p *= 2)
		for (unsigned q = 1; q <= 4; q++)
			class_size[nr_classes++] = p + q * (p / 4);
}

/* Smallest class holding @size bytes of payload. */
static unsigned size_class(size_t size)
{
	unsigned lo = 0, hi = nr_classes - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (class_size[mid] >= size)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void report(const char *what, void *ptr)
{
	stats.errors++;
	fprintf(stderr, "malloc: %s %p\n", what, ptr);
}

#ifndef MALLOC_HOST_TEST
void *malloc_backend_map(size_t len)
{
	void *va;

	return mm_map_anon(NULL, len, MNEME_PROT_READ | MNEME_PROT_WRITE, &va) ? NULL : va;
}

void malloc_backend_unmap(void *p, size_t len)
{
	mm_unmap(p, len);
}
#endif

static void *map(size_t len)
{
	void *p = malloc_backend_map(len);

	if (p) {
		stats.maps++;
		stats.mapped += len;
	} else {
		errno = ENOMEM;
	}
	return p;
}

/* ---- The table of large blocks ------------------------------------------ */

struct large_rec {
	uintptr_t addr;    /* the block's header (page-aligned); 0: empty slot */
	size_t len;        /* its mapping's length; 0: freed */
};

#define LARGE_TAB_FIRST 128
static struct large_rec large_first[LARGE_TAB_FIRST];
static struct large_rec *large_tab = large_first;
static size_t large_cap = LARGE_TAB_FIRST;   /* a power of two */
static size_t large_used;                     /* slots not empty (live or freed) */
static size_t large_live;

static size_t large_hash(uintptr_t addr, size_t cap)
{
	return (size_t)(((uint64_t)(addr / PAGE) * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

/* The record of @addr, or the empty slot where it would go. */
static struct large_rec *large_slot(struct large_rec *tab, size_t cap, uintptr_t addr)
{
	size_t i = large_hash(addr, cap);

	while (tab[i].addr && tab[i].addr != addr)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Move the live records into a table with room to spare; false if there is no memory for it. */
static bool large_rebuild(void)
{
	size_t cap = LARGE_TAB_FIRST;

	while ((large_live + 1) * 2 > cap)
		cap *= 2;
	struct large_rec *tab = malloc_backend_map(cap * sizeof(*tab));
	if (!tab)
		return false;
	memset(tab, 0, cap * sizeof(*tab));
	for (size_t i = 0; i < large_cap; i++)
		if (large_tab[i].len)
			*large_slot(tab, cap, large_tab[i].addr) = large_tab[i];
	if (large_tab != large_first)
		malloc_backend_unmap(large_tab, large_cap * sizeof(*tab));
	large_tab = tab;
	large_cap = cap;
	large_used = large_live;
	return true;
}

static bool large_insert(uintptr_t addr, size_t len)
{
	if ((large_used + 1) * 4 > large_cap * 3 && !large_rebuild())
		return false;
	struct large_rec *r = large_slot(large_tab, large_cap, addr);
	if (!r->addr)
		large_used++;
	r->addr = addr;
	r->len = len;
	large_live++;
	return true;
}

/* Where the next header of a class goes: never at the start of a page (that marks large blocks). */
static char *bump_next(char *at)
{
	return ((uintptr_t)at & (PAGE - 1)) ? at : at + HDR;
}

static void *alloc_small(size_t size)
{
	unsigned c = size_class(size);
	size_t need = HDR + class_size[c];
	struct hdr *h;

	if (free_list[c]) {
		struct free_block *b = free_list[c];
		free_list[c] = b->next;
		h = &b->h;
	} else {
		char *at = bump ? bump_next(bump) : NULL;
		if (!at || at > bump_end || (size_t)(bump_end - at) < need) {
			char *chunk = map(MALLOC_CHUNK);
			if (!chunk)
				return NULL;
			at = bump_next(chunk);   /* the old chunk's tail is left unused */
			bump_end = chunk + MALLOC_CHUNK;
		}
		h = (struct hdr *)at;
		bump = at + need;
	}
	h->state = STATE_USED;
	h->cls = c;
	h->len = class_size[c];
	stats.in_use += h->len;
	return h + 1;
}

static void *alloc_large(size_t size)
{
	size_t len = (size + HDR + PAGE - 1) & ~(PAGE - 1);
	struct hdr *h = map(len);

	if (!h)
		return NULL;
	if (!large_insert((uintptr_t)h, len)) {
		stats.maps--;
		stats.mapped -= len;
		malloc_backend_unmap(h, len);
		errno = ENOMEM;
		return NULL;
	}
	h->state = STATE_USED;
	h->cls = LARGE;
	h->len = len;
	stats.in_use += len;
	return h + 1;
}

void *malloc(size_t size)
{
	if (!nr_classes)
		classes_init();
	if (size > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	if (size <= MALLOC_SMALL_MAX)
		return alloc_small(size ? size : 1);
	return alloc_large(size);
}

/*
 * The header of a block malloc handed out, or NULL (reported).  A
 * page-aligned header is a large block's: only the table is consulted,
 * since the memory of a freed one is no longer mapped.
 */
static struct hdr *block_of(void *ptr, const char *who)
{
	struct hdr *h;

	if ((uintptr_t)ptr % MALLOC_ALIGN) {
		report(who, ptr);
		return NULL;
	}
	h = (struct hdr *)ptr - 1;
	if (!((uintptr_t)h & (PAGE - 1))) {
		struct large_rec *r = large_slot(large_tab, large_cap, (uintptr_t)h);
		if (r->addr && !r->len) {
			report("double free of", ptr);
			return NULL;
		}
		if (!r->addr || h->state != STATE_USED || h->cls != LARGE || h->len != r->len) {
			report(who, ptr);
			return NULL;
		}
		return h;
	}
	if (h->state == STATE_FREE) {
		report("double free of", ptr);
		return NULL;
	}
	if (h->state != STATE_USED || h->cls >= nr_classes || h->len != class_size[h->cls]) {
		report(who, ptr);
		return NULL;
	}
	return h;
}

void free(void *ptr)
{
	struct hdr *h;

	if (!ptr || !(h = block_of(ptr, "free of a bad pointer")))
		return;
	stats.in_use -= h->len;
	if (h->cls == LARGE) {
		large_slot(large_tab, large_cap, (uintptr_t)h)->len = 0;   /* freed: a second free is seen */
		large_live--;
		stats.unmaps++;
		stats.mapped -= h->len;
		malloc_backend_unmap(h, h->len);
		return;
	}
	struct free_block *b = (struct free_block *)h;
	h->state = STATE_FREE;
	b->next = free_list[h->cls];
	free_list[h->cls] = b;
}

void *calloc(size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	size_t n = nmemb * size;
	void *p = malloc(n);
	if (p && n <= MALLOC_SMALL_MAX)
		memset(p, 0, n);         /* large blocks are fresh mappings: already zero */
	return p;
}

void *realloc(void *ptr, size_t size)
{
	if (!ptr)
		return malloc(size);
	if (!size) {
		free(ptr);
		return NULL;
	}
	struct hdr *h = block_of(ptr, "realloc of a bad pointer");
	if (!h)
		return NULL;
	size_t have = h->cls == LARGE ? h->len - HDR : h->len;
	if (size <= have && (h->cls == LARGE ? size > MALLOC_SMALL_MAX : size_class(size) == h->cls))
		return ptr;
	void *n = malloc(size);
	if (!n)
		return NULL;             /* the old block stays valid */
	memcpy(n, ptr, size < have ? size : have);
	free(ptr);
	return n;
}

void malloc_get_stats(struct malloc_stats *st)
{
	*st = stats;
}

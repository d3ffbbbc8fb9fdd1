/*
 * The compressed page store (mm/zstore.h): entries, the same-filled
 * shortcut, and the pool the compressed bytes live in.
 *
 * The pool (after Linux's zsmalloc, much simplified).  Compressed pages
 * are 1..3072 bytes; they go into slots of 96 size classes, 32 bytes
 * apart.  A class keeps its slots in zspages of 1 to 4 pages, as many as
 * leave the least space over (a 1376-byte class fits two slots in a page
 * and wastes 1344 bytes, but eleven in four pages and wastes 1248... the
 * best count is chosen once per class).  A slot may straddle the boundary
 * between two pages of its zspage; the pages need not be contiguous, so
 * the pool never asks the buddy allocator for more than one page at a
 * time -- it grows exactly when memory is short.  Each zspage has a
 * bitmap of its free slots and sits on its class's partial list while it
 * has one; an emptied zspage goes back at once.  Pool pages are
 * unmovable (compaction works around them) and come with __GFP_HIGH: the
 * store allocates while freeing, and every page stored frees more than
 * its slot takes.
 *
 * Entries are 16-byte objects of their own slab cache: the fill word or
 * the zspage and slot, the length, the reference count.
 */
#include <string.h>
#include <stdio.h>
#include "mm/gfp.h"
#include "mm/lz.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm/zstore.h"
#include "mneme/error.h"

#define CLASS_STEP   32u
#define NR_CLASSES   (ZSTORE_MAX_OBJECT / CLASS_STEP)
#define ZS_MAX_PAGES 4u
#define ZS_MAX_OBJS  (ZS_MAX_PAGES * PAGE_SIZE / CLASS_STEP)   /* 512 */
#define ZS_GFP       (GFP_KERNEL | __GFP_HIGH | __GFP_NOWARN)

struct zspage {
	struct zspage *next, *prev;   /* its class's partial or full list */
	uint32_t pfn[ZS_MAX_PAGES];
	uint16_t class_idx, inuse, objs, nr_pages;
	uint64_t freemap[ZS_MAX_OBJS / 64];   /* bit set: slot free */
};

struct zentry {
	uint64_t val;                 /* same-filled: the word; else the struct zspage * */
	uint16_t len;                 /* compressed bytes; 0: same-filled */
	uint16_t slot;
	uint32_t refs;
};
_Static_assert(sizeof(struct zentry) == 16, "handles are 16-byte aligned");

struct zclass {
	struct zspage *partial, *full;
	uint16_t nr_pages, objs;      /* a zspage's pages and slots */
};

static struct zclass classes[NR_CLASSES];
static struct kmem_cache *entry_cache, *zspage_cache;
static struct zstore_stats st;
static uint8_t buf[PAGE_SIZE];    /* compression output, and a straddling slot's bytes */

static unsigned class_size(unsigned idx)
{
	return (idx + 1) * CLASS_STEP;
}

/* Pages per zspage that waste the least for slots of @size. */
static unsigned best_pages(unsigned size)
{
	unsigned best = 1, best_used = 0;

	for (unsigned k = 1; k <= ZS_MAX_PAGES; k++) {
		unsigned used = (k * PAGE_SIZE / size) * size * 100 / (k * PAGE_SIZE);
		if (used > best_used) {
			best_used = used;
			best = k;
		}
	}
	return best;
}

int zstore_init(void)
{
	if (!entry_cache)
		entry_cache = kmem_cache_create("zstore_entry", sizeof(struct zentry), 16, 0, NULL);
	if (!zspage_cache)
		zspage_cache = kmem_cache_create("zspage", sizeof(struct zspage), 0, 0, NULL);
	if (!entry_cache || !zspage_cache)
		return -MNEME_ENOMEM;
	for (unsigned i = 0; i < NR_CLASSES; i++) {
		classes[i].nr_pages = (uint16_t)best_pages(class_size(i));
		classes[i].objs = (uint16_t)(classes[i].nr_pages * PAGE_SIZE / class_size(i));
	}
	return 0;
}

void zstore_set_limits(uint64_t capacity, uint64_t pool_limit)
{
	st.capacity = capacity;
	st.pool_limit = pool_limit;
}

/* ---- zspages ------------------------------------------------------------------ */

static void list_add(struct zspage **head, struct zspage *z)
{
	z->prev = NULL;
	z->next = *head;
	if (*head)
		(*head)->prev = z;
	*head = z;
}

static void list_del(struct zspage **head, struct zspage *z)
{
	if (z->prev)
		z->prev->next = z->next;
	else
		*head = z->next;
	if (z->next)
		z->next->prev = z->prev;
	z->next = z->prev = NULL;
}

static void zspage_free(struct zspage *z)
{
	for (unsigned i = 0; i < z->nr_pages; i++)
		__free_pages(pfn_to_page(z->pfn[i]), 0);
	st.pool_pages -= z->nr_pages;
	kmem_cache_free(zspage_cache, z);
}

/* A new, empty zspage of class @idx on its partial list; NULL if no memory or over the pool limit. */
static struct zspage *zspage_new(unsigned idx)
{
	struct zclass *c = &classes[idx];
	struct zspage *z;

	if (st.pool_pages + c->nr_pages > st.pool_limit)
		return NULL;
	if (!(z = kmem_cache_alloc(zspage_cache, ZS_GFP | __GFP_ZERO)))
		return NULL;
	for (unsigned i = 0; i < c->nr_pages; i++) {
		struct page *p = alloc_pages(ZS_GFP, 0);
		if (!p) {
			z->nr_pages = (uint16_t)i;
			st.pool_pages += i;
			zspage_free(z);
			return NULL;
		}
		z->pfn[i] = (uint32_t)page_to_pfn(p);
	}
	z->class_idx = (uint16_t)idx;
	z->nr_pages = c->nr_pages;
	z->objs = c->objs;
	for (unsigned s = 0; s < z->objs; s++)
		z->freemap[s / 64] |= 1ull << (s % 64);
	st.pool_pages += z->nr_pages;
	list_add(&c->partial, z);
	return z;
}

static unsigned slot_take(struct zspage *z)
{
	for (unsigned w = 0;; w++) {
		if (z->freemap[w]) {
			unsigned b = (unsigned)__builtin_ctzll(z->freemap[w]);
			z->freemap[w] &= ~(1ull << b);
			z->inuse++;
			return w * 64 + b;
		}
	}
}

/* Where byte @off of zspage @z is. */
static uint8_t *zs_byte(const struct zspage *z, size_t off)
{
	return (uint8_t *)page_address(pfn_to_page(z->pfn[off / PAGE_SIZE])) + off % PAGE_SIZE;
}

static void obj_write(const struct zspage *z, unsigned slot, const uint8_t *src, size_t len)
{
	size_t off = (size_t)slot * class_size(z->class_idx), room = PAGE_SIZE - off % PAGE_SIZE;
	size_t first = len < room ? len : room;

	memcpy(zs_byte(z, off), src, first);
	if (len > first)
		memcpy(zs_byte(z, off + first), src + first, len - first);
}

/* The slot's bytes: in place, or copied into @tmp when they straddle two pages. */
static const uint8_t *obj_read(const struct zspage *z, unsigned slot, size_t len, uint8_t *tmp)
{
	size_t off = (size_t)slot * class_size(z->class_idx), room = PAGE_SIZE - off % PAGE_SIZE;

	if (len <= room)
		return zs_byte(z, off);
	memcpy(tmp, zs_byte(z, off), room);
	memcpy(tmp + room, zs_byte(z, off + room), len - room);
	return tmp;
}

/* ---- Entries ------------------------------------------------------------------- */

static struct zentry *entry_of(zhandle_t h)
{
	return (struct zentry *)(uintptr_t)h;
}

/* Are the 512 words of @page all @w? */
static bool same_filled(const uint64_t *page, uint64_t *w)
{
	uint64_t v = page[0];

	for (unsigned i = 0; i < PAGE_SIZE / 8; i += 8) {
		uint64_t d = (page[i] ^ v) | (page[i + 1] ^ v) | (page[i + 2] ^ v) | (page[i + 3] ^ v) |
			     (page[i + 4] ^ v) | (page[i + 5] ^ v) | (page[i + 6] ^ v) | (page[i + 7] ^ v);
		if (d)
			return false;
	}
	*w = v;
	return true;
}

int zstore_store(const void *page, zhandle_t *h)
{
	uint64_t word;
	size_t len = 0;
	struct zspage *z = NULL;

	if (st.stored >= st.capacity) {
		st.full++;
		return -MNEME_EQUOTA;
	}
	bool same = same_filled(page, &word);
	if (!same && !(len = lz_compress(page, PAGE_SIZE, buf, ZSTORE_MAX_OBJECT))) {
		st.rejected++;
		return -MNEME_ERANGE;
	}
	struct zentry *e = kmem_cache_alloc(entry_cache, ZS_GFP);
	if (!e)
		return -MNEME_ENOMEM;
	if (!same) {
		unsigned idx = (unsigned)((len + CLASS_STEP - 1) / CLASS_STEP - 1);
		z = classes[idx].partial ? classes[idx].partial : zspage_new(idx);
		if (!z) {
			kmem_cache_free(entry_cache, e);
			bool over = st.pool_pages + classes[idx].nr_pages > st.pool_limit;
			st.full += over;
			return over ? -MNEME_EQUOTA : -MNEME_ENOMEM;
		}
		e->slot = (uint16_t)slot_take(z);
		if (z->inuse == z->objs) {
			list_del(&classes[idx].partial, z);
			list_add(&classes[idx].full, z);
		}
		obj_write(z, e->slot, buf, len);
		e->val = (uint64_t)(uintptr_t)z;
		st.compressed += len;
	} else {
		e->val = word;
		e->slot = 0;
		st.same_filled++;
	}
	e->len = (uint16_t)len;
	e->refs = 1;
	st.stored++;
	st.refs++;
	st.stores++;
	*h = (zhandle_t)(uintptr_t)e;
	return 0;
}

int zstore_load(zhandle_t h, void *page)
{
	const struct zentry *e = entry_of(h);

	st.loads++;
	if (!e->len) {
		uint64_t *w = page;
		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			w[i] = e->val;
		return 0;
	}
	const struct zspage *z = (const struct zspage *)(uintptr_t)e->val;
	const uint8_t *src = obj_read(z, e->slot, e->len, buf);
	return lz_decompress(src, e->len, page, PAGE_SIZE) ? -MNEME_ECORRUPT : 0;
}

void zstore_get(zhandle_t h)
{
	entry_of(h)->refs++;
	st.refs++;
}

uint32_t zstore_refs(zhandle_t h)
{
	return entry_of(h)->refs;
}

bool zstore_same_filled(zhandle_t h)
{
	return !entry_of(h)->len;
}

void zstore_put(zhandle_t h)
{
	struct zentry *e = entry_of(h);

	MM_ASSERT(e->refs);
	st.refs--;
	if (--e->refs)
		return;
	st.stored--;
	if (!e->len) {
		st.same_filled--;
	} else {
		struct zspage *z = (struct zspage *)(uintptr_t)e->val;
		struct zclass *c = &classes[z->class_idx];
		MM_ASSERT(!(z->freemap[e->slot / 64] & (1ull << (e->slot % 64))));
		if (z->inuse == z->objs) {
			list_del(&c->full, z);
			list_add(&c->partial, z);
		}
		z->freemap[e->slot / 64] |= 1ull << (e->slot % 64);
		st.compressed -= e->len;
		if (!--z->inuse) {
			list_del(&c->partial, z);
			zspage_free(z);
		}
	}
	kmem_cache_free(entry_cache, e);
}

void zstore_get_stats(struct zstore_stats *out)
{
	*out = st;
}

/* ---- Checking -------------------------------------------------------------------- */

static int zfail(char *why, size_t len, const char *what, unsigned idx)
{
	if (why && len)
		snprintf(why, len, "zstore: class %u: %s", idx, what);
	return -MNEME_ECORRUPT;
}

/* One list of class @idx: every zspage's counts, and full or not as the list says. */
static int check_list(struct zspage *head, unsigned idx, bool full, uint64_t *pages, char *why,
		      size_t len)
{
	for (struct zspage *z = head, *prev = NULL; z; prev = z, z = z->next) {
		unsigned nfree = 0;
		for (unsigned w = 0; w < ZS_MAX_OBJS / 64; w++)
			nfree += (unsigned)__builtin_popcountll(z->freemap[w]);
		if (z->prev != prev || z->class_idx != idx || z->nr_pages != classes[idx].nr_pages ||
		    z->objs != classes[idx].objs)
			return zfail(why, len, "a zspage's links or shape", idx);
		if (nfree + z->inuse != z->objs || !z->inuse || (full != (z->inuse == z->objs)))
			return zfail(why, len, "a zspage's slot counts", idx);
		for (unsigned s = z->objs; s < ZS_MAX_OBJS; s++)
			if (z->freemap[s / 64] & (1ull << (s % 64)))
				return zfail(why, len, "a free slot past the zspage's end", idx);
		*pages += z->nr_pages;
	}
	return 0;
}

int zstore_check(char *why, size_t len)
{
	uint64_t pages = 0;

	for (unsigned i = 0; i < NR_CLASSES; i++) {
		int err = check_list(classes[i].partial, i, false, &pages, why, len);
		if (!err)
			err = check_list(classes[i].full, i, true, &pages, why, len);
		if (err)
			return err;
	}
	if (pages != st.pool_pages || st.same_filled > st.stored || st.refs < st.stored) {
		if (why && len)
			snprintf(why, len, "zstore: %llu pool pages counted, %llu found; %llu stored, %llu same, %llu refs",
				 (unsigned long long)st.pool_pages, (unsigned long long)pages,
				 (unsigned long long)st.stored, (unsigned long long)st.same_filled,
				 (unsigned long long)st.refs);
		return -MNEME_ECORRUPT;
	}
	return 0;
}

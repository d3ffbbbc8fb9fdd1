/*
 * The reverse map: for every frame mapped into tasks, every place it is
 * mapped, so the server can find (and undo) each mapping of a frame -- the
 * basis of reclaim, compaction and migration -- and the checker can prove
 * the map and the frame tables agree.
 *
 * A mapping is one 64-bit record:
 *   bit  0      1 (a record; a node pointer has it clear)
 *   bit  1      a 2 MiB mapping of the chunk this frame begins
 *   bits 2..33  virtual page number
 *   bits 34..49 the space's index (vm_space_by_index)
 * struct page's rmap word (mm/page.h) is 0 (not mapped), one record, or
 * the address of the first node of a chain of records.  A frame mapped
 * once -- every private page of a task that never cloned, a freshly
 * copied page -- needs no node, so the fault path never allocates here.
 * A 2 MiB mapping is one record on the chunk's first frame (Linux counts
 * such mappings apart too: compound_mapcount), counted in vm_index; 4 KiB
 * mappings are counted in mapcount.
 *
 * Operations that must not fail half-way (splitting a 2 MiB mapping)
 * reserve their nodes first (vm_rmap_reserve).
 */
#include <mneme/error.h>
#include "vm_internal.h"

#define REC_ONE   1ull
#define REC_HUGE  2ull
#define REC_VPN_SHIFT 2
#define REC_VPN_MASK  0xffffffffull
#define REC_SPACE_SHIFT 34

struct rmap_node {
	uint64_t rec;
	struct rmap_node *next;
};

static struct kmem_cache *node_cache;
static struct rmap_node *reserve;      /* nodes set aside by vm_rmap_reserve */
static unsigned reserved;
static struct vm_space *spaces[VM_MAX_SPACES];
static uint32_t space_hint = 1;

int vm_rmap_init(void)
{
	if (!node_cache)
		node_cache = kmem_cache_create("vm_rmap", sizeof(struct rmap_node), 0, 0, NULL);
	return node_cache ? 0 : -MNEME_ENOMEM;
}

/* ---- Spaces by index ---------------------------------------------------- */

int vm_space_index_alloc(struct vm_space *s)
{
	for (uint32_t n = 0; n < VM_MAX_SPACES - 1; n++) {
		uint32_t i = 1 + (space_hint - 1 + n) % (VM_MAX_SPACES - 1);
		if (!spaces[i]) {
			spaces[i] = s;
			s->index = i;
			space_hint = i % (VM_MAX_SPACES - 1) + 1;
			return 0;
		}
	}
	return -MNEME_ENOMEM;
}

void vm_space_index_free(struct vm_space *s)
{
	spaces[s->index] = NULL;
	s->index = 0;
}

struct vm_space *vm_space_by_index(uint32_t index)
{
	return index && index < VM_MAX_SPACES ? spaces[index] : NULL;
}

/* ---- Records ----------------------------------------------------------- */

static uint64_t rec_of(const struct vm_space *s, uint64_t va, bool huge)
{
	return REC_ONE | (huge ? REC_HUGE : 0) | ((va >> 12) & REC_VPN_MASK) << REC_VPN_SHIFT |
	       (uint64_t)s->index << REC_SPACE_SHIFT;
}

static struct vm_space *rec_space(uint64_t rec)
{
	return vm_space_by_index((uint32_t)(rec >> REC_SPACE_SHIFT));
}

static uint64_t rec_va(uint64_t rec)
{
	return ((rec >> REC_VPN_SHIFT) & REC_VPN_MASK) << 12;
}

static struct rmap_node *node_new(void)
{
	struct rmap_node *n = reserve;

	if (n) {
		reserve = n->next;
		reserved--;
		return n;
	}
	return kmem_cache_alloc(node_cache, VM_GFP_META);
}

int vm_rmap_reserve(unsigned n)
{
	while (reserved < n) {
		struct rmap_node *x = kmem_cache_alloc(node_cache, VM_GFP_META);
		if (!x)
			return -MNEME_ENOMEM;
		x->next = reserve;
		reserve = x;
		reserved++;
	}
	return 0;
}

void vm_rmap_unreserve(void)
{
	while (reserve) {
		struct rmap_node *x = reserve;
		reserve = x->next;
		kmem_cache_free(node_cache, x);
	}
	reserved = 0;
}

unsigned vm_rmap_need(uint64_t pfn)
{
	uint64_t w = pfn_to_page(pfn)->rmap;

	return !w ? 0 : (w & REC_ONE) ? 2 : 1;
}

static void count(struct page *p, bool huge, int delta)
{
	if (huge)
		p->vm_index += (uint32_t)delta;
	else
		p->mapcount += (uint32_t)delta;
}

int vm_rmap_add(uint64_t pfn, const struct vm_space *s, uint64_t va, bool huge)
{
	struct page *p = pfn_to_page(pfn);
	uint64_t rec = rec_of(s, va, huge);

	if (!p->rmap) {
		p->rmap = rec;
	} else if (p->rmap & REC_ONE) {
		/* A second mapping: both records move to nodes. */
		struct rmap_node *a = node_new(), *b = a ? node_new() : NULL;
		if (!b) {
			if (a)
				kmem_cache_free(node_cache, a);
			return -MNEME_ENOMEM;
		}
		*a = (struct rmap_node){ p->rmap, NULL };
		*b = (struct rmap_node){ rec, a };
		p->rmap = (uint64_t)(uintptr_t)b;
	} else {
		struct rmap_node *n = node_new();
		if (!n)
			return -MNEME_ENOMEM;
		*n = (struct rmap_node){ rec, (struct rmap_node *)(uintptr_t)p->rmap };
		p->rmap = (uint64_t)(uintptr_t)n;
	}
	count(p, huge, 1);
	return 0;
}

void vm_rmap_del(uint64_t pfn, const struct vm_space *s, uint64_t va, bool huge)
{
	struct page *p = pfn_to_page(pfn);
	uint64_t rec = rec_of(s, va, huge);

	count(p, huge, -1);
	if (p->rmap == rec) {
		p->rmap = 0;
		return;
	}
	MM_ASSERT(p->rmap && !(p->rmap & REC_ONE));
	struct rmap_node **pp = (struct rmap_node **)&p->rmap;
	while (*pp && (*pp)->rec != rec)
		pp = &(*pp)->next;
	MM_ASSERT(*pp);
	if (!*pp)
		return;
	struct rmap_node *gone = *pp;
	*pp = gone->next;
	kmem_cache_free(node_cache, gone);
	struct rmap_node *first = (struct rmap_node *)(uintptr_t)p->rmap;
	if (!first->next) {                     /* one left: back inline */
		p->rmap = first->rec;
		kmem_cache_free(node_cache, first);
	}
}

/* The slot holding record @rec of @p, or NULL. */
static uint64_t *rec_slot(struct page *p, uint64_t rec)
{
	if (p->rmap & REC_ONE)
		return p->rmap == rec ? &p->rmap : NULL;
	for (struct rmap_node *n = (struct rmap_node *)(uintptr_t)p->rmap; n; n = n->next)
		if (n->rec == rec)
			return &n->rec;
	return NULL;
}

void vm_rmap_move(uint64_t pfn, const struct vm_space *s, uint64_t va, bool from_huge, uint64_t va2,
		  bool to_huge)
{
	struct page *p = pfn_to_page(pfn);
	uint64_t *slot = rec_slot(p, rec_of(s, va, from_huge));

	MM_ASSERT(slot);
	if (!slot)
		return;
	*slot = rec_of(s, va2, to_huge);
	count(p, from_huge, -1);
	count(p, to_huge, 1);
}

bool vm_rmap_has(uint64_t pfn, const struct vm_space *s, uint64_t va, bool huge)
{
	return rec_slot(pfn_to_page(pfn), rec_of(s, va, huge)) != NULL;
}

/* ---- Walking ------------------------------------------------------------- */

/* Call @fn for the records of @p whose huge bit is @huge. */
static int walk_page(struct page *p, bool huge, vm_rmap_fn fn, void *ctx)
{
	uint64_t w = p->rmap;

	if (w & REC_ONE)
		return !!(w & REC_HUGE) == huge ? fn(rec_space(w), rec_va(w), huge, ctx) : 0;
	for (struct rmap_node *n = (struct rmap_node *)(uintptr_t)w; n; n = n->next) {
		if (!!(n->rec & REC_HUGE) != huge)
			continue;
		int r = fn(rec_space(n->rec), rec_va(n->rec), huge, ctx);
		if (r)
			return r;
	}
	return 0;
}

int vm_rmap_walk(uint64_t pfn, vm_rmap_fn fn, void *ctx)
{
	struct page *p = pfn_to_page(pfn);
	struct vm_block *b;

	if (!(p->flags & PG_vm))
		return 0;
	int r = walk_page(p, false, fn, ctx);
	if (r || !(b = vm_frame_block(pfn)))
		return r;
	uint64_t h = pfn & ~(uint64_t)(VM_HUGE_PAGES - 1);
	if (h < b->pfn || h + VM_HUGE_PAGES > b->pfn + b->nr)
		return 0;
	return walk_page(pfn_to_page(h), true, fn, ctx);
}

struct first_ctx {
	struct vm_space *s;
	uint64_t va;
	bool huge;
};

static int take_first(struct vm_space *s, uint64_t va, bool huge, void *ctx)
{
	struct first_ctx *c = ctx;

	*c = (struct first_ctx){ s, va, huge };
	return 1;
}

int vm_rmap_unmap_all(uint64_t pfn)
{
	int done = 0;
	struct first_ctx c;

	/* One mapping at a time: undoing one changes the records (and may free the frame). */
	while (vm_rmap_walk(pfn, take_first, &c)) {
		const struct vm_region *r = vm_region_find(c.s, c.va);
		if (c.huge) {
			int err = ft_demote(c.s, c.va, r ? r->prot : 0);
			if (err)
				return err;
			continue;
		}
		if (r && r->prot)
			vm_backend_unmap(c.s, c.va, 12);
		vm_entry_clear(c.s, c.va);
		done++;
	}
	return done;
}

/* ---- Checking -------------------------------------------------------------- */

/* Does record @rec name an entry of a live space that maps frame @pfn? */
static bool rec_valid(uint64_t rec, uint64_t pfn)
{
	struct vm_space *s = rec_space(rec);
	uint64_t va = rec_va(rec);

	if (!s)
		return false;
	uint64_t e = ft_lookup(s, va);
	if (!e || ft_pfn(e) != pfn)
		return false;
	return (rec & REC_HUGE) ? (e & FT_HUGE) && !(va & (VM_HUGE_SIZE - 1)) : !(e & FT_HUGE);
}

int vm_rmap_check_frame(uint64_t pfn, char *why, size_t len)
{
	struct page *p = pfn_to_page(pfn);
	uint64_t small = 0, huge = 0, w = p->rmap;
	struct rmap_node *list = (w & REC_ONE) ? NULL : (struct rmap_node *)(uintptr_t)w;

	if (!(p->flags & PG_vm))
		return vm_fail(why, len, "frame %#llx: not a task frame", (unsigned long long)pfn);
	if (w & REC_ONE) {
		if (!rec_valid(w, pfn))
			return vm_fail(why, len, "frame %#llx: record %#llx names no such mapping",
				       (unsigned long long)pfn, (unsigned long long)w);
		*((w & REC_HUGE) ? &huge : &small) += 1;
	}
	if (list && !list->next)
		return vm_fail(why, len, "frame %#llx: a chain of one node", (unsigned long long)pfn);
	for (struct rmap_node *n = list; n; n = n->next) {
		if (!rec_valid(n->rec, pfn))
			return vm_fail(why, len, "frame %#llx: record %#llx names no such mapping",
				       (unsigned long long)pfn, (unsigned long long)n->rec);
		for (struct rmap_node *m = n->next; m; m = m->next)
			if (m->rec == n->rec)
				return vm_fail(why, len, "frame %#llx: record %#llx twice",
					       (unsigned long long)pfn, (unsigned long long)n->rec);
		*((n->rec & REC_HUGE) ? &huge : &small) += 1;
	}
	bool object = vm_frame_object(pfn) != NULL;
	if (p->mapcount != small || (!object && p->vm_index != huge) || (object && huge))
		return vm_fail(why, len, "frame %#llx: mapcount %u/%u, 2 MiB %llu, records %llu + %llu",
			       (unsigned long long)pfn, p->mapcount, p->vm_index,
			       (unsigned long long)huge, (unsigned long long)small, (unsigned long long)huge);
	return 0;
}

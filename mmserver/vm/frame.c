/*
 * Frames the vm module maps into tasks: who owns them, how they are
 * counted, and the entries of a space that name them.
 *
 * Ownership lives in struct page (ours while the page is allocated; PG_vm
 * marks the overlay of mm/page.h live).  Every mapping of a frame is one
 * reference and one reverse-map record; a memory object or the page cache
 * holds one more reference for each page it keeps.  Single frames count
 * references in _refcount, multi-page blocks in their struct vm_block
 * (refs: mapped pages, all pages together), so a block returns to the
 * buddy allocator whole, with its last mapped page.  mapcount (4 KiB
 * mappings of the page) and, on the first page of a 2 MiB chunk of a
 * block, vm_index (2 MiB mappings of the chunk) say who may write a
 * copy-on-write page in place: only a mapping that is the frame's one
 * user (vm_entry_exclusive).
 *
 * The shared zero page is one zeroed frame taken at vm_init and never
 * given back: no references, no reverse map, never written (the core maps
 * it only without WRITE, and the checker verifies it is still zero).
 */
#include <string.h>
#include <mneme/error.h>
#include "mm/zstore.h"
#include "vm_internal.h"

uint64_t vm_zero_pfn;
uint64_t vm_nr_frames;
static struct kmem_cache *block_cache;

int vm_frame_init(void)
{
	if (!block_cache)
		block_cache = kmem_cache_create("vm_block", sizeof(struct vm_block), 0, 0, NULL);
	if (!block_cache)
		return -MNEME_ENOMEM;
	if (!vm_zero_pfn) {
		struct page *z = alloc_pages(VM_GFP_META | __GFP_ZERO, 0);
		if (!z)
			return -MNEME_ENOMEM;
		vm_zero_pfn = page_to_pfn(z);
	}
	return 0;
}

/* Make @p a vm frame with @owner, no mappings, no references. */
static void frame_init(struct page *p, uint64_t owner)
{
	p->flags |= PG_vm;
	vm_nr_frames++;
	p->rmap = 0;
	p->vm_index = 0;
	p->mapcount = 0;
	p->_refcount = 0;
	p->owner = owner;
}

/* Undo frame_init before the page goes back to the allocator (it leaves its LRU list). */
static void frame_fini(struct page *p)
{
	MM_ASSERT(!p->rmap && !p->mapcount);
	vm_lru_del(page_to_pfn(p));
	p->flags &= ~PG_vm;
	vm_nr_frames--;
	p->owner = 0;
}

/* How many times the slow path reclaims before a frame allocation gives up. */
#define FRAME_RECLAIM_TRIES 1024

/*
 * A frame for a task under policy @pol (NULL: local) at interleave index
 * @ilx.  When the allocator has none for this context (a request keeps
 * above its floor, a fault may go to the min watermark), reclaim makes
 * room: direct reclaim frees what the shrinkers, the page cache and the
 * compressed store can take, a batch at a time, until the allocation
 * succeeds or reclaim makes no progress.  The caller then fails (a request
 * cleanly; a fault goes to the OOM killer).
 */
static struct page *frame_page(gfp_t gfp, const struct mempolicy *pol, uint64_t ilx)
{
	struct page *p = NULL;

	for (unsigned tries = 0; tries <= FRAME_RECLAIM_TRIES; tries++) {
		if (vm_alloc_allowed() && (p = alloc_pages_mpol(gfp, 0, pol, ilx)))
			break;
		if (tries == FRAME_RECLAIM_TRIES || !vm_direct_reclaim())
			return NULL;
	}
	vm_alloc_watch();
	return p;
}

/* The policy page @va of @r in @s is made under. */
static const struct mempolicy *policy_at(const struct vm_space *s, const struct vm_region *r)
{
	return mpol_choose(r ? &r->policy : NULL, s ? &s->policy : NULL);
}

static uint64_t frame_new(gfp_t gfp, const struct mempolicy *pol, uint64_t ilx)
{
	struct page *p = frame_page(gfp, pol, ilx);

	if (!p)
		return 0;
	frame_init(p, VM_OWNER_FRAME);
	vm_lru_add(page_to_pfn(p));
	return page_to_pfn(p);
}

uint64_t vm_frame_alloc(void)
{
	return frame_new(VM_GFP_USER, NULL, 0);
}

uint64_t vm_frame_alloc_raw(void)
{
	return frame_new(VM_GFP_USER & ~__GFP_ZERO, NULL, 0);
}

uint64_t vm_frame_alloc_at(const struct vm_space *s, const struct vm_region *r, uint64_t va)
{
	return frame_new(VM_GFP_USER, policy_at(s, r), va / VM_PAGE_SIZE);
}

/* Copy a page, eight words at a time (a copy-on-write fault's main cost). */
static void copy_page(uint64_t *restrict d, const uint64_t *restrict s)
{
	for (unsigned i = 0; i < VM_PAGE_SIZE / 8; i += 8) {
		uint64_t a = s[i], b = s[i + 1], c = s[i + 2], e = s[i + 3];
		uint64_t f = s[i + 4], g = s[i + 5], h = s[i + 6], k = s[i + 7];
		d[i] = a, d[i + 1] = b, d[i + 2] = c, d[i + 3] = e;
		d[i + 4] = f, d[i + 5] = g, d[i + 6] = h, d[i + 7] = k;
	}
}

static uint64_t frame_copy(uint64_t pfn, const struct mempolicy *pol, uint64_t ilx)
{
	vm_reclaim_pin(pfn);                    /* reclaim for the copy must not take its source */
	uint64_t fresh = frame_new(VM_GFP_USER & ~__GFP_ZERO, pol, ilx);
	vm_reclaim_unpin(pfn);

	if (fresh)
		copy_page(page_address(pfn_to_page(fresh)), page_address(pfn_to_page(pfn)));
	return fresh;
}

uint64_t vm_frame_copy(uint64_t pfn)
{
	return frame_copy(pfn, NULL, 0);
}

uint64_t vm_frame_copy_at(uint64_t pfn, const struct vm_space *s, const struct vm_region *r, uint64_t va)
{
	return frame_copy(pfn, policy_at(s, r), va / VM_PAGE_SIZE);
}

void vm_frame_free_new(uint64_t pfn)
{
	struct page *p = pfn_to_page(pfn);

	MM_ASSERT(!p->_refcount);
	frame_fini(p);
	__free_pages(p, 0);
}

void vm_frame_adopt(uint64_t pfn)
{
	frame_init(pfn_to_page(pfn), VM_OWNER_FRAME);
	vm_lru_add(pfn);
}

struct vm_block *vm_frame_block(uint64_t pfn)
{
	uint64_t o = pfn_to_page(pfn)->owner;

	return (o & VM_OWNER_TAGS) ? NULL : (struct vm_block *)(uintptr_t)o;
}

struct vm_object *vm_frame_object(uint64_t pfn)
{
	uint64_t o = pfn_to_page(pfn)->owner;

	return (o & VM_OWNER_TAGS) == VM_OWNER_OBJECT ? (struct vm_object *)(uintptr_t)(o & ~VM_OWNER_TAGS)
						      : NULL;
}

void vm_frame_get(uint64_t pfn, uint64_t n)
{
	struct page *p = pfn_to_page(pfn);
	struct vm_block *b = vm_frame_block(pfn);

	MM_ASSERT(p->flags & PG_vm);
	if (b)
		b->refs += n;
	else
		p->_refcount += (int32_t)n;
}

void vm_frame_put(uint64_t pfn, uint64_t n)
{
	struct page *p = pfn_to_page(pfn);
	struct vm_block *b = vm_frame_block(pfn);

	MM_ASSERT(p->flags & PG_vm);
	if (b) {
		MM_ASSERT(b->refs >= n);
		if (!(b->refs -= n))
			vm_block_free(b);
		return;
	}
	MM_ASSERT(p->_refcount >= (int32_t)n);
	p->_refcount -= (int32_t)n;
	if (p->_refcount)
		return;
	frame_fini(p);
	__free_pages(p, 0);
}

/* The first frame of the 2 MiB chunk holding @pfn if its block can be mapped whole there, else 0. */
static uint64_t chunk_head(uint64_t pfn, const struct vm_block *b)
{
	uint64_t h = pfn & ~(uint64_t)(VM_HUGE_PAGES - 1);

	return b && h >= b->pfn && h + VM_HUGE_PAGES <= b->pfn + b->nr ? h : 0;
}

uint64_t vm_frame_mapcount(uint64_t pfn)
{
	const struct page *p = pfn_to_page(pfn);
	uint64_t h = chunk_head(pfn, vm_frame_block(pfn));

	return p->mapcount + (h ? pfn_to_page(h)->vm_index : 0);
}

bool vm_entry_exclusive(uint64_t e)
{
	uint64_t pfn = ft_pfn(e);
	const struct page *p = pfn_to_page(pfn);
	struct vm_block *b = vm_frame_block(pfn);

	if (vm_entry_zero(e) || vm_frame_object(pfn))
		return false;                     /* an object's page is never one mapping's alone */
	if (e & FT_HUGE) {
		if (p->vm_index != 1)
			return false;
		for (unsigned i = 0; i < VM_HUGE_PAGES; i++)
			if (pfn_to_page(pfn + i)->mapcount)
				return false;
		return true;
	}
	if (!b)
		return p->_refcount == 1;
	uint64_t h = chunk_head(pfn, b);
	return p->mapcount == 1 && (!h || !pfn_to_page(h)->vm_index);
}

/* ---- Blocks ------------------------------------------------------------- */

static gfp_t zone_gfp(unsigned zone)
{
	if (zone & MNEME_MM_ZONE_DMA)
		return __GFP_DMA;
	if (zone & MNEME_MM_ZONE_DMA32)
		return __GFP_DMA32;
	return 0;
}

/*
 * The frames of a block, on the same terms as single frames (a request
 * stays above its floor; reclaim first): reclaim frees order-0 pages,
 * which the buddy allocator merges as their neighbours come free.
 */
static struct page *block_pages(struct vm_space *s, const struct vm_map_req *req, uint64_t nr)
{
	const struct mempolicy *pol = req->pol ? req->pol : &s->policy;
	uint64_t ilx = req->pol ? req->ilx : s->il_next;
	struct mempolicy turn = *pol;   /* interleaved ranges take the nodes in turn */

	if (req->contig && pol->mode == MPOL_INTERLEAVE)
		turn = (struct mempolicy){ .mode = MPOL_PREFERRED,
					   .nodes = 1ULL << nth_node(pol->nodes,
								     (int)(ilx % (uint64_t)nodes_weight(pol->nodes))) };
	for (unsigned tries = 0; tries <= FRAME_RECLAIM_TRIES; tries++) {
		struct page *p = NULL;
		if (vm_alloc_allowed())
			p = req->contig ? alloc_contig_pages_mpol(nr, req->phys_align, req->phys_limit,
								  VM_GFP_USER, &turn)
					: alloc_pages_mpol(VM_GFP_USER | zone_gfp(req->zone), req->order,
							   pol, ilx);
		if (p) {
			if (!req->pol && pol->mode == MPOL_INTERLEAVE)
				s->il_next++;
			vm_alloc_watch();
			return p;
		}
		if (tries == FRAME_RECLAIM_TRIES || !vm_direct_reclaim())
			break;
	}
	return NULL;
}

struct vm_block *vm_block_alloc(struct vm_space *s, const struct vm_map_req *req, uint64_t nr,
				uint64_t charge)
{
	struct vm_block *b = kmem_cache_alloc(block_cache, VM_GFP_META | __GFP_ZERO);
	struct page *p;

	if (!b)
		return NULL;
	p = block_pages(s, req, nr);
	if (!p) {
		kmem_cache_free(block_cache, b);
		return NULL;
	}
	if (req->contig)
		memset(page_address(p), 0, nr * VM_PAGE_SIZE);   /* contig ranges come unzeroed */
	b->pfn = page_to_pfn(p);
	b->nr = nr;
	b->order = req->contig ? VM_BLOCK_CONTIG : req->order;
	b->charge = charge;
	b->owner = s;
	b->next = s->blocks;
	if (s->blocks)
		s->blocks->prev = b;
	s->blocks = b;
	s->acct.meta_bytes += sizeof(*b);
	for (uint64_t i = 0; i < nr; i++)
		frame_init(pfn_to_page(b->pfn + i), (uint64_t)(uintptr_t)b);
	return b;
}

void vm_block_free(struct vm_block *b)
{
	struct vm_space *s = b->owner;

	for (uint64_t i = 0; i < b->nr; i++) {
		struct page *p = pfn_to_page(b->pfn + i);
		MM_ASSERT(!p->vm_index);
		frame_fini(p);
	}
	if (b->order == VM_BLOCK_CONTIG)
		free_contig_pages(pfn_to_page(b->pfn), b->nr);
	else
		__free_pages(pfn_to_page(b->pfn), b->order);
	if (s) {
		if (b->prev)
			b->prev->next = b->next;
		else
			s->blocks = b->next;
		if (b->next)
			b->next->prev = b->prev;
		s->acct.meta_bytes -= sizeof(*b);
		vm_charge_force(s, -(int64_t)b->charge, 0);
	} else if (b->orphan) {
		vm_quota_orphan_end(b->orphan, b->charge);
	}
	kmem_cache_free(block_cache, b);
}

/* ---- Entries of a space ------------------------------------------------- */

static uint64_t entry_pages(uint64_t e)
{
	return (e & FT_HUGE) ? VM_HUGE_PAGES : 1;
}

int vm_entry_set(struct vm_space *s, uint64_t va, uint64_t e)
{
	bool huge = e & FT_HUGE;

	if (ft_prepare(s, va, huge))
		return -MNEME_ENOMEM;
	if (ft_swapped(e)) {                    /* the store's entry gets a reference (a clone) */
		zstore_get(ft_handle(e));
		ft_set(s, va, e);
		s->acct.swapped++;
		return 0;
	}
	if (!vm_entry_zero(e)) {
		if (vm_rmap_add(ft_pfn(e), s, va, huge))
			return -MNEME_ENOMEM;
		vm_frame_get(ft_pfn(e), entry_pages(e));
		s->acct.resident += entry_pages(e);
	}
	ft_set(s, va, e);
	if (huge)
		s->acct.huge++;
	return 0;
}

uint64_t vm_entry_clear(struct vm_space *s, uint64_t va)
{
	uint64_t e = ft_clear(s, va);

	if (!e)
		return 0;
	if (ft_swapped(e)) {
		zstore_put(ft_handle(e));
		s->acct.swapped--;
		return e;
	}
	if (e & FT_HUGE)
		s->acct.huge--;
	if (!vm_entry_zero(e)) {
		uint64_t at = va & ~(entry_pages(e) * VM_PAGE_SIZE - 1);
		vm_rmap_del(ft_pfn(e), s, at, e & FT_HUGE);
		s->acct.resident -= entry_pages(e);
		vm_frame_put(ft_pfn(e), entry_pages(e));
	}
	return e;
}

void vm_entry_replace(struct vm_space *s, uint64_t va, uint64_t e)
{
	uint64_t old = ft_lookup(s, va);

	MM_ASSERT(old && !(old & FT_HUGE) && !(e & FT_HUGE) && !vm_entry_zero(e));
	MM_ASSERT(!pfn_to_page(ft_pfn(e))->rmap);
	ft_update(s, va, e);
	vm_rmap_add(ft_pfn(e), s, va, false);   /* a frame nobody maps: its record is inline */
	vm_frame_get(ft_pfn(e), 1);
	if (vm_entry_zero(old)) {
		s->acct.resident++;
		return;
	}
	vm_rmap_del(ft_pfn(old), s, va, false);
	vm_frame_put(ft_pfn(old), 1);
}

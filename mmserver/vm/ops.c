/*
 * Map, unmap, protect and share: each first checks everything that can
 * fail (placement, coverage, rights, quota, the region limit, memory for
 * metadata), then changes the space.  The only work done before the
 * checks finish is invisible to the task: splitting a 2 MiB mapping into
 * 4 KiB ones at a range boundary (same frames, same rights).
 *
 * Page-table calls after the checks are best effort: a page the core
 * could not map now is still recorded in the frame table, so its first
 * touch faults and vm_fault() maps it again.
 */
#include <string.h>
#include <mneme/error.h>
#include "vm_internal.h"

static uint64_t entry_pages(uint64_t e)
{
	return (e & FT_HUGE) ? VM_HUGE_PAGES : 1;
}

static unsigned entry_shift(uint64_t e)
{
	return (e & FT_HUGE) ? 21 : 12;
}

/* Mapped bytes and shared pages follow a region's bounds. */
static void region_account(struct vm_space *s, const struct vm_region *r, int sign)
{
	uint64_t len = r->end - r->start;

	s->acct.mapped += sign > 0 ? len : -len;
	if (r->kind == VM_SHARED)
		s->acct.shared += sign > 0 ? len / VM_PAGE_SIZE : -(len / VM_PAGE_SIZE);
}

static int64_t region_base(const struct vm_region *r, uint64_t start, uint64_t end)
{
	return (int64_t)vm_cost_base(r->kind, start, end);
}

static int64_t region_pt(uint64_t start, uint64_t end)
{
	return (int64_t)vm_cost_pt(start, end);
}

/* Set @r's bounds (within the old ones), moving its charge and accounting with it. */
static void region_resize(struct vm_space *s, struct vm_region *r, uint64_t start, uint64_t end)
{
	region_account(s, r, -1);
	vm_charge_force(s, region_base(r, start, end) - (int64_t)r->cost,
			region_pt(start, end) - region_pt(r->start, r->end));
	r->pgoff += (start - r->start) / VM_PAGE_SIZE;
	vm_region_set_bounds(s, r, start, end);
	r->cost = vm_cost_base(r->kind, start, end);
	region_account(s, r, 1);
}

void vm_region_add(struct vm_space *s, struct vm_region *r)
{
	r->cost = vm_cost_base(r->kind, r->start, r->end);
	vm_charge_force(s, (int64_t)r->cost, region_pt(r->start, r->end));
	vm_region_insert(s, r);
	region_account(s, r, 1);
	if (r->obj)
		vm_object_get(r->obj);
}

void vm_region_del(struct vm_space *s, struct vm_region *r)
{
	region_account(s, r, -1);
	vm_charge_force(s, -(int64_t)r->cost, -region_pt(r->start, r->end));
	vm_region_remove(s, r);
	if (r->obj)
		vm_object_put(r->obj);
	vm_region_free(r);
}

/* ---- Frames of a range ---------------------------------------------------- */

struct drop_ctx {
	uint64_t first, last;     /* the mapped span seen: [first, last) */
};

static void drop_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	struct drop_ctx *c = ctx;

	if (ft_swapped(e))
		return;                   /* in the compressed store: nothing in the page table */
	if (va < c->first)
		c->first = va;
	if (va + (1ULL << entry_shift(e)) > c->last)
		c->last = va + (1ULL << entry_shift(e));
	(void)s;
}

static void clear_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	(void)e, (void)ctx;
	vm_entry_clear(s, va);
}

/*
 * Drop the frames of [start, end): with @unmap, the page table first, in
 * one call of the core over the span that holds mappings (one TLB
 * shootdown, which has run when it returns), then the frame-table
 * entries, which frees the frames.
 */
void vm_drop_range(struct vm_space *s, uint64_t start, uint64_t end, bool unmap)
{
	struct drop_ctx c = { ~0ULL, 0 };

	if (unmap) {
		ft_walk(s, start, end, drop_entry, &c);
		if (c.first < c.last)
			vm_backend_unmap_range(s, c.first, c.last - c.first);
	}
	ft_walk(s, start, end, clear_entry, NULL);
}

/*
 * Make @at a boundary the frame table can cut: a 2 MiB entry straddling
 * it becomes 512 small ones.  A demoted chunk of an anonymous region is
 * now charged as a block, since its frames stay until its last page goes.
 */
int vm_cut_at(struct vm_space *s, uint64_t at)
{
	uint64_t e;

	if (!(at & (VM_HUGE_SIZE - 1)) || !((e = ft_lookup(s, at)) & FT_HUGE))
		return 0;
	struct vm_region *r = vm_region_find(s, at);
	struct vm_block *b = vm_frame_block(ft_pfn(e));
	bool charge = r && r->kind == VM_ANON && b && b->owner == s && !b->charge;
	if (charge && vm_charge_check(s, (int64_t)VM_HUGE_SIZE, 0))
		return -MNEME_EQUOTA;
	if (ft_demote(s, at, r ? r->prot : 0))
		return -MNEME_ENOMEM;
	if (charge) {
		b->charge = VM_HUGE_SIZE;
		vm_charge_force(s, (int64_t)VM_HUGE_SIZE, 0);
	}
	return 0;
}

/*
 * Is every page of [start, end) in some region?  *nr receives the number
 * of regions it touches.  0 or -MNEME_ENOENT.
 */
int vm_covered(const struct vm_space *s, uint64_t start, uint64_t end, uint64_t *nr)
{
	uint64_t at = start;

	*nr = 0;
	for (struct vm_region *r = vm_region_first_from(s, start); at < end; r = vm_region_next(s, r)) {
		if (!r || r->start > at)
			return -MNEME_ENOENT;
		at = r->end;
		(*nr)++;
	}
	return 0;
}

/* Charge deltas of cutting [start, end) out of the regions it touches (kept pieces only). */
static void cut_deltas(const struct vm_space *s, uint64_t start, uint64_t end, int64_t *base,
		       int64_t *pt)
{
	*base = *pt = 0;
	for (struct vm_region *r = vm_region_first_from(s, start); r && r->start < end;
	     r = vm_region_next(s, r)) {
		*base -= (int64_t)r->cost;
		*pt -= region_pt(r->start, r->end);
		if (r->start < start) {
			*base += region_base(r, r->start, start);
			*pt += region_pt(r->start, start);
		}
		if (r->end > end) {
			*base += region_base(r, end, r->end);
			*pt += region_pt(end, r->end);
		}
	}
}

/* Split @r at @at: @r keeps [start, at), @n (allocated) gets [at, end). */
static void split(struct vm_space *s, struct vm_region *r, uint64_t at, struct vm_region *n)
{
	uint64_t end = r->end;

	*n = (struct vm_region){ .start = at, .end = end, .prot = r->prot, .maxprot = r->maxprot,
				 .kind = r->kind, .flags = r->flags, .obj = r->obj,
				 .pgoff = r->pgoff + (at - r->start) / VM_PAGE_SIZE, .policy = r->policy };
	region_resize(s, r, r->start, at);
	vm_region_add(s, n);
}

/* Allocate the (up to two) region objects a cut of [start, end) needs. */
static int cut_prepare(struct vm_space *s, uint64_t start, uint64_t end, struct vm_region *spare[2])
{
	struct vm_region *first = vm_region_find(s, start), *last = vm_region_find(s, end - 1);
	unsigned need = (first && first->start < start) + (last && last->end > end);

	spare[0] = spare[1] = NULL;
	if (s->nr_regions + need > MNEME_MM_MAX_REGIONS)
		return -MNEME_ENOMEM;
	for (unsigned i = 0; i < need; i++) {
		if (!(spare[i] = vm_region_alloc())) {
			if (i)
				vm_region_free(spare[0]);
			return -MNEME_ENOMEM;
		}
	}
	int err = vm_cut_at(s, start);
	if (!err)
		err = vm_cut_at(s, end);
	if (err) {
		for (unsigned i = 0; i < need; i++)
			vm_region_free(spare[i]);
	}
	return err;
}

/* Split the regions at @start and @end so [start, end) is made of whole regions. */
static void cut(struct vm_space *s, uint64_t start, uint64_t end, struct vm_region *spare[2])
{
	unsigned used = 0;
	struct vm_region *r = vm_region_find(s, start);

	if (r && r->start < start)
		split(s, r, start, spare[used++]);
	r = vm_region_find(s, end - 1);
	if (r && r->end > end)
		split(s, r, end, spare[used++]);
}

/* ---- Unmap ------------------------------------------------------------- */

int vm_unmap(struct vm_space *s, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len, nr;
	int64_t base, pt;
	struct vm_region *spare[2];

	if (vm_covered(s, addr, end, &nr))
		return -MNEME_ENOENT;
	cut_deltas(s, addr, end, &base, &pt);
	int cerr = vm_charge_check(s, base, pt);
	if (cerr)
		return cerr;               /* the quota, or the commit limit */
	int err = cut_prepare(s, addr, end, spare);
	if (err)
		return err;
	cut(s, addr, end, spare);
	vm_drop_range(s, addr, end, true);
	struct vm_region *r = vm_region_first_from(s, addr);
	while (r && r->start < end) {
		struct vm_region *next = vm_region_next(s, r);
		vm_region_del(s, r);
		r = next;
	}
	return 0;
}

/* ---- Protect ----------------------------------------------------------- */

struct prot_ctx {
	unsigned prot;
};

static void protect_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	const struct prot_ctx *c = ctx;

	if (ft_swapped(e))
		return;                                     /* not mapped: its swap-in maps it */
	if (c->prot)
		vm_backend_protect(s, va, entry_shift(e), vm_entry_prot(e, c->prot));
	else
		vm_backend_unmap(s, va, entry_shift(e));   /* no rights: the next touch faults */
}

static bool mergeable(const struct vm_region *a, const struct vm_region *b)
{
	return a && b && a->end == b->start && a->kind == VM_ANON && b->kind == VM_ANON &&
	       !a->obj && !b->obj && a->prot == b->prot && a->maxprot == b->maxprot &&
	       a->flags == b->flags && a->policy.mode == b->policy.mode &&
	       a->policy.nodes == b->policy.nodes;
}

/* Merge @b into @a (adjacent, compatible). */
static void merge(struct vm_space *s, struct vm_region *a, struct vm_region *b)
{
	uint64_t end = b->end;

	vm_region_del(s, b);
	region_account(s, a, -1);
	vm_charge_force(s, region_base(a, a->start, end) - (int64_t)a->cost,
			region_pt(a->start, end) - region_pt(a->start, a->end));
	vm_region_remove(s, a);      /* re-insert: set_bounds only shrinks */
	a->end = end;
	vm_region_insert(s, a);
	a->cost = vm_cost_base(a->kind, a->start, a->end);
	region_account(s, a, 1);
}

/* Merge the regions around [start, end) with compatible neighbours. */
static void merge_around(struct vm_space *s, uint64_t start, uint64_t end)
{
	struct vm_region *r = start ? vm_region_find(s, start - 1) : NULL;

	if (!r)
		r = vm_region_find(s, start);
	while (r && r->start <= end) {
		struct vm_region *next = vm_region_next(s, r);
		if (mergeable(r, next))
			merge(s, r, next);
		else
			r = next;
	}
}

int vm_protect(struct vm_space *s, uint64_t addr, uint64_t len, unsigned prot)
{
	uint64_t end = addr + len, nr;
	struct vm_region *spare[2];

	if (vm_covered(s, addr, end, &nr))
		return -MNEME_ENOENT;
	for (struct vm_region *r = vm_region_first_from(s, addr); r && r->start < end;
	     r = vm_region_next(s, r))
		if (prot & ~r->maxprot)
			return -MNEME_EPERM;
	/* Splitting adds at most the kept pieces' page-table estimates and metadata. */
	int64_t base, pt, base2, pt2;
	cut_deltas(s, addr, end, &base, &pt);
	struct vm_region *r;
	base2 = pt2 = 0;
	for (r = vm_region_first_from(s, addr); r && r->start < end; r = vm_region_next(s, r)) {
		uint64_t a = r->start > addr ? r->start : addr, b = r->end < end ? r->end : end;
		base2 += region_base(r, a, b);
		pt2 += region_pt(a, b);
	}
	int cerr = vm_charge_check(s, base + base2, pt + pt2);
	if (cerr)
		return cerr;               /* the quota, or the commit limit */
	int err = cut_prepare(s, addr, end, spare);
	if (err)
		return err;
	cut(s, addr, end, spare);
	for (r = vm_region_first_from(s, addr); r && r->start < end; r = vm_region_next(s, r))
		r->prot = prot;
	struct prot_ctx c = { prot };
	ft_walk(s, addr, end, protect_entry, &c);
	merge_around(s, addr, end);
	return 0;
}

/* ---- Memory policy of a range ------------------------------------------ */

int vm_mbind(struct vm_space *s, uint64_t addr, uint64_t len, const struct mempolicy *pol)
{
	uint64_t end = addr + len, nr;
	struct vm_region *spare[2], *r;
	int64_t base, pt, base2 = 0, pt2 = 0;

	if (vm_covered(s, addr, end, &nr))
		return -MNEME_ENOENT;
	/* as for PROTECT: splitting adds the kept pieces' page-table estimates and metadata */
	cut_deltas(s, addr, end, &base, &pt);
	for (r = vm_region_first_from(s, addr); r && r->start < end; r = vm_region_next(s, r)) {
		uint64_t a = r->start > addr ? r->start : addr, b = r->end < end ? r->end : end;
		base2 += region_base(r, a, b);
		pt2 += region_pt(a, b);
	}
	if (vm_charge_check(s, base + base2, pt + pt2))
		return -MNEME_EQUOTA;
	int err = cut_prepare(s, addr, end, spare);
	if (err)
		return err;
	cut(s, addr, end, spare);
	for (r = vm_region_first_from(s, addr); r && r->start < end; r = vm_region_next(s, r))
		r->policy = *pol;
	merge_around(s, addr, end);
	return 0;
}

/* ---- Map --------------------------------------------------------------- */

/* Free a region being built (its frames and itself). */
static void unbuild(struct vm_space *s, struct vm_region *r)
{
	vm_drop_range(s, r->start, r->end, true);
	vm_region_del(s, r);
}

/* Record entry @e at @va of @s and map it with @prot.  0 or -MNEME_ENOMEM. */
static int install(struct vm_space *s, uint64_t va, uint64_t e, unsigned prot)
{
	if (vm_entry_set(s, va, e))
		return -MNEME_ENOMEM;
	if (prot)
		vm_backend_map(s, va, ft_pfn(e) << 12, entry_shift(e), vm_entry_prot(e, prot));
	return 0;
}

/* Map every page of a block region; 2 MiB pages where virtual and physical addresses allow. */
static int fill_block(struct vm_space *s, struct vm_region *r, const struct vm_block *b, bool huge)
{
	for (uint64_t va = r->start; va < r->end;) {
		uint64_t pfn = b->pfn + (va - r->start) / VM_PAGE_SIZE;
		bool big = huge && !(va & (VM_HUGE_SIZE - 1)) && !(pfn & (VM_HUGE_PAGES - 1)) &&
			   va + VM_HUGE_SIZE <= r->end;
		uint64_t e = (pfn << 12) | FT_PRESENT | (big ? FT_HUGE : 0);
		if (install(s, va, e, r->prot))
			return -MNEME_ENOMEM;
		va += big ? VM_HUGE_SIZE : VM_PAGE_SIZE;
	}
	return 0;
}

/*
 * Back every page of @r now.  Private pages get frames of their own (what
 * a write would give), or with @shared the zero page and the file's cached
 * pages, copy-on-write (what a read would give).
 */
static int populate(struct vm_space *s, struct vm_region *r, bool shared)
{
	unsigned access = shared ? MNEME_PROT_READ : MNEME_PROT_READ | MNEME_PROT_WRITE;

	for (uint64_t va = r->start; va < r->end;) {
		uint64_t e;
		if (vm_back(s, r, va, access, &e))
			return -MNEME_ENOMEM;
		if (r->prot)
			vm_backend_map(s, va & ~((uint64_t)entry_pages(e) * VM_PAGE_SIZE - 1),
				       ft_pfn(e) << 12, entry_shift(e), vm_entry_prot(e, r->prot));
		va = (va & ~(entry_pages(e) * VM_PAGE_SIZE - 1)) + entry_pages(e) * VM_PAGE_SIZE;
	}
	return 0;
}

/* Where a new mapping of @len goes: 0 and *va, or -MNEME_EBUSY / -MNEME_ENOMEM. */
static int place(const struct vm_space *s, const struct vm_map_req *req, uint64_t len,
		 uint64_t align, uint64_t *va)
{
	bool server = req->rflags & VM_R_SERVER;
	uint64_t lo = server ? VM_PAGE_SIZE : MNEME_MM_MAP_BASE;
	uint64_t hi = server ? VM_VA_LIMIT : MNEME_MM_MAP_END;

	if (req->fixed) {
		if (req->addr < lo || req->addr > hi || len > hi - req->addr)
			return -MNEME_ERANGE;
		if (!vm_region_range_free(s, req->addr, req->addr + len))
			return -MNEME_EBUSY;
		*va = req->addr;
		return 0;
	}
	uint64_t hint = req->addr >= lo && req->addr < hi ? req->addr : lo;
	if (!vm_region_find_gap(s, len, align, hint, hi, va))
		return 0;
	return vm_region_find_gap(s, len, align, lo, hi, va);
}

static uint64_t map_align(const struct vm_map_req *req, uint64_t len)
{
	if (req->kind == VM_BLOCK && !req->contig)
		return len;                       /* natural alignment of a buddy block */
	return req->huge && len >= VM_HUGE_SIZE ? VM_HUGE_SIZE : VM_PAGE_SIZE;
}

int vm_map(struct vm_space *s, const struct vm_map_req *req, uint64_t *va, uint64_t *pa)
{
	bool block = req->kind == VM_BLOCK;
	uint64_t len = block && !req->contig ? VM_PAGE_SIZE << req->order : req->len;
	uint64_t at, block_charge = block ? len + sizeof(struct vm_block) : 0;

	MM_ASSERT(block || req->kind == VM_ANON || req->kind == VM_OBJECT);
	MM_ASSERT(req->kind != VM_OBJECT || req->obj);
	if (s->nr_regions >= MNEME_MM_MAX_REGIONS)
		return -MNEME_ENOMEM;
	int err = place(s, req, len, map_align(req, len), &at);
	if (err)
		return err;
	enum vm_kind kind = block ? VM_BLOCK : req->kind;
	int64_t base = (int64_t)(vm_cost_base(kind, at, at + len) + block_charge);
	int cerr = vm_charge_check(s, base, region_pt(at, at + len));
	if (cerr)
		return cerr;               /* the quota, or the commit limit */
	struct vm_region *r = vm_region_alloc();
	if (!r)
		return -MNEME_ENOMEM;
	struct vm_block *b = NULL;
	if (block) {
		vm_charge_force(s, (int64_t)block_charge, 0);
		if (!(b = vm_block_alloc(s, req, len / VM_PAGE_SIZE, block_charge))) {
			vm_charge_force(s, -(int64_t)block_charge, 0);
			vm_region_free(r);
			return -MNEME_ENOMEM;
		}
		b->refs = 1;   /* held while the region is built: an unbuilt block frees itself */
	}
	*r = (struct vm_region){ .start = at, .end = at + len, .prot = req->prot,
				 .maxprot = req->maxprot ? req->maxprot : MNEME_MM_PROT_MASK,
				 .kind = (uint16_t)kind,
				 .flags = (uint16_t)((req->huge ? VM_R_HUGE : 0) |
						     (req->populate ? VM_R_POPULATE : 0) | req->rflags),
				 .obj = req->obj, .pgoff = req->pgoff,
				 .policy = kind == VM_ANON && req->pol ? *req->pol : (struct mempolicy){ 0 } };
	vm_region_add(s, r);
	if (block) {
		err = fill_block(s, r, b, req->huge);
		if (pa)
			*pa = b->pfn << 12;
		vm_frame_put(b->pfn, 1);
	} else if (req->populate) {
		err = populate(s, r, !req->copy && (req->obj || !(req->prot & MNEME_PROT_WRITE)));
	}
	if (err) {
		unbuild(s, r);
		return err;
	}
	if (kind == VM_ANON && !req->obj)
		merge_around(s, at, at + len);   /* keeps malloc's many small mappings one region */
	*va = at;
	return 0;
}

int vm_insert_check(struct vm_space *s, uint64_t va, unsigned prot)
{
	struct vm_region *r = vm_region_find(s, va);

	if (!r || r->kind != VM_ANON || (va & (VM_PAGE_SIZE - 1)))
		return -MNEME_EINVAL;
	if (ft_lookup(s, va))
		return -MNEME_EBUSY;
	if (prot & ~r->maxprot)
		return -MNEME_EPERM;
	return 0;
}

int vm_insert_frame(struct vm_space *s, uint64_t va, uint64_t pfn)
{
	struct vm_region *r = vm_region_find(s, va);

	return vm_insert_frame_as(s, va, pfn, r ? r->prot : 0);
}

int vm_insert_frame_as(struct vm_space *s, uint64_t va, uint64_t pfn, unsigned prot)
{
	int err = vm_insert_check(s, va, prot);

	if (err)
		return err;
	vm_frame_adopt(pfn);
	if (vm_entry_set(s, va, (pfn << 12) | FT_PRESENT)) {
		vm_frame_free_new(pfn);
		return -MNEME_ENOMEM;
	}
	err = prot ? vm_backend_map(s, va, pfn << 12, 12, prot) : 0;
	if (err)
		vm_entry_clear(s, va);              /* frees the frame with its one reference */
	return err;
}

/* ---- Share ------------------------------------------------------------- */

struct share_ctx {
	struct vm_space *to;
	uint64_t delta;               /* receiver address minus sharer address */
	unsigned prot;
	int err;
};

static void share_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	struct share_ctx *c = ctx;

	(void)s;
	MM_ASSERT(!(e & FT_COW));
	if (!c->err)
		c->err = install(c->to, va + c->delta, e, c->prot);
}

/*
 * Make every page of [start, end) a frame of the sharer's own, so both
 * tasks see the same writes: lazy pages are backed (as a write would back
 * them), copy-on-write pages (the zero page, a file's cached page, a page
 * shared with a clone) are copied or taken.  The sharer's page table
 * follows.
 */
static int back_range(struct vm_space *s, uint64_t start, uint64_t end)
{
	for (struct vm_region *r = vm_region_first_from(s, start); r && r->start < end;
	     r = vm_region_next(s, r)) {
		uint64_t a = r->start > start ? r->start : start, b = r->end < end ? r->end : end;
		for (uint64_t va = a; va < b; va += VM_PAGE_SIZE) {
			uint64_t e = ft_lookup(s, va), old = e;
			if (ft_swapped(e)) {                /* in the store: back into a frame, mapped */
				if (vm_swapin(s, va, &e))
					return -MNEME_ENOMEM;
				old = 0;
			}
			if (e && !(e & FT_COW)) {
				if (r->prot && ft_pfn(e) != ft_pfn(old))
					vm_backend_map(s, va, ft_pfn(e) << 12, 12, r->prot);
				continue;
			}
			if (r->kind != VM_ANON && r->kind != VM_OBJECT)
				return -MNEME_ENOMEM;
			if (e ? vm_break_cow(s, r, va, &e) : vm_back(s, r, va, MNEME_PROT_READ | MNEME_PROT_WRITE, &e))
				return -MNEME_ENOMEM;
			if (r->prot && ft_pfn(e) != ft_pfn(old))
				vm_backend_map(s, va & ~(entry_pages(e) * VM_PAGE_SIZE - 1), ft_pfn(e) << 12,
					       entry_shift(e), r->prot);
		}
	}
	return 0;
}

/* Place a receiver range congruent to @addr modulo 2 MiB, so huge entries stay huge. */
static int place_share(const struct vm_space *to, uint64_t addr, uint64_t len, uint64_t *va)
{
	if (len < VM_HUGE_SIZE)
		return vm_region_find_gap(to, len, VM_PAGE_SIZE, MNEME_MM_MAP_BASE, MNEME_MM_MAP_END, va);
	uint64_t g, off = addr & (VM_HUGE_SIZE - 1);
	if (vm_region_find_gap(to, len + VM_HUGE_SIZE, VM_HUGE_SIZE, MNEME_MM_MAP_BASE,
			       MNEME_MM_MAP_END, &g))
		return -MNEME_ENOMEM;
	*va = g + off;
	return 0;
}

/* Share into @to at @at (placed by the caller, @fixed: the range must be free and page-aligned). */
static int share_into(struct vm_space *s, uint64_t addr, uint64_t len, struct vm_space *to,
		      unsigned prot, bool fixed, uint64_t at, uint64_t *to_va)
{
	uint64_t end = addr + len, nr;

	if (vm_covered(s, addr, end, &nr))
		return -MNEME_ENOENT;
	for (struct vm_region *r = vm_region_first_from(s, addr); r && r->start < end;
	     r = vm_region_next(s, r))
		if (prot & ~r->prot)
			return -MNEME_EPERM;
	if (!vm_backend_may_share(s, to))
		return -MNEME_EPERM;
	if (to->nr_regions >= MNEME_MM_MAX_REGIONS)
		return -MNEME_ENOMEM;
	if (fixed ? (at & (VM_PAGE_SIZE - 1)) || at + len < at || at + len > VM_VA_LIMIT ||
		    !vm_region_range_free(to, at, at + len)
		  : place_share(to, addr, len, &at) != 0)
		return fixed ? -MNEME_EINVAL : -MNEME_ENOMEM;
	int cerr = vm_charge_check(to, (int64_t)vm_cost_base(VM_SHARED, at, at + len), region_pt(at, at + len));
	if (cerr)
		return cerr;               /* the quota, or the commit limit */
	struct vm_region *r = vm_region_alloc();
	if (!r)
		return -MNEME_ENOMEM;
	/*
	 * Back lazy pages first: backing may create 2 MiB entries the cuts
	 * must then split.  Reclaim in the allocations leaves the sharer's
	 * pages alone until the walk below has shared them all.
	 */
	vm_reclaim_held = s;
	int err = back_range(s, addr, end);
	if (!err)
		err = vm_cut_at(s, addr);
	if (!err)
		err = vm_cut_at(s, end);
	if (err) {
		vm_reclaim_held = NULL;
		vm_region_free(r);
		return err;
	}
	*r = (struct vm_region){ .start = at, .end = at + len, .prot = prot, .maxprot = prot,
				 .kind = VM_SHARED };
	vm_region_add(to, r);
	struct share_ctx c = { to, at - addr, prot, 0 };
	ft_walk(s, addr, end, share_entry, &c);
	vm_reclaim_held = NULL;
	if (c.err) {
		unbuild(to, r);
		return c.err;
	}
	*to_va = at;
	return 0;
}

/*
 * SHARE: offer [addr, addr + len) of @s to task @to_id.  Checked in the
 * order docs/ipc.md lists the errors (the range, the rights on it, the
 * receiver, the policy, the grant), then the range is made of the
 * sharer's own frames (lazy pages backed, copy-on-write ones taken or
 * copied, 2 MiB pages split at the ends: charged to the sharer, invisible
 * to it), then the grant is recorded.  Nothing is mapped into, or charged
 * to, the receiver until it accepts (vm_share_accept()).
 */
int vm_share(struct vm_space *s, uint64_t addr, uint64_t len, uint64_t to_id, unsigned prot,
	     uint64_t *grant)
{
	uint64_t end = addr + len, nr;
	struct vm_space *to;
	int err;

	if (vm_covered(s, addr, end, &nr))
		return -MNEME_ENOENT;
	for (struct vm_region *r = vm_region_first_from(s, addr); r && r->start < end;
	     r = vm_region_next(s, r))
		if (prot & ~r->prot)
			return -MNEME_EPERM;
	if (!(to = vm_space_lookup(to_id)))
		return -MNEME_EDEAD;
	if (!vm_backend_may_share(s, to))
		return -MNEME_EPERM;
	if ((err = vm_grant_check(s)))
		return err;
	err = back_range(s, addr, end);
	if (!err)
		err = vm_cut_at(s, addr);
	if (!err)
		err = vm_cut_at(s, end);
	if (!err)
		err = vm_grant_share(s, addr, len, prot, to_id, grant);
	return err;
}

int vm_share_accept(struct vm_space *s, uint64_t grant, uint64_t *va, uint64_t *len, unsigned *prot)
{
	struct vm_space *from;
	uint64_t addr;
	int err = vm_grant_share_take(s, grant, &from, &addr, len, prot);

	if (!err)
		err = share_into(from, addr, *len, s, *prot, false, 0, va);
	if (!err)
		vm_grant_share_done(s, grant);
	return err;
}

int vm_share_at(struct vm_space *s, uint64_t addr, uint64_t len, struct vm_space *to, unsigned prot,
		uint64_t at)
{
	uint64_t got;

	return share_into(s, addr, len, to, prot, true, at, &got);
}

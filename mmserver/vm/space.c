/*
 * Spaces: creation, accounting and quota, demand faults, reclaim, and the
 * consistency checker.
 *
 * Accounting.  A space is charged what it commits the server to:
 *   base    its fixed cost, each region's metadata, the whole length of
 *           every region that owns or shares frames (strict commit: a lazy
 *           page is paid for when mapped, so a fault never fails for the
 *           quota), and each block it allocated (an ALLOC_PAGES or
 *           MAP_CONTIG block, or a demoted huge chunk, until it is freed);
 *   tables  the larger of the regions' worst-case page-table estimate
 *           (two pages per 2 MiB and per 1 GiB a region touches: the
 *           core's table and the server's radix node) and the page-table
 *           frames and radix nodes that really exist.  Empty page tables
 *           stay with the core until the task ends, so this keeps a task
 *           that maps and unmaps all over its window within its quota.
 */
#include <stdio.h>
#include <string.h>
#include <mneme/error.h>
#include "mm/sparse.h"
#include "mm/zstore.h"
#include "vm_internal.h"

static struct kmem_cache *region_cache, *space_cache;

/* Live spaces by task id (SHARE names its receiver by id). */
#define VM_SPACE_BUCKETS 64
static struct vm_space *space_hash[VM_SPACE_BUCKETS];

static struct vm_space **space_slot(uint64_t id)
{
	struct vm_space **pp = &space_hash[(id * 0x9e3779b97f4a7c15ULL) >> 58];

	while (*pp && (*pp)->id != id)
		pp = &(*pp)->hash_next;
	return pp;
}

struct vm_space *vm_space_lookup(uint64_t id)
{
	return *space_slot(id);
}

int vm_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -MNEME_ECORRUPT;
}

int vm_init(void)
{
	if (!region_cache)
		region_cache = kmem_cache_create("vm_region", sizeof(struct vm_region), 0, 0, NULL);
	if (!space_cache)
		space_cache = kmem_cache_create("vm_space", sizeof(struct vm_space), 0, 0, NULL);
	if (!region_cache || !space_cache)
		return -MNEME_ENOMEM;
	int err = vm_frame_init();
	if (!err)
		err = vm_quota_init();
	if (!err)
		err = vm_rmap_init();
	if (!err)
		err = vm_reclaim_init();
	if (!err)
		err = vm_object_init();
	return err;
}

struct vm_region *vm_region_alloc(void)
{
	return kmem_cache_alloc(region_cache, VM_GFP_META | __GFP_ZERO);
}

void vm_region_free(struct vm_region *r)
{
	kmem_cache_free(region_cache, r);
}

/* ---- Accounting ---------------------------------------------------------- */

static uint64_t spans(uint64_t start, uint64_t end, unsigned shift)
{
	return ((end - 1) >> shift) - (start >> shift) + 1;
}

uint64_t vm_cost_pt(uint64_t start, uint64_t end)
{
	return 2 * VM_PAGE_SIZE * (spans(start, end, 21) + spans(start, end, 30));
}

uint64_t vm_cost_base(enum vm_kind kind, uint64_t start, uint64_t end)
{
	/* A block is charged as a block, an object's frames to its creator. */
	return VM_REGION_META + (kind == VM_BLOCK || kind == VM_OBJECT ? 0 : end - start);
}

static uint64_t tables(const struct vm_space *s, uint64_t pt_est)
{
	uint64_t real = (s->acct.pt_pages + s->ftab_nodes) * VM_PAGE_SIZE;

	return pt_est > real ? pt_est : real;
}

void vm_recharge(struct vm_space *s)
{
	uint64_t old = s->acct.charged;

	s->acct.charged = s->acct.base + tables(s, s->acct.pt_est);
	s->quota->charged += s->acct.charged - old;
	if (s->acct.charged > s->acct.peak)
		s->acct.peak = s->acct.charged;
}

int vm_charge_check(struct vm_space *s, int64_t base, int64_t pt_est)
{
	uint64_t nb = s->acct.base + (uint64_t)base, np = s->acct.pt_est + (uint64_t)pt_est;
	uint64_t now = nb + tables(s, np);

	/* the space's new charge, against what its pool has besides the space's old one */
	if ((base > 0 || pt_est > 0) && now > s->acct.charged &&
	    !vm_quota_fits(s->quota, now - s->acct.charged)) {
		s->acct.failed++;
		return -MNEME_EQUOTA;
	}
	if (base > 0 && !vm_commit_allows((uint64_t)base)) {
		s->acct.failed++;
		return -MNEME_ENOMEM;          /* the machine's commit limit (commit.c) */
	}
	return 0;
}

int vm_charge(struct vm_space *s, int64_t base, int64_t pt_est)
{
	uint64_t nb = s->acct.base + (uint64_t)base, np = s->acct.pt_est + (uint64_t)pt_est;
	int err = vm_charge_check(s, base, pt_est);

	if (err)
		return err;
	s->acct.base = nb;
	vm_committed += (uint64_t)base;
	s->acct.pt_est = np;
	vm_recharge(s);
	return 0;
}

void vm_charge_force(struct vm_space *s, int64_t base, int64_t pt_est)
{
	s->acct.base += (uint64_t)base;
	vm_committed += (uint64_t)base;
	s->acct.pt_est += (uint64_t)pt_est;
	vm_recharge(s);
}

/* ---- Spaces ------------------------------------------------------------ */

struct vm_space *vm_space_create_in(uint64_t id, void *cookie, struct vm_quota *q)
{
	struct vm_space **slot = space_slot(id);

	if (*slot)
		return NULL;                     /* ids name one live task */
	struct vm_space *s = kmem_cache_alloc(space_cache, VM_GFP_META | __GFP_ZERO);
	if (!s)
		return NULL;
	if (vm_space_index_alloc(s)) {
		kmem_cache_free(space_cache, s);
		return NULL;
	}
	s->id = id;
	s->cookie = cookie;
	page_list_init(&s->pt_frames);
	s->quota = q;
	vm_quota_get(q);
	vm_charge_force(s, (int64_t)VM_SPACE_FIXED, 0);
	*slot = s;
	return s;
}

struct vm_space *vm_space_create(uint64_t id, void *cookie, uint64_t quota)
{
	struct vm_quota *q = vm_quota_root(quota ? quota : MNEME_MM_QUOTA_DEFAULT);
	struct vm_space *s = q ? vm_space_create_in(id, cookie, q) : NULL;

	if (q)
		vm_quota_put(q);                 /* the space holds its own reference */
	return s;
}

int vm_space_pt_donated(struct vm_space *s, uint64_t pfn)
{
	/* Linked through struct page (ours while allocated): recording never allocates. */
	page_list_add(&s->pt_frames, pfn_to_page(pfn));
	s->acct.pt_pages++;
	vm_recharge(s);
	return 0;
}

void vm_space_pt_returned(struct vm_space *s, uint64_t pfn)
{
	page_list_del(&s->pt_frames, pfn_to_page(pfn));
	__free_pages(pfn_to_page(pfn), 0);
	s->acct.pt_pages--;
	vm_recharge(s);
}

void vm_space_destroy(struct vm_space *s)
{
	struct vm_region *r;

	vm_objects_exit(s);
	while ((r = s->root)) {
		vm_drop_range(s, r->start, r->end, false);
		vm_region_del(s, r);
	}
	ft_destroy(s);
	/* Blocks still mapped by other tasks live on, paid for by the tree's pool until they go. */
	for (struct vm_block *b = s->blocks, *n; b; b = n) {
		n = b->next;
		vm_charge_force(s, -(int64_t)b->charge, 0);
		s->acct.meta_bytes -= sizeof(*b);
		vm_quota_orphan(s->quota, b->charge);
		b->orphan = s->quota;
		b->owner = NULL;
		b->prev = b->next = NULL;
	}
	s->blocks = NULL;
	while (!page_list_empty(&s->pt_frames))
		__free_pages(page_list_del_first(&s->pt_frames), 0);
	s->acct.pt_pages = 0;
	vm_recharge(s);
	s->quota->charged -= s->acct.charged;    /* what is left: the fixed part */
	vm_quota_put(s->quota);
	*space_slot(s->id) = s->hash_next;
	vm_space_index_free(s);
	kmem_cache_free(space_cache, s);
	vm_reclaim_hope();                      /* its memory is back: reclaim may work again */
}

void vm_space_usage(const struct vm_space *s, struct mneme_mm_usage *u)
{
	*u = (struct mneme_mm_usage){
		.charged = s->acct.charged, .quota = s->quota->limit, .resident = s->acct.resident,
		.regions = s->nr_regions, .mapped = s->acct.mapped, .pt_pages = s->acct.pt_pages,
		.meta_bytes = s->acct.meta_bytes, .faults = s->acct.faults, .shared = s->acct.shared,
		.huge = s->acct.huge, .peak = s->acct.peak, .failed = s->acct.failed,
		.pool_charged = s->quota->charged, .compressed = s->acct.swapped,
	};
}

/* ---- Checker and text -------------------------------------------------- */

struct check_ctx {
	const struct vm_space *s;
	uint64_t resident, swapped;
	int err;
	char *why;
	size_t len;
};

/* Does the page table map entry @e of region @r at @va as it should (or not at all)? */
static int check_pte(struct vm_space *s, const struct vm_region *r, uint64_t va, uint64_t e,
		     char *why, size_t len)
{
	uint64_t pa;
	unsigned prot, shift;

	if (vm_backend_query(s, va, &pa, &prot, &shift))
		return 0;                       /* not mapped now: the next touch faults it in */
	unsigned want = vm_entry_prot(e, r->prot);
	if ((pa & ~((1ULL << shift) - 1)) != ft_pfn(e) << 12 || shift != ((e & FT_HUGE) ? 21u : 12u) ||
	    prot != want)
		return vm_fail(why, len, "page table at %#llx: %#llx/%u rights %u, frame table %#llx rights %u",
			       (unsigned long long)va, (unsigned long long)pa, shift, prot,
			       (unsigned long long)e, want);
	return 0;
}

/* One entry: inside its region, the right kind of frame, in the reverse map, in the page table. */
static int check_one(struct vm_space *s, uint64_t va, uint64_t e, char *why, size_t len)
{
	const struct vm_region *r = vm_region_find(s, va);
	uint64_t n = (e & FT_HUGE) ? VM_HUGE_PAGES : 1, pfn = ft_pfn(e);

	if (!r || va + n * VM_PAGE_SIZE > r->end)
		return vm_fail(why, len, "frame entry at %#llx outside a region", (unsigned long long)va);
	if (ft_swapped(e)) {
		uint64_t pa;
		unsigned prot, shift;
		if (r->kind != VM_ANON || (e & (FT_HUGE | FT_COW)) || !zstore_refs(ft_handle(e)))
			return vm_fail(why, len, "swap entry %#llx at %#llx in a region of kind %u",
				       (unsigned long long)e, (unsigned long long)va, r->kind);
		if (!vm_backend_query(s, va, &pa, &prot, &shift))
			return vm_fail(why, len, "swap entry at %#llx is mapped (%#llx)",
				       (unsigned long long)va, (unsigned long long)pa);
		return 0;
	}
	if ((e & FT_COW) && r->kind != VM_ANON)
		return vm_fail(why, len, "copy-on-write entry at %#llx in a shared region",
			       (unsigned long long)va);
	if (vm_entry_zero(e)) {
		if (!(e & FT_COW) || (e & FT_HUGE))
			return vm_fail(why, len, "zero page at %#llx writable or huge", (unsigned long long)va);
		return check_pte(s, r, va, e, why, len);
	}
	if (!(pfn_to_page(pfn)->flags & PG_vm))
		return vm_fail(why, len, "entry at %#llx: frame %#llx is not a task frame",
			       (unsigned long long)va, (unsigned long long)pfn);
	if (!vm_rmap_has(pfn, s, va, e & FT_HUGE))
		return vm_fail(why, len, "entry at %#llx: frame %#llx has no reverse-map record of it",
			       (unsigned long long)va, (unsigned long long)pfn);
	if (r->kind == VM_OBJECT &&
	    vm_object_lookup(r->obj, r->pgoff + (va - r->start) / VM_PAGE_SIZE) != pfn)
		return vm_fail(why, len, "entry at %#llx is not its object's page", (unsigned long long)va);
	return check_pte(s, r, va, e, why, len);
}

static void check_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	struct check_ctx *c = ctx;

	if (ft_swapped(e))
		c->swapped++;
	else if (!vm_entry_zero(e))
		c->resident += (e & FT_HUGE) ? VM_HUGE_PAGES : 1;
	if (!c->err)
		c->err = check_one(s, va, e, c->why, c->len);
}

int vm_space_check(const struct vm_space *s, char *why, size_t len)
{
	struct vm_space *m = (struct vm_space *)s;   /* the walk does not change anything */
	uint64_t base = VM_SPACE_FIXED, pt = 0, mapped = 0;
	struct check_ctx c = { s, 0, 0, 0, why, len };

	if (vm_region_tree_check(s, why, len))
		return -MNEME_ECORRUPT;
	if (vm_space_by_index(s->index) != s)
		return vm_fail(why, len, "space %llu: index %u", (unsigned long long)s->id, s->index);
	for (struct vm_region *r = vm_region_first_from(s, 0); r; r = vm_region_next(s, r)) {
		if ((r->start | r->end) & (VM_PAGE_SIZE - 1) || (r->prot & ~r->maxprot))
			return vm_fail(why, len, "region %#llx: bounds or rights", (unsigned long long)r->start);
		if (r->cost != vm_cost_base(r->kind, r->start, r->end))
			return vm_fail(why, len, "region %#llx: cost %llu", (unsigned long long)r->start,
				       (unsigned long long)r->cost);
		bool obj_ok = r->kind == VM_OBJECT ? r->obj != NULL
			    : r->kind == VM_ANON ? !r->obj || r->obj->kind == VM_OBJ_FILE : !r->obj;
		if (!obj_ok)
			return vm_fail(why, len, "region %#llx: kind %u with object %p",
				       (unsigned long long)r->start, r->kind, (void *)r->obj);
		if (r->obj && (r->pgoff + (r->end - r->start) / VM_PAGE_SIZE > r->obj->size / VM_PAGE_SIZE ||
			       !r->obj->refs))
			return vm_fail(why, len, "region %#llx: past its object's end",
				       (unsigned long long)r->start);
		base += r->cost;
		pt += vm_cost_pt(r->start, r->end);
		mapped += r->end - r->start;
	}
	for (const struct vm_block *b = s->blocks; b; b = b->next)
		base += b->charge;
	base += vm_objects_charge(s);
	if (base != s->acct.base || pt != s->acct.pt_est || mapped != s->acct.mapped)
		return vm_fail(why, len, "charge: base %llu/%llu pt %llu/%llu mapped %llu/%llu",
			       (unsigned long long)base, (unsigned long long)s->acct.base,
			       (unsigned long long)pt, (unsigned long long)s->acct.pt_est,
			       (unsigned long long)mapped, (unsigned long long)s->acct.mapped);
	if (s->acct.charged != base + tables(s, pt))
		return vm_fail(why, len, "charged %llu", (unsigned long long)s->acct.charged);
	ft_walk(m, 0, VM_VA_LIMIT, check_entry, &c);
	if (c.err)
		return c.err;
	if (c.resident != s->acct.resident || c.swapped != s->acct.swapped)
		return vm_fail(why, len, "resident %llu, table has %llu; swapped %llu, table has %llu",
			       (unsigned long long)s->acct.resident, (unsigned long long)c.resident,
			       (unsigned long long)s->acct.swapped, (unsigned long long)c.swapped);
	return 0;
}

/* ---- The whole system ------------------------------------------------------ */

/*
 * Every task frame: its reverse map against the spaces, its references
 * (a single frame: one per mapping, plus its object's; a block: every
 * mapped page of it).  Blocks are summed at their first frame.
 */
static int check_frame(uint64_t pfn, char *why, size_t len)
{
	const struct page *p = pfn_to_page(pfn);
	struct vm_block *b = vm_frame_block(pfn);
	struct vm_object *o = vm_frame_object(pfn);
	int err = vm_rmap_check_frame(pfn, why, len);

	if (err)
		return err;
	/* On an LRU list exactly when reclaim may take it: single frames and file pages. */
	bool lru = !b && (!o || o->kind == VM_OBJ_FILE);
	if (lru != !!(p->flags & PG_lru))
		return vm_fail(why, len, "frame %#llx: %s an LRU list (flags %#x)", (unsigned long long)pfn,
			       lru ? "not on" : "on", p->flags);
	if (o) {
		if (vm_object_lookup(o, p->vm_index) != pfn)
			return vm_fail(why, len, "frame %#llx: not page %u of its object",
				       (unsigned long long)pfn, p->vm_index);
		if (p->_refcount != (int32_t)p->mapcount + 1)
			return vm_fail(why, len, "object frame %#llx: %d references, %u mappings",
				       (unsigned long long)pfn, p->_refcount, p->mapcount);
		return 0;
	}
	if (!b) {
		if (p->owner != VM_OWNER_FRAME || p->_refcount != (int32_t)p->mapcount || !p->mapcount)
			return vm_fail(why, len, "frame %#llx: owner %#llx, %d references, %u mappings",
				       (unsigned long long)pfn, (unsigned long long)p->owner, p->_refcount,
				       p->mapcount);
		return 0;
	}
	if (pfn != b->pfn)
		return 0;
	uint64_t mapped = 0;
	for (uint64_t i = 0; i < b->nr; i++) {
		const struct page *q = pfn_to_page(b->pfn + i);
		if (vm_frame_block(b->pfn + i) != b)
			return vm_fail(why, len, "block %#llx: page %llu not its own",
				       (unsigned long long)b->pfn, (unsigned long long)i);
		mapped += q->mapcount;
		if (!((b->pfn + i) & (VM_HUGE_PAGES - 1)) && i + VM_HUGE_PAGES <= b->nr)
			mapped += (uint64_t)q->vm_index * VM_HUGE_PAGES;
	}
	if (mapped != b->refs || !b->refs)
		return vm_fail(why, len, "block %#llx: %llu references, %llu mapped pages",
			       (unsigned long long)b->pfn, (unsigned long long)b->refs,
			       (unsigned long long)mapped);
	return 0;
}

struct file_check {
	int err;
	char *why;
	size_t len;
	uint64_t pages;
};

static void check_file(struct vm_object *o, void *ctx)
{
	struct file_check *c = ctx;
	uint64_t n = 0;

	for (uint64_t i = 0; !c->err && i < o->size / VM_PAGE_SIZE; i++) {
		uint64_t pfn = vm_object_lookup(o, i);
		if (!pfn)
			continue;
		n++;
		if (vm_frame_object(pfn) != o || pfn_to_page(pfn)->vm_index != i)
			c->err = vm_fail(c->why, c->len, "file %s: page %llu does not know it",
					 o->name, (unsigned long long)i);
	}
	c->pages += n;
	if (!c->err && n != o->nr_pages)
		c->err = vm_fail(c->why, c->len, "file %s: %llu pages, counted %llu", o->name,
				 (unsigned long long)n, (unsigned long long)o->nr_pages);
}

int vm_check_all(char *why, size_t len)
{
	int err = 0;

	for (uint32_t i = 1; !err && i < VM_MAX_SPACES; i++) {
		struct vm_space *s = vm_space_by_index(i);
		if (s && (err = vm_space_check(s, why, len)))
			return err;
	}
	/* Every task frame, section by section (a memmap walk: 4 GiB is a million pages). */
	uint64_t frames = 0, lru = 0;
	for (unsigned long nr = pfn_to_section_nr(min_low_pfn); section_nr_to_pfn(nr) < max_pfn; nr++) {
		if (!present_section_nr(nr))
			continue;
		unsigned long lo = section_nr_to_pfn(nr), hi = lo + PAGES_PER_SECTION;
		const struct page *p = pfn_to_page(lo);
		for (unsigned long pfn = lo < min_low_pfn ? min_low_pfn : lo; pfn < hi && pfn < max_pfn; pfn++) {
			if (!(p[pfn - lo].flags & PG_vm))
				continue;
			frames++;
			lru += (p[pfn - lo].flags & PG_lru) != 0;
			if ((err = check_frame(pfn, why, len)))
				return err;
		}
	}
	if (frames != vm_nr_frames)
		return vm_fail(why, len, "%llu task frames found, %llu counted", (unsigned long long)frames,
			       (unsigned long long)vm_nr_frames);
	if ((err = vm_lru_check(lru, why, len)) || (err = zstore_check(why, len)))
		return err;
	/* Every reference to the store is a swap entry of some space. */
	uint64_t swapped = 0;
	struct zstore_stats zs;
	for (uint32_t i = 1; i < VM_MAX_SPACES; i++) {
		struct vm_space *s = vm_space_by_index(i);
		swapped += s ? s->acct.swapped : 0;
	}
	zstore_get_stats(&zs);
	if (zs.refs != swapped)
		return vm_fail(why, len, "compressed store: %llu references, %llu swap entries",
			       (unsigned long long)zs.refs, (unsigned long long)swapped);
	const uint64_t *z = page_address(pfn_to_page(vm_zero_pfn));
	for (unsigned i = 0; i < VM_PAGE_SIZE / 8; i++)
		if (z[i])
			return vm_fail(why, len, "the zero page is not zero at %u", i * 8);
	if (pfn_to_page(vm_zero_pfn)->flags & PG_vm)
		return vm_fail(why, len, "the zero page is marked as a task frame");
	struct file_check fc = { 0, why, len, 0 };
	vm_pagecache_for_each(check_file, &fc);
	if (fc.err)
		return fc.err;
	if (fc.pages != vm_pagecache_pages())
		return vm_fail(why, len, "page cache: %llu pages in files, %llu counted",
			       (unsigned long long)fc.pages, (unsigned long long)vm_pagecache_pages());
	return 0;
}

size_t vm_maps_dump(const struct vm_space *s, char *buf, size_t len)
{
	static const char *const kinds[] = { "?", "anon", "block", "shared", "object" };
	size_t n = 0;

	for (struct vm_region *r = vm_region_first_from(s, 0); r; r = vm_region_next(s, r)) {
		const char *file = r->obj && r->obj->kind == VM_OBJ_FILE ? r->obj->name : "";
		int w = snprintf(buf + n, n < len ? len - n : 0, "%010llx-%010llx %c%c%c%c %s%s%s%s\n",
				 (unsigned long long)r->start, (unsigned long long)r->end,
				 r->prot & MNEME_PROT_READ ? 'r' : '-', r->prot & MNEME_PROT_WRITE ? 'w' : '-',
				 r->prot & MNEME_PROT_EXEC ? 'x' : '-',
				 r->kind == VM_ANON || r->kind == VM_BLOCK ? 'p' : 's',
				 *file ? "file" : kinds[r->kind < 5 ? r->kind : 0],
				 r->flags & VM_R_HUGE ? " huge" : "", *file ? " " : "", file);
		if (w > 0)
			n += (size_t)w;
	}
	if (len && n >= len)
		buf[len - 1] = '\0';
	return n < len ? n : (len ? len - 1 : 0);
}

int vm_query(struct vm_space *s, uint64_t va, struct vm_page_info *info)
{
	const struct vm_region *r = vm_region_find(s, va);
	uint64_t e = ft_lookup(s, va);

	*info = (struct vm_page_info){ 0 };
	if (!r)
		return -MNEME_ENOENT;
	if (r->kind == VM_SHARED || r->kind == VM_OBJECT)
		info->flags |= MNEME_MM_Q_SHARED;
	if (!e)
		return 0;
	if (ft_swapped(e)) {
		info->flags |= MNEME_MM_Q_COMPRESSED;   /* no frame until it is touched */
		return 0;
	}
	uint64_t pfn = ft_pfn(e) + ((e & FT_HUGE) ? (va & (VM_HUGE_SIZE - 1)) / VM_PAGE_SIZE : 0);
	struct vm_object *o = vm_entry_zero(e) ? NULL : vm_frame_object(pfn);
	info->pa = pfn << 12;
	info->prot = vm_entry_prot(e, r->prot);
	info->flags |= (vm_entry_zero(e) ? MNEME_MM_Q_ZERO : 0) | ((e & FT_COW) ? MNEME_MM_Q_COW : 0) |
		       ((e & FT_HUGE) ? MNEME_MM_Q_HUGE : 0) |
		       (o ? (o->kind == VM_OBJ_FILE ? MNEME_MM_Q_FILE : MNEME_MM_Q_OBJECT) : 0);
	info->mapcount = vm_entry_zero(e) ? 0 : vm_frame_mapcount(pfn);
	return 0;
}

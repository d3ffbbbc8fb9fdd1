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
	return vm_frame_init();
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
	return VM_REGION_META + (kind == VM_BLOCK ? 0 : end - start);
}

static uint64_t tables(const struct vm_space *s, uint64_t pt_est)
{
	uint64_t real = (s->acct.pt_pages + s->ftab_nodes) * VM_PAGE_SIZE;

	return pt_est > real ? pt_est : real;
}

void vm_recharge(struct vm_space *s)
{
	s->acct.charged = s->acct.base + tables(s, s->acct.pt_est);
	if (s->acct.charged > s->acct.peak)
		s->acct.peak = s->acct.charged;
}

int vm_charge_check(struct vm_space *s, int64_t base, int64_t pt_est)
{
	uint64_t nb = s->acct.base + (uint64_t)base, np = s->acct.pt_est + (uint64_t)pt_est;

	if ((base > 0 || pt_est > 0) && nb + tables(s, np) > s->acct.quota) {
		s->acct.failed++;
		return -MNEME_EQUOTA;
	}
	return 0;
}

int vm_charge(struct vm_space *s, int64_t base, int64_t pt_est)
{
	uint64_t nb = s->acct.base + (uint64_t)base, np = s->acct.pt_est + (uint64_t)pt_est;

	if (vm_charge_check(s, base, pt_est))
		return -MNEME_EQUOTA;
	s->acct.base = nb;
	s->acct.pt_est = np;
	vm_recharge(s);
	return 0;
}

void vm_charge_force(struct vm_space *s, int64_t base, int64_t pt_est)
{
	s->acct.base += (uint64_t)base;
	s->acct.pt_est += (uint64_t)pt_est;
	vm_recharge(s);
}

/* ---- Spaces ------------------------------------------------------------ */

struct vm_space *vm_space_create(uint64_t id, void *cookie, uint64_t quota)
{
	struct vm_space *s = kmem_cache_alloc(space_cache, VM_GFP_META | __GFP_ZERO);

	if (!s)
		return NULL;
	s->id = id;
	s->cookie = cookie;
	s->acct.quota = quota ? quota : MNEME_MM_QUOTA_DEFAULT;
	vm_charge_force(s, (int64_t)VM_SPACE_FIXED, 0);
	struct vm_space **slot = space_slot(id);
	if (*slot) {                  /* ids name one live task */
		kmem_cache_free(space_cache, s);
		return NULL;
	}
	*slot = s;
	return s;
}

int vm_space_pt_donated(struct vm_space *s, uint64_t pfn)
{
	/* Chained through struct page (ours while allocated): recording never allocates. */
	pfn_to_page(pfn)->owner = s->pt_head;
	s->pt_head = pfn;
	s->acct.pt_pages++;
	vm_recharge(s);
	return 0;
}

void vm_space_destroy(struct vm_space *s)
{
	struct vm_region *r;

	while ((r = s->root)) {
		vm_drop_range(s, r->start, r->end, false);
		vm_region_remove(s, r);
		vm_region_free(r);
	}
	ft_destroy(s);
	/* Blocks still mapped by other tasks live on, charged to nobody. */
	for (struct vm_block *b = s->blocks, *n; b; b = n) {
		n = b->next;
		b->owner = NULL;
		b->prev = b->next = NULL;
	}
	for (uint64_t pfn = s->pt_head, next; pfn; pfn = next) {
		struct page *p = pfn_to_page(pfn);
		next = p->owner;
		p->owner = 0;
		__free_pages(p, 0);
	}
	*space_slot(s->id) = s->hash_next;
	kmem_cache_free(space_cache, s);
}

void vm_space_usage(const struct vm_space *s, struct mneme_mm_usage *u)
{
	*u = (struct mneme_mm_usage){
		.charged = s->acct.charged, .quota = s->acct.quota, .resident = s->acct.resident,
		.regions = s->nr_regions, .mapped = s->acct.mapped, .pt_pages = s->acct.pt_pages,
		.meta_bytes = s->acct.meta_bytes, .faults = s->acct.faults, .shared = s->acct.shared,
		.huge = s->acct.huge, .peak = s->acct.peak, .failed = s->acct.failed,
	};
}

/* ---- Faults ------------------------------------------------------------ */

static void fault_result(struct vm_fault_result *res, uint64_t addr, uint64_t e, unsigned prot)
{
	bool huge = e & FT_HUGE;

	res->va = addr & ~((huge ? VM_HUGE_SIZE : VM_PAGE_SIZE) - 1);
	res->pa = ft_pfn(e) << 12;
	res->shift = huge ? 21 : 12;
	res->prot = prot;
}

/* A 2 MiB chunk for the fault at @addr, if the region wants one and it fits. */
static int fault_huge(struct vm_space *s, const struct vm_region *r, uint64_t addr, uint64_t *entry)
{
	uint64_t chunk = addr & ~(VM_HUGE_SIZE - 1);
	struct vm_map_req req = { .order = 9 };

	if (!(r->flags & VM_R_HUGE) || chunk < r->start || chunk + VM_HUGE_SIZE > r->end ||
	    !ft_chunk_empty(s, chunk) || ft_prepare(s, chunk, true))
		return -MNEME_ENOMEM;
	struct vm_block *b = vm_block_alloc(s, &req, VM_HUGE_PAGES, 0);
	if (!b)
		return -MNEME_ENOMEM;
	b->refs = VM_HUGE_PAGES;
	*entry = (b->pfn << 12) | FT_PRESENT | FT_HUGE;
	return 0;
}

int vm_back(struct vm_space *s, const struct vm_region *r, uint64_t va, uint64_t *entry)
{
	uint64_t e;

	if (!fault_huge(s, r, va, &e)) {
		ft_set(s, va & ~(VM_HUGE_SIZE - 1), e);
		s->acct.resident += VM_HUGE_PAGES;
		s->acct.huge++;
	} else {
		if (ft_prepare(s, va, false))
			return -MNEME_ENOMEM;
		uint64_t pfn = vm_frame_alloc();
		if (!pfn)
			return -MNEME_ENOMEM;
		e = (pfn << 12) | FT_PRESENT;
		ft_set(s, va, e);
		s->acct.resident++;
	}
	vm_recharge(s);
	*entry = e;
	return 0;
}

int vm_fault(struct vm_space *s, uint64_t addr, unsigned access, struct vm_fault_result *res)
{
	struct vm_region *r = vm_region_find(s, addr);
	uint64_t e;

	if (!r || !r->prot || (access & ~r->prot))
		return -MNEME_EFAULT;
	if (!(e = ft_lookup(s, addr))) {
		if (r->kind != VM_ANON)
			return -MNEME_EFAULT;
		if (vm_back(s, r, addr, &e))
			return -MNEME_ENOMEM;
		s->acct.faults++;
	}
	fault_result(res, addr, e, r->prot);
	return 0;
}

/* ---- Checker and text -------------------------------------------------- */

struct check_ctx {
	const struct vm_space *s;
	uint64_t resident;
	int err;
	char *why;
	size_t len;
};

static void check_entry(struct vm_space *s, uint64_t va, uint64_t e, void *ctx)
{
	struct check_ctx *c = ctx;
	const struct vm_region *r = vm_region_find(s, va);
	uint64_t n = (e & FT_HUGE) ? VM_HUGE_PAGES : 1;

	c->resident += n;
	if (c->err)
		return;
	if (!r || va + n * VM_PAGE_SIZE > r->end || !pfn_to_page(ft_pfn(e))->owner)
		c->err = vm_fail(c->why, c->len, "frame entry at %#llx outside a region or unowned",
				 (unsigned long long)va);
}

int vm_space_check(const struct vm_space *s, char *why, size_t len)
{
	struct vm_space *m = (struct vm_space *)s;   /* the walk does not change anything */
	uint64_t base = VM_SPACE_FIXED, pt = 0, mapped = 0;
	struct check_ctx c = { s, 0, 0, why, len };

	if (vm_region_tree_check(s, why, len))
		return -MNEME_ECORRUPT;
	for (struct vm_region *r = vm_region_first_from(s, 0); r; r = vm_region_next(s, r)) {
		if ((r->start | r->end) & (VM_PAGE_SIZE - 1) || (r->prot & ~r->maxprot))
			return vm_fail(why, len, "region %#llx: bounds or rights", (unsigned long long)r->start);
		if (r->cost != vm_cost_base(r->kind, r->start, r->end))
			return vm_fail(why, len, "region %#llx: cost %llu", (unsigned long long)r->start,
				       (unsigned long long)r->cost);
		base += r->cost;
		pt += vm_cost_pt(r->start, r->end);
		mapped += r->end - r->start;
	}
	for (const struct vm_block *b = s->blocks; b; b = b->next)
		base += b->charge;
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
	if (c.resident != s->acct.resident)
		return vm_fail(why, len, "resident %llu, table has %llu",
			       (unsigned long long)s->acct.resident, (unsigned long long)c.resident);
	return 0;
}

size_t vm_maps_dump(const struct vm_space *s, char *buf, size_t len)
{
	static const char *const kinds[] = { "?", "anon", "block", "shared" };
	size_t n = 0;

	for (struct vm_region *r = vm_region_first_from(s, 0); r; r = vm_region_next(s, r)) {
		int w = snprintf(buf + n, n < len ? len - n : 0, "%010llx-%010llx %c%c%c %s%s\n",
				 (unsigned long long)r->start, (unsigned long long)r->end,
				 r->prot & MNEME_PROT_READ ? 'r' : '-', r->prot & MNEME_PROT_WRITE ? 'w' : '-',
				 r->prot & MNEME_PROT_EXEC ? 'x' : '-', kinds[r->kind < 4 ? r->kind : 0],
				 r->flags & VM_R_HUGE ? " huge" : "");
		if (w > 0)
			n += (size_t)w;
	}
	if (len && n >= len)
		buf[len - 1] = '\0';
	return n < len ? n : (len ? len - 1 : 0);
}

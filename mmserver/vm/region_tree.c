/*
 * The regions of a space: an AVL tree keyed by start address.
 *
 * Regions never overlap, so ordering by start orders them completely.
 * Each node carries the gap in front of it (its start minus the end of
 * the previous region, or minus 0 for the first) and the largest gap of
 * its subtree, the augmentation Linux once kept in its VMA rbtree: a
 * first-fit search for free address space skips every subtree whose
 * largest gap is too small, so placement costs O(log n) however many
 * regions a task holds.  A change that moves a region's end changes its
 * successor's gap; every such change re-walks the path to that node.
 */
#include <mneme/error.h>
#include "vm_internal.h"

static int32_t height(const struct vm_region *n)
{
	return n ? n->height : 0;
}

static uint64_t max_gap(const struct vm_region *n)
{
	return n ? n->max_gap : 0;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;
	return m > c ? m : c;
}

static void update(struct vm_region *n)
{
	int32_t hl = height(n->left), hr = height(n->right);

	n->height = 1 + (hl > hr ? hl : hr);
	n->max_gap = max3(n->gap, max_gap(n->left), max_gap(n->right));
}

static struct vm_region *rotate_right(struct vm_region *n)
{
	struct vm_region *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct vm_region *rotate_left(struct vm_region *n)
{
	struct vm_region *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

static struct vm_region *balance(struct vm_region *n)
{
	update(n);
	int32_t bf = height(n->left) - height(n->right);
	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct vm_region *insert_at(struct vm_region *n, struct vm_region *x)
{
	if (!n)
		return x;
	if (x->start < n->start)
		n->left = insert_at(n->left, x);
	else
		n->right = insert_at(n->right, x);
	return balance(n);
}

/* Take the smallest node out of @n's subtree into *min. */
static struct vm_region *remove_min(struct vm_region *n, struct vm_region **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = remove_min(n->left, min);
	return balance(n);
}

static struct vm_region *remove_at(struct vm_region *n, const struct vm_region *x)
{
	if (!n)
		return NULL;
	if (x->start < n->start) {
		n->left = remove_at(n->left, x);
	} else if (x->start > n->start) {
		n->right = remove_at(n->right, x);
	} else {
		struct vm_region *l = n->left, *r = n->right, *m;
		if (!r)
			return l;
		r = remove_min(r, &m);
		m->left = l;
		m->right = r;
		return balance(m);
	}
	return balance(n);
}

/* Recompute the augmentation on the path to the node starting at @start. */
static void refresh_path(struct vm_region *n, uint64_t start)
{
	if (!n)
		return;
	if (start < n->start)
		refresh_path(n->left, start);
	else if (start > n->start)
		refresh_path(n->right, start);
	update(n);
}

struct vm_region *vm_region_find(const struct vm_space *s, uint64_t addr)
{
	struct vm_region *n = s->root;

	while (n) {
		if (addr < n->start)
			n = n->left;
		else if (addr >= n->end)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

struct vm_region *vm_region_first_from(const struct vm_space *s, uint64_t addr)
{
	struct vm_region *n = s->root, *best = NULL;

	while (n) {
		if (n->end > addr) {
			best = n;      /* ends past @addr; an earlier one may too */
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct vm_region *vm_region_next(const struct vm_space *s, const struct vm_region *r)
{
	return vm_region_first_from(s, r->end);
}

/* The region ending last before @start (the predecessor of a region starting there). */
static struct vm_region *region_before(const struct vm_space *s, uint64_t start)
{
	struct vm_region *n = s->root, *best = NULL;

	while (n) {
		if (n->start < start) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

/* Set @r's gap from its predecessor and refresh the path to it. */
static void fix_gap(struct vm_space *s, struct vm_region *r)
{
	struct vm_region *p = region_before(s, r->start);

	r->gap = r->start - (p ? p->end : 0);
	refresh_path(s->root, r->start);
}

void vm_region_insert(struct vm_space *s, struct vm_region *r)
{
	r->left = r->right = NULL;
	r->height = 1;
	struct vm_region *p = region_before(s, r->start);
	r->gap = r->start - (p ? p->end : 0);
	r->max_gap = r->gap;
	s->root = insert_at(s->root, r);
	s->nr_regions++;
	struct vm_region *next = vm_region_first_from(s, r->end);
	if (next)
		fix_gap(s, next);
}

void vm_region_remove(struct vm_space *s, struct vm_region *r)
{
	struct vm_region *next = vm_region_first_from(s, r->end);

	s->root = remove_at(s->root, r);
	s->nr_regions--;
	r->left = r->right = NULL;
	if (s->last_found == r)
		s->last_found = NULL;
	if (next)
		fix_gap(s, next);
}

void vm_region_set_bounds(struct vm_space *s, struct vm_region *r, uint64_t start, uint64_t end)
{
	struct vm_region *old_next = vm_region_first_from(s, r->end);

	r->start = start;     /* the order is unchanged: the new bounds lie within the old ones */
	r->end = end;
	s->last_found = NULL;
	fix_gap(s, r);
	if (old_next)
		fix_gap(s, old_next);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/*
 * Lowest @align-aligned address >= @lo with [addr, addr + len) inside the
 * gap in front of some node of @n's subtree and below @hi.
 */
static bool gap_search(const struct vm_region *n, uint64_t len, uint64_t align, uint64_t lo,
		       uint64_t hi, uint64_t *out)
{
	if (!n || n->max_gap < len)
		return false;
	if (n->start > lo && gap_search(n->left, len, align, lo, hi, out))
		return true;
	uint64_t gs = n->start - n->gap;
	if (gs < lo)
		gs = lo;
	gs = align_up(gs, align);
	uint64_t ge = n->start < hi ? n->start : hi;
	if (gs >= lo && gs < ge && ge - gs >= len) {
		*out = gs;
		return true;
	}
	if (n->start >= hi)
		return false;
	return gap_search(n->right, len, align, lo, hi, out);
}

int vm_region_find_gap(const struct vm_space *s, uint64_t len, uint64_t align, uint64_t lo,
		       uint64_t hi, uint64_t *addr)
{
	if (!len || lo >= hi || len > hi - lo)
		return -MNEME_ENOMEM;
	if (gap_search(s->root, len, align, lo, hi, addr))
		return 0;
	/* The gap after the last region. */
	struct vm_region *n = s->root;
	while (n && n->right)
		n = n->right;
	uint64_t gs = n && n->end > lo ? n->end : lo;
	gs = align_up(gs, align);
	if (gs >= lo && gs < hi && hi - gs >= len) {
		*addr = gs;
		return 0;
	}
	return -MNEME_ENOMEM;
}

bool vm_region_range_free(const struct vm_space *s, uint64_t start, uint64_t end)
{
	struct vm_region *r = vm_region_first_from(s, start);

	return !r || r->start >= end;
}

/* Check one subtree: order within (lo, hi), heights, balance, augmentation. */
static int check_subtree(const struct vm_region *n, uint64_t lo, uint64_t hi, int32_t *h,
			 uint64_t *count, char *why, size_t len)
{
	if (!n) {
		*h = 0;
		return 0;
	}
	int32_t hl, hr;
	if (n->start < lo || n->end > hi || n->end <= n->start)
		return vm_fail(why, len, "region [%#llx, %#llx) out of order", (unsigned long long)n->start,
			       (unsigned long long)n->end);
	if (check_subtree(n->left, lo, n->start, &hl, count, why, len) ||
	    check_subtree(n->right, n->end, hi, &hr, count, why, len))
		return -MNEME_ECORRUPT;
	if (n->height != 1 + (hl > hr ? hl : hr) || hl - hr > 1 || hr - hl > 1)
		return vm_fail(why, len, "region %#llx: bad height/balance", (unsigned long long)n->start);
	if (n->max_gap != max3(n->gap, max_gap(n->left), max_gap(n->right)))
		return vm_fail(why, len, "region %#llx: bad max_gap", (unsigned long long)n->start);
	*h = n->height;
	(*count)++;
	return 0;
}

int vm_region_tree_check(const struct vm_space *s, char *why, size_t len)
{
	int32_t h;
	uint64_t count = 0, prev_end = 0;

	if (check_subtree(s->root, 0, VM_VA_LIMIT, &h, &count, why, len))
		return -MNEME_ECORRUPT;
	if (count != s->nr_regions)
		return vm_fail(why, len, "%llu regions in the tree, %llu counted",
			       (unsigned long long)count, (unsigned long long)s->nr_regions);
	for (struct vm_region *r = vm_region_first_from(s, 0); r; r = vm_region_next(s, r)) {
		if (r->gap != r->start - prev_end)
			return vm_fail(why, len, "region %#llx: gap %#llx, expected %#llx",
				       (unsigned long long)r->start, (unsigned long long)r->gap,
				       (unsigned long long)(r->start - prev_end));
		prev_end = r->end;
	}
	return 0;
}

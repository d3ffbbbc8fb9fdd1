/*
 * The LRU lists: every frame the server maps into tasks and could take
 * back, per node, on an active or an inactive list of its kind (Linux's
 * lruvec): anonymous (private frames; they go to the compressed store)
 * or file (the page cache of the boot archive; clean, dropped).  Blocks
 * (ALLOC_PAGES, MAP_CONTIG, 2 MiB chunks) are never on a list: their
 * frames must stay where they are.
 *
 * A frame enters the inactive list of its kind when it is made
 * (vm_frame_alloc and friends; a page becoming a file's moves to the file
 * list) and leaves when it is freed.  Reclaim ages the lists from the
 * hardware's accessed bits (reclaim.c): PG_referenced says a page was
 * touched since reclaim last looked, PG_active which list it is on.
 *
 * The links.  struct page has no room left for two more pfns while the vm
 * overlay is live, so the links live in a side table, one 8-byte entry
 * per page of every present memory section (Linux's page_ext idea): 256
 * KiB per 128 MiB section (0.2% of memory), allocated on the section's
 * node when the module starts.  A list is a head, a tail and a count of
 * pfns, like the buddy allocator's, threaded through that table.
 *
 * Counts are kept per node and list, and per zone for vmstat's
 * nr_zone_* lines.
 */
#include <string.h>
#include <mneme/error.h>
#include "mm/mmzone.h"
#include "mm/sparse.h"
#include "vm_internal.h"

struct lru_link {
	uint32_t next, prev;
};

#define LINKS_ORDER 6            /* PAGES_PER_SECTION * 8 bytes = 256 KiB */
_Static_assert((PAGES_PER_SECTION * sizeof(struct lru_link)) == (VM_PAGE_SIZE << LINKS_ORDER),
	       "one allocation of links per section");

struct lru_head {
	uint32_t head, tail;
	uint64_t count;
};

struct lruvec {
	struct lru_head lists[VM_NR_LRU];
	uint64_t zone_count[MAX_NR_ZONES][VM_NR_LRU];
};

static struct lru_link **links;        /* per section below max_pfn, NULL if absent */
static unsigned long nr_link_sections;
static struct lruvec lruvecs[MM_MAX_NUMNODES];

static struct lru_link *link_of(uint64_t pfn)
{
	return &links[pfn_to_section_nr(pfn)][pfn & (PAGES_PER_SECTION - 1)];
}

int vm_lru_init(void)
{
	unsigned long nr = max_pfn ? pfn_to_section_nr(max_pfn - 1) + 1 : 0;

	memset(lruvecs, 0, sizeof(lruvecs));
	for (unsigned n = 0; n < MM_MAX_NUMNODES; n++)
		for (unsigned l = 0; l < VM_NR_LRU; l++)
			lruvecs[n].lists[l].head = lruvecs[n].lists[l].tail = PAGE_LIST_NIL;
	if (links && nr == nr_link_sections)
		return 0;                       /* made once; lists are empty again */
	links = kmalloc(nr * sizeof(*links), VM_GFP_META | __GFP_ZERO);
	if (nr && !links)
		return -MNEME_ENOMEM;
	nr_link_sections = nr;
	for (unsigned long sec = 0; sec < nr; sec++) {
		if (!present_section_nr(sec))
			continue;
		int nid = page_to_nid(pfn_to_page(section_nr_to_pfn(sec)));
		struct page *p = alloc_pages_node(nid, VM_GFP_META, LINKS_ORDER);
		if (!p)
			return -MNEME_ENOMEM;
		links[sec] = page_address(p);
	}
	return 0;
}

/* Which list a page of this kind and state belongs on. */
static enum vm_lru lru_of(const struct page *p, uint64_t pfn)
{
	struct vm_object *o = vm_frame_object(pfn);
	bool file = o && o->kind == VM_OBJ_FILE;

	return (enum vm_lru)((file ? VM_LRU_INACTIVE_FILE : VM_LRU_INACTIVE_ANON) +
			     ((p->flags & PG_active) ? 1 : 0));
}

static void count(const struct page *p, enum vm_lru l, int delta)
{
	struct lruvec *v = &lruvecs[page_to_nid(p)];

	v->lists[l].count += (uint64_t)(int64_t)delta;
	v->zone_count[page_zonenum(p)][l] += (uint64_t)(int64_t)delta;
}

static void list_add_head(struct lru_head *h, uint64_t pfn)
{
	struct lru_link *k = link_of(pfn);

	k->prev = PAGE_LIST_NIL;
	k->next = h->head;
	if (h->head != PAGE_LIST_NIL)
		link_of(h->head)->prev = (uint32_t)pfn;
	else
		h->tail = (uint32_t)pfn;
	h->head = (uint32_t)pfn;
}

static void list_del(struct lru_head *h, uint64_t pfn)
{
	struct lru_link *k = link_of(pfn);

	if (k->prev != PAGE_LIST_NIL)
		link_of(k->prev)->next = k->next;
	else
		h->head = k->next;
	if (k->next != PAGE_LIST_NIL)
		link_of(k->next)->prev = k->prev;
	else
		h->tail = k->prev;
	k->next = k->prev = PAGE_LIST_NIL;
}

void vm_lru_add(uint64_t pfn)
{
	struct page *p = pfn_to_page(pfn);

	MM_ASSERT((p->flags & PG_vm) && !(p->flags & PG_lru));
	p->flags = (p->flags & ~(PG_active | PG_referenced | PG_zreject)) | PG_lru;
	enum vm_lru l = lru_of(p, pfn);
	list_add_head(&lruvecs[page_to_nid(p)].lists[l], pfn);
	count(p, l, 1);
}

void vm_lru_del(uint64_t pfn)
{
	struct page *p = pfn_to_page(pfn);

	if (p->flags & PG_lru) {
		enum vm_lru l = lru_of(p, pfn);
		list_del(&lruvecs[page_to_nid(p)].lists[l], pfn);
		count(p, l, -1);
	}
	p->flags &= ~(PG_lru | PG_active | PG_referenced | PG_zreject);
}

/* Move @pfn to the head of the list it belongs on with PG_active set as @active says. */
static void move_head(uint64_t pfn, bool active)
{
	struct page *p = pfn_to_page(pfn);
	struct lruvec *v = &lruvecs[page_to_nid(p)];

	if (!(p->flags & PG_lru))
		return;
	enum vm_lru from = lru_of(p, pfn);
	list_del(&v->lists[from], pfn);
	count(p, from, -1);
	p->flags = active ? p->flags | PG_active : p->flags & ~PG_active;
	enum vm_lru to = lru_of(p, pfn);
	list_add_head(&v->lists[to], pfn);
	count(p, to, 1);
}

void vm_lru_activate(uint64_t pfn)
{
	move_head(pfn, true);
}

void vm_lru_deactivate(uint64_t pfn)
{
	move_head(pfn, false);
}

void vm_lru_rotate(uint64_t pfn)
{
	move_head(pfn, pfn_to_page(pfn)->flags & PG_active);
}

void vm_lru_kind_changed(uint64_t pfn, bool was_file)
{
	struct page *p = pfn_to_page(pfn);
	struct lruvec *v = &lruvecs[page_to_nid(p)];

	if (!(p->flags & PG_lru))
		return;
	enum vm_lru from = (enum vm_lru)((was_file ? VM_LRU_INACTIVE_FILE : VM_LRU_INACTIVE_ANON) +
					 ((p->flags & PG_active) ? 1 : 0));
	list_del(&v->lists[from], pfn);
	count(p, from, -1);
	enum vm_lru to = lru_of(p, pfn);
	list_add_head(&v->lists[to], pfn);
	count(p, to, 1);
}

uint64_t vm_lru_tail(int nid, enum vm_lru l)
{
	uint32_t t = lruvecs[nid].lists[l].tail;

	return t == PAGE_LIST_NIL ? 0 : t;
}

uint64_t vm_lru_prev(uint64_t pfn)
{
	uint32_t p = link_of(pfn)->prev;

	return p == PAGE_LIST_NIL ? 0 : p;
}

uint64_t vm_lru_count(int nid, enum vm_lru l)
{
	return lruvecs[nid].lists[l].count;
}

void vm_lru_counts(uint64_t out[VM_NR_LRU])
{
	int nid;

	memset(out, 0, VM_NR_LRU * sizeof(out[0]));
	for_each_online_node(nid)
		for (unsigned l = 0; l < VM_NR_LRU; l++)
			out[l] += lruvecs[nid].lists[l].count;
}

void vm_lru_zone_counts(unsigned zone, uint64_t out[VM_NR_LRU])
{
	int nid;

	memset(out, 0, VM_NR_LRU * sizeof(out[0]));
	for_each_online_node(nid)
		for (unsigned l = 0; l < VM_NR_LRU; l++)
			out[l] += lruvecs[nid].zone_count[zone][l];
}

/* ---- Checking ------------------------------------------------------------------ */

/* Walk one list: links both ways, every page PG_vm | PG_lru of this node and list. */
static int check_list(int nid, enum vm_lru l, uint64_t *seen, char *why, size_t len)
{
	const struct lru_head *h = &lruvecs[nid].lists[l];
	uint32_t prev = PAGE_LIST_NIL;
	uint64_t n = 0;

	for (uint32_t pfn = h->head; pfn != PAGE_LIST_NIL; pfn = link_of(pfn)->next) {
		const struct page *p = pfn_to_page(pfn);
		if (++n > h->count)
			return vm_fail(why, len, "lru %d/%d: more pages than its count %llu", nid, l,
				       (unsigned long long)h->count);
		if (link_of(pfn)->prev != prev || !(p->flags & PG_vm) || !(p->flags & PG_lru) ||
		    page_to_nid(p) != (unsigned)nid || lru_of(p, pfn) != l || vm_frame_block(pfn))
			return vm_fail(why, len, "lru %d/%d: page %#x misplaced (flags %#x)", nid, l, pfn,
				       p->flags);
		prev = pfn;
	}
	if (prev != h->tail || n != h->count)
		return vm_fail(why, len, "lru %d/%d: tail or count (%llu, found %llu)", nid, l,
			       (unsigned long long)h->count, (unsigned long long)n);
	*seen += n;
	return 0;
}

int vm_lru_check(uint64_t lru_pages, char *why, size_t len)
{
	uint64_t seen = 0, zones = 0;
	int nid;

	for_each_online_node(nid) {
		for (unsigned l = 0; l < VM_NR_LRU; l++) {
			int err = check_list(nid, (enum vm_lru)l, &seen, why, len);
			if (err)
				return err;
			for (unsigned z = 0; z < MAX_NR_ZONES; z++)
				zones += lruvecs[nid].zone_count[z][l];
		}
	}
	if (seen != lru_pages || zones != seen)
		return vm_fail(why, len, "lru: %llu pages on lists (%llu by zone), %llu marked",
			       (unsigned long long)seen, (unsigned long long)zones,
			       (unsigned long long)lru_pages);
	return 0;
}

/*
 * Internals shared by the files of the vm module (see vm.h for the map).
 */
#ifndef MMSERVER_VM_INTERNAL_H
#define MMSERVER_VM_INTERNAL_H

#include <stdarg.h>
#include "mm/gfp.h"
#include "mm/page.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"
#include "vm.h"
#include "vm_backend.h"

/*
 * gfp of the metadata and page-table frames a task's requests and faults
 * cause (regions, frame-table and reverse-map nodes, objects, the core's
 * tables): charged to that task, and stopping at the min watermark like
 * its own frames.  The reserve below the watermark is never spent on a
 * client (issue 12): a task that maps and unmaps without end cannot take
 * what the server needs to finish its work or to start another task.
 */
#define VM_GFP_META (GFP_KERNEL | __GFP_NOWARN)
/* gfp of frames given to tasks: stop at the watermark, always zeroed (no data leaks). */
#define VM_GFP_USER (GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_NOWARN)

/* What a region costs besides its frames, and the space's fixed cost. */
#define VM_REGION_META  ((uint64_t)sizeof(struct vm_region))
#define VM_SPACE_FIXED  (2 * VM_PAGE_SIZE + (uint64_t)sizeof(struct vm_space))

/* Report @fmt into @why; returns -MNEME_ECORRUPT. */
int vm_fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* region_tree.c */
struct vm_region *vm_region_find(const struct vm_space *s, uint64_t addr);
/* vm_region_find() that first tries the region it found last (faults come in runs). */
static inline struct vm_region *vm_region_find_cached(struct vm_space *s, uint64_t addr)
{
	struct vm_region *c = s->last_found;

	if (c && addr >= c->start && addr < c->end)
		return c;
	return s->last_found = vm_region_find(s, addr);
}
/* First region ending after @addr (the one containing it, or the next), or NULL. */
struct vm_region *vm_region_first_from(const struct vm_space *s, uint64_t addr);
struct vm_region *vm_region_next(const struct vm_space *s, const struct vm_region *r);
void vm_region_insert(struct vm_space *s, struct vm_region *r);
void vm_region_remove(struct vm_space *s, struct vm_region *r);
/* Shrink @r to [start, end) (within its old bounds). */
void vm_region_set_bounds(struct vm_space *s, struct vm_region *r, uint64_t start, uint64_t end);
/* Lowest @align-aligned free [addr, addr + len) within [lo, hi).  0 or -MNEME_ENOMEM. */
int vm_region_find_gap(const struct vm_space *s, uint64_t len, uint64_t align, uint64_t lo,
		       uint64_t hi, uint64_t *addr);
bool vm_region_range_free(const struct vm_space *s, uint64_t start, uint64_t end);
int vm_region_tree_check(const struct vm_space *s, char *why, size_t len);
struct vm_region *vm_region_alloc(void);
void vm_region_free(struct vm_region *r);

/*
 * frame_table.c: entries are pfn << 12 | flags.  FT_COW marks a page the
 * page table maps without WRITE although its region may have it: the
 * shared zero page, a cached file page of a private mapping, a page
 * shared copy-on-write after a clone.  The next write copies it (or
 * takes it, when that mapping is its only user).
 */
#define FT_PRESENT 0x1ull
#define FT_HUGE    0x2ull
#define FT_COW     0x4ull
/*
 * A swap entry: no frame, the page is in the compressed store.  The
 * entry is the store's handle (16-byte aligned) | FT_SWAP; it holds one
 * of the handle's references, as a present entry holds one of its
 * frame's.  Only 4 KiB entries of private (VM_ANON) regions are ever
 * swap entries, never mapped in the page table.
 */
#define FT_SWAP    0x8ull
#define FT_FLAGS   0xfull
static inline bool ft_swapped(uint64_t e)
{
	return (e & (FT_PRESENT | FT_SWAP)) == FT_SWAP;
}
static inline uint64_t ft_handle(uint64_t e)
{
	return e & ~FT_FLAGS;
}
/* The entry for @va: a 4 KiB entry, a huge entry covering it, or 0. */
uint64_t ft_lookup(const struct vm_space *s, uint64_t va);
/* Make sure setting a 4 KiB entry (or a huge one) at @va needs no allocation.  0 or -MNEME_ENOMEM. */
/* True if nothing in the 2 MiB chunk containing @va has an entry. */
bool ft_chunk_empty(const struct vm_space *s, uint64_t va);
int ft_prepare(struct vm_space *s, uint64_t va, bool huge);
/* The 4 KiB entry for @va in an existing leaf, or NULL (no leaf, or a 2 MiB entry covers it). */
static inline uint64_t *ft_leaf_slot(const struct vm_space *s, uint64_t va)
{
	const uint64_t *mid = s->ftab ? (const uint64_t *)(uintptr_t)s->ftab[(va >> 30) & 511] : NULL;
	uint64_t me = mid ? mid[(va >> 21) & 511] : 0;

	if (!me || (me & FT_HUGE))
		return NULL;
	return &((uint64_t *)(uintptr_t)me)[(va >> 12) & 511];
}
/* Fill the empty entry @slot (from ft_leaf_slot) with @entry. */
void ft_slot_fill(uint64_t *slot, uint64_t entry);
void ft_set(struct vm_space *s, uint64_t va, uint64_t entry);
/* Replace the existing entry at @va (same size) by @entry: no counts change. */
void ft_update(struct vm_space *s, uint64_t va, uint64_t entry);
/* Clear the entry at @va (4 KiB, or the huge one at the 2 MiB address); returns it. */
uint64_t ft_clear(struct vm_space *s, uint64_t va);
/*
 * Turn the huge entry covering @va into 512 4 KiB entries (same frames,
 * same FT_COW), in the table, the reverse map and the page table (mapped
 * with @prot, minus WRITE for copy-on-write).  0 or -MNEME_ENOMEM
 * (nothing changed).
 */
int ft_demote(struct vm_space *s, uint64_t va, unsigned prot);
/*
 * Harvest the accessed bits of every entry of @s (vm_backend_age over
 * each 16 MiB window holding frame-table leaves): a frame on an LRU list
 * that was touched gets PG_referenced.  Returns the young pages seen.
 */
uint64_t ft_age(struct vm_space *s);
/* Call @fn for each entry in [start, end) in address order (huge entries once, at their 2 MiB address). */
typedef void (*ft_fn)(struct vm_space *s, uint64_t va, uint64_t entry, void *ctx);
void ft_walk(struct vm_space *s, uint64_t start, uint64_t end, ft_fn fn, void *ctx);
/* Free every radix node (the entries must already be dropped or ignored). */
void ft_destroy(struct vm_space *s);

static inline uint64_t ft_pfn(uint64_t e)
{
	return e >> 12;
}

/*
 * frame.c: who owns a frame the vm module maps (struct page's owner word,
 * PG_vm set):
 *   VM_OWNER_FRAME     a single private frame; _refcount counts references
 *   object | 2         a page of a memory object or of the page cache; the
 *                      object holds one reference of _refcount
 *   struct vm_block *  a page of a multi-page block, which counts
 *                      references for all its pages (refs)
 * The zero page is none of these: it is never counted, never in the
 * reverse map, never freed.
 */
#define VM_OWNER_FRAME  1ull
#define VM_OWNER_OBJECT 2ull
#define VM_OWNER_TAGS   3ull

extern uint64_t vm_zero_pfn;
extern uint64_t vm_nr_frames;      /* pages marked PG_vm (the checker counts them) */

/*
 * A zeroed single frame with no reference yet (a mapping takes the first);
 * 0 if none, after reclaim could not make room (vm_frame_page()).
 */
uint64_t vm_frame_alloc(void);
/* Same, not zeroed (the caller fills all of it: a page coming back from the store). */
uint64_t vm_frame_alloc_raw(void);
/* A new single frame holding a copy of frame @pfn; 0 if none. */
uint64_t vm_frame_copy(uint64_t pfn);
/*
 * The same for page @va of region @r of @s: under the region's memory
 * policy, else the space's (mpol_choose), interleaved by @va's page number.
 */
uint64_t vm_frame_alloc_at(const struct vm_space *s, const struct vm_region *r, uint64_t va);
uint64_t vm_frame_copy_at(uint64_t pfn, const struct vm_space *s, const struct vm_region *r, uint64_t va);
/* Free a frame from vm_frame_alloc/vm_frame_copy that never got a reference. */
void vm_frame_free_new(uint64_t pfn);
/* Adopt a frame the server allocated with alloc_page() as a single frame with no reference yet. */
void vm_frame_adopt(uint64_t pfn);
/* Add or drop @n page references to the frame(s) at @pfn (a block's pages, or a single frame). */
void vm_frame_get(uint64_t pfn, uint64_t n);
void vm_frame_put(uint64_t pfn, uint64_t n);
/* The block @pfn belongs to, or NULL for a single frame. */
struct vm_block *vm_frame_block(uint64_t pfn);
/* The object page @pfn belongs to, or NULL. */
struct vm_object *vm_frame_object(uint64_t pfn);
/* Is the mapping of @e being written the only user of its frame(s)? (copy-on-write reuse) */
bool vm_entry_exclusive(uint64_t e);
/* Allocate a block and make @s its owner, charged @charge bytes (already charged). */
struct vm_block *vm_block_alloc(struct vm_space *s, const struct vm_map_req *req, uint64_t nr,
				uint64_t charge);
/* Free a block nobody maps (refs 0). */
void vm_block_free(struct vm_block *b);
int vm_frame_init(void);

/*
 * The entries of a space, kept consistent in one step: the frame table,
 * the frame's reference, its reverse map and the space's counts.  The
 * page table is the caller's (vm_backend_*).
 */
/* Record @e at @va, taking a reference.  0 or -MNEME_ENOMEM (nothing changed). */
int vm_entry_set(struct vm_space *s, uint64_t va, uint64_t e);
/* Remove the entry at @va (the huge one at a 2 MiB address) and drop its reference; returns it. */
uint64_t vm_entry_clear(struct vm_space *s, uint64_t va);
/* Swap the 4 KiB entry at @va for @e (a new frame nobody maps yet): the old one's reference goes. */
void vm_entry_replace(struct vm_space *s, uint64_t va, uint64_t e);
/* Rights the page table gives entry @e of a region with @prot (copy-on-write: no WRITE). */
static inline unsigned vm_entry_prot(uint64_t e, unsigned prot)
{
	return (e & FT_COW) ? prot & ~MNEME_PROT_WRITE : prot;
}
static inline bool vm_entry_zero(uint64_t e)
{
	return (e >> 12) == vm_zero_pfn;
}

/*
 * rmap.c: the reverse map.  A frame's mappings are 64-bit records
 * (space index, virtual page, 2 MiB or not), one held in struct page's
 * rmap word, more in a chain of nodes the word then points to.  A 2 MiB
 * mapping is recorded once, on the first frame of its chunk, and counted
 * in that page's vm_index; 4 KiB mappings in mapcount.
 */
int vm_rmap_add(uint64_t pfn, const struct vm_space *s, uint64_t va, bool huge);
void vm_rmap_del(uint64_t pfn, const struct vm_space *s, uint64_t va, bool huge);
/* Replace a frame's record (@s, @va, @from_huge) by (@s, @va2, @to_huge): never allocates. */
void vm_rmap_move(uint64_t pfn, const struct vm_space *s, uint64_t va, bool from_huge,
		  uint64_t va2, bool to_huge);
/* Nodes that adding one 4 KiB mapping of @pfn would need (0, 1 or 2). */
unsigned vm_rmap_need(uint64_t pfn);
/* Set aside @n nodes so the next adds cannot fail.  0 or -MNEME_ENOMEM. */
int vm_rmap_reserve(unsigned n);
/* Give back what vm_rmap_reserve set aside and was not used. */
void vm_rmap_unreserve(void);
/* Spaces by reverse-map index. */
int vm_space_index_alloc(struct vm_space *s);
void vm_space_index_free(struct vm_space *s);
struct vm_space *vm_space_by_index(uint32_t index);
/* Is (@s, @va, @huge) one of frame @pfn's records? */
bool vm_rmap_has(uint64_t pfn, const struct vm_space *s, uint64_t va, bool huge);
/* Check frame @pfn's records against the spaces' entries and its counts.  0 or -MNEME_ECORRUPT. */
int vm_rmap_check_frame(uint64_t pfn, char *why, size_t len);
int vm_rmap_init(void);

/* space.c: accounting */
/* Charge @base bytes and @pt_est page-table estimate bytes (negative to uncharge).  -MNEME_EQUOTA if over. */
int vm_charge(struct vm_space *s, int64_t base, int64_t pt_est);
/* Would charging these pass the quota?  0 or -MNEME_EQUOTA (counted as a failure). */
int vm_charge_check(struct vm_space *s, int64_t base, int64_t pt_est);
/* Recompute the charge after the real page-table or frame-table count changed. */
void vm_recharge(struct vm_space *s);
void vm_charge_force(struct vm_space *s, int64_t base, int64_t pt_est);
/* Cost of a region [start, end) of @kind: metadata, frames owned, page-table estimate. */
uint64_t vm_cost_base(enum vm_kind kind, uint64_t start, uint64_t end);
uint64_t vm_cost_pt(uint64_t start, uint64_t end);

/*
 * fault.c: back the lazy page (or huge chunk) at @va of @r for @access
 * (a read of a private page gets the zero page or a file's cached page,
 * copy-on-write); *entry receives it.  0 or -MNEME_ENOMEM.
 */
int vm_back(struct vm_space *s, const struct vm_region *r, uint64_t va, unsigned access,
	    uint64_t *entry);
/*
 * Make the copy-on-write page (or huge chunk) at @va of @r writable for
 * @s: take it if @s is its only user, else copy it (a huge chunk shared
 * with others is split first).  The page table follows.  *entry receives
 * the new entry.  0 or -MNEME_ENOMEM.
 */
int vm_break_cow(struct vm_space *s, const struct vm_region *r, uint64_t va, uint64_t *entry);

/* ops.c helpers used by space.c and others */
/* Drop every frame in [start, end) of @s (boundaries must not cut a huge entry). */
void vm_drop_range(struct vm_space *s, uint64_t start, uint64_t end, bool unmap);
/* Make @at a boundary a 4 KiB entry can end at (split a 2 MiB entry straddling it). */
int vm_cut_at(struct vm_space *s, uint64_t at);
/* Region bookkeeping: add (charged without a check), delete (uncharged, object reference dropped). */
void vm_region_add(struct vm_space *s, struct vm_region *r);
void vm_region_del(struct vm_space *s, struct vm_region *r);
/* Is every page of [start, end) in some region?  0 or -MNEME_ENOENT; *nr gets the regions touched. */
int vm_covered(const struct vm_space *s, uint64_t start, uint64_t end, uint64_t *nr);

/* ---- LRU lists (lru.c) ------------------------------------------------- */

enum vm_lru {
	VM_LRU_INACTIVE_ANON, VM_LRU_ACTIVE_ANON, VM_LRU_INACTIVE_FILE, VM_LRU_ACTIVE_FILE,
	VM_NR_LRU
};
/* The side table of links (once; later calls empty the lists).  0 or -MNEME_ENOMEM. */
int vm_lru_init(void);
/* A new frame (owner set) onto the inactive list of its kind; vm_lru_del takes it off (frame freed). */
void vm_lru_add(uint64_t pfn);
void vm_lru_del(uint64_t pfn);
/* Move to the head of the active / inactive / its own list. */
void vm_lru_activate(uint64_t pfn);
void vm_lru_deactivate(uint64_t pfn);
void vm_lru_rotate(uint64_t pfn);
/* The frame's owner changed between file and anonymous (@was_file: before): move lists. */
void vm_lru_kind_changed(uint64_t pfn, bool was_file);
/* The oldest page of a list (0: empty), and the next older-to-newer step from @pfn (0: none). */
uint64_t vm_lru_tail(int nid, enum vm_lru l);
uint64_t vm_lru_prev(uint64_t pfn);
uint64_t vm_lru_count(int nid, enum vm_lru l);
/* Pages on each list, every node together; per zone. */
void vm_lru_counts(uint64_t out[VM_NR_LRU]);
void vm_lru_zone_counts(unsigned zone, uint64_t out[VM_NR_LRU]);
/* The lists against each other, their counts, and @lru_pages pages marked PG_lru.  0 or -MNEME_ECORRUPT. */
int vm_lru_check(uint64_t lru_pages, char *why, size_t len);

/* ---- Reclaim (reclaim.c) and swap entries (swap.c) ---------------------- */

/*
 * Who is allocating a frame: a page fault may go down to the allocator's
 * min watermark, a request stops at its floor (vm_reclaim.h's marks:
 * low + a reserve) and reclaims first, so that the last memory is kept
 * for faults, which cannot fail cleanly.  Set by vm_fault() for its
 * duration (one thread; per thread when the server has several).
 */
extern bool vm_in_fault;
/*
 * Pages reclaim must leave alone for now: a frame being copied (the
 * source of vm_frame_copy), the pages of a space whose entries an
 * operation walks while it allocates (SHARE).
 */
void vm_reclaim_pin(uint64_t pfn);
void vm_reclaim_unpin(uint64_t pfn);
extern struct vm_space *vm_reclaim_held;
/*
 * The allocation slow path of task frames: reclaim (shrinkers, the LRU
 * lists into the compressed store) until an allocation of order 0 may
 * succeed.  True if it freed something.
 */
bool vm_direct_reclaim(void);
/* The LRU side table, the store, the page cache's shrinker (vm_init).  0 or -MNEME_ENOMEM. */
int vm_reclaim_init(void);
/* Memory came back (a space went): background reclaim may try again where it had given up. */
void vm_reclaim_hope(void);
/* May a frame be allocated now by the current context (fault or request)? */
bool vm_alloc_allowed(void);
/* A task frame was just allocated: wake background reclaim if a node went below its mark. */
void vm_alloc_watch(void);

/*
 * Bring the swap entry at @va of @s back into a frame (the store's
 * reference dropped); *entry receives the present entry.  0,
 * -MNEME_ENOMEM, or -MNEME_EFAULT (the store's data is damaged).
 */
int vm_swapin(struct vm_space *s, uint64_t va, uint64_t *entry);
/*
 * Replace the present 4 KiB entry at @va of @s (frame @pfn, its only
 * mapping, already unmapped from the page table) by a swap entry for
 * @h: the frame goes, the entry takes over the handle's reference.
 */
void vm_swapout_entry(struct vm_space *s, uint64_t va, uint64_t pfn, uint64_t h);

/* ---- Objects (object.c, pagecache.c) ---------------------------------- */

enum vm_object_kind {
	VM_OBJ_MEMORY = 1,            /* a memory object: zero-filled, charged to its creator */
	VM_OBJ_FILE = 2,              /* a cached file of the boot archive */
};

/*
 * A memory object or a cached file: pages by index in a two-level table
 * (leaves of 512 pfns, 0 = no page yet).  Each page it holds has one
 * reference from it.  @refs counts handles, regions and pending grants
 * (files: regions and vm_file_get callers); a memory object goes with its
 * last reference, a file when it has neither references nor pages
 * (vm_pagecache_shrink).
 */
struct vm_object {
	uint64_t id;
	uint64_t size;                /* bytes, a page multiple (files: rounded up) */
	uint64_t refs;
	uint64_t nr_pages;            /* pages it holds */
	uint64_t **leaves;            /* nr_leaves pointers (kmalloc), each NULL or a 512-entry page */
	uint64_t nr_leaves;
	uint32_t kind;                /* enum vm_object_kind */
	uint32_t pad_;
	struct vm_space *creator;     /* memory objects: charged for it (NULL once it ended) */
	uint64_t charge;              /* bytes charged to @creator */
	struct vm_quota *orphan;      /* after @creator ended: the pool still paying @charge */
	struct vm_object *prev, *next;   /* the creator's list, or the page cache's */
	const uint8_t *data;          /* files: the bytes (in the archive) */
	uint64_t file_size;
	char name[33];                /* files */
};

/* A handle: the number a task names an object by, and its rights. */
struct vm_handle {
	uint64_t id;
	struct vm_object *obj;
	unsigned rights;
	struct vm_handle *next;
};

/* Metadata charged per handle and per pending grant. */
#define VM_HANDLE_META ((uint64_t)sizeof(struct vm_handle))
#define VM_GRANT_META  64ull

/* A new object of @kind and @size bytes (a page multiple), no references, no pages; NULL if no memory. */
struct vm_object *vm_object_new(unsigned kind, uint64_t size);
/* Release and free an object (its pages go). */
void vm_object_free(struct vm_object *obj);
/* The page at @idx of @obj (filled from the file, or zeroed), with the object's reference.  0 or -MNEME_E*. */
int vm_object_page(struct vm_object *obj, uint64_t idx, uint64_t *pfn);
/* The page at @idx if the object has one, else 0. */
uint64_t vm_object_lookup(const struct vm_object *obj, uint64_t idx);
void vm_object_get(struct vm_object *obj);
/* Release what an object holds (its pages, its table); the caller frees the struct. */
void vm_object_release(struct vm_object *obj);
/* Drop one page of @obj that no mapping uses (the page cache's shrinking). */
void vm_object_drop_page(struct vm_object *obj, uint64_t idx);
/* Could @s make one more grant?  0, -MNEME_ENOMEM (MNEME_MM_MAX_GRANTS pending), -MNEME_EQUOTA. */
int vm_grant_check(struct vm_space *s);
/* A SHARE grant of [addr, addr + len) of @s to task @to_id with @rights (vm_grant_check() passed). */
int vm_grant_share(struct vm_space *s, uint64_t addr, uint64_t len, unsigned rights, uint64_t to_id,
		   uint64_t *grant);
/* The SHARE grant @grant made to @s: who offers what.  0 or -MNEME_ENOENT. */
int vm_grant_share_take(struct vm_space *s, uint64_t grant, struct vm_space **from,
			uint64_t *addr, uint64_t *len, unsigned *rights);
/* The SHARE grant @grant to @s was accepted: it goes. */
void vm_grant_share_done(struct vm_space *s, uint64_t grant);
/* Close every handle and grant of @s, and let go of the objects it created (space end). */
void vm_objects_exit(struct vm_space *s);
/* Bytes charged to @s for objects, handles and grants (the checker's sum). */
uint64_t vm_objects_charge(const struct vm_space *s);
int vm_object_init(void);
/* Call @fn on every cached file (the checker). */
void vm_pagecache_for_each(void (*fn)(struct vm_object *obj, void *ctx), void *ctx);

#endif

/*
 * The memory server's view of one task's address space: its regions, the
 * frames behind them, its accounting and quota, and the decoding and
 * performing of the memory requests of <mneme/mm_proto.h>.
 *
 * Portable C over the mm core (mm/gfp.h, mm/slab.h); no dependency on the
 * core of the system.  Everything that touches a real page table goes
 * through the small backend interface (vm_backend.h), which the server
 * implements with the core's map/unmap/protect calls and the host tests
 * fake.
 *
 * Pieces:
 *   region_tree.c  regions of a space in an AVL tree keyed by start,
 *                  augmented with the largest free gap of each subtree
 *                  (O(log n) lookup, insert, remove, first-fit placement)
 *   frame_table.c  which frame backs which page: a three-level radix of
 *                  pfns per space (the server's shadow of the page
 *                  tables) and frame ownership through struct page's
 *                  owner field (reference counts for single frames,
 *                  struct vm_block for multi-page blocks)
 *   frame.c        frame ownership (reference counts, blocks, the shared
 *                  zero page) and the entries of a space (frame table +
 *                  reference + reverse map in one step)
 *   rmap.c         the reverse map: every mapping of every frame, in
 *                  struct page plus a side table of nodes
 *   object.c       memory objects, their handles and grants
 *   pagecache.c    the page cache of the boot archive's files
 *   space.c        spaces, accounting and quota, reclaim, the checker
 *   fault.c        faults: demand zero, the zero page, copy-on-write,
 *                  file and object pages
 *   clone.c        copying a space (or a range of it) copy-on-write
 *   ops.c          map / unmap / protect / share
 *   request.c      decode a request (pure), then perform it
 *
 * Not reentrant: the server serialises every call.
 */
#ifndef MMSERVER_VM_H
#define MMSERVER_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mneme/mm_proto.h>
#include "mm/page.h"
#include "mm/mempolicy.h"

#define VM_PAGE_SIZE  MNEME_MM_PAGE_SIZE
#define VM_HUGE_SIZE  MNEME_MM_HUGE_SIZE
#define VM_HUGE_PAGES (VM_HUGE_SIZE / VM_PAGE_SIZE)
/* Every address a space can hold lies below this (three radix levels of 512). */
#define VM_VA_LIMIT   (1ULL << 39)

/*
 * Region kinds.  VM_ANON is private memory: its pages read as zeroes (the
 * shared zero page until written) or, with a file behind it, as the
 * file's cached pages, and a write makes a private copy; after a clone
 * its pages are copy-on-write between the spaces.  VM_SHARED and
 * VM_OBJECT are shared mappings: every space that maps them sees every
 * write.
 */
enum vm_kind {
	VM_ANON = 1,     /* private: zero-fill or a file's pages, copy-on-write */
	VM_BLOCK = 2,    /* an ALLOC_PAGES block or a MAP_CONTIG range, backed at creation */
	VM_SHARED = 3,   /* frames shared in from another task, backed at creation */
	VM_OBJECT = 4,   /* a shared mapping of a memory object or a cached file, on first touch */
};

struct vm_object;

/* Region flags. */
#define VM_R_HUGE     0x1u   /* use 2 MiB pages for aligned chunks */
#define VM_R_POPULATE 0x2u   /* was populated up front (informational) */
#define VM_R_SERVER   0x4u   /* made by the server (image, stack): may lie outside the window */
#define VM_R_LOCKED   0x8u   /* never reclaimed: the core reads and writes it (the IPC buffer) */

struct vm_region {
	uint64_t start, end;          /* [start, end), page-aligned, end > start */
	uint32_t prot;                /* current rights (MNEME_PROT_*) */
	uint32_t maxprot;             /* rights it may ever get (shared-in: as granted) */
	uint16_t kind;                /* enum vm_kind */
	uint16_t flags;               /* VM_R_* */
	uint32_t pad_;
	uint64_t cost;                /* bytes charged to the space for this region */
	/* AVL tree, augmented with gaps (region_tree.c) */
	struct vm_region *left, *right;
	uint64_t gap;                 /* start - end of the previous region (or start) */
	uint64_t max_gap;             /* largest gap in this subtree */
	int32_t height;
	uint32_t pad2_;
	struct vm_object *obj;        /* VM_OBJECT: what it maps; VM_ANON: the file it copies (or NULL) */
	uint64_t pgoff;               /* page of @obj mapped at @start */
	struct mempolicy policy;      /* MBIND's (MPOL_DEFAULT: the space's) for pages made later */
};

/* A multi-page block of frames (buddy block of order >= 1, or a contiguous range). */
struct vm_block {
	uint64_t pfn;                 /* first frame */
	uint64_t nr;                  /* frames */
	uint64_t refs;                /* mapped pages referring to it, in every space */
	uint64_t charge;              /* bytes charged to @owner for it */
	struct vm_space *owner;       /* who allocated it (NULL once that task died) */
	struct vm_quota *orphan;      /* after @owner died: the pool still paying @charge */
	struct vm_block *prev, *next; /* the owner's list of blocks */
	uint32_t order;               /* buddy order, or VM_BLOCK_CONTIG */
	uint32_t pad_;
};
#define VM_BLOCK_CONTIG 0xffffffffu

/*
 * A quota: bytes a task tree may hold (quota.c).  Spaces draw on it;
 * pools carved from it are charged their whole limit; charges of ended
 * members that others still use (orphans) stay on it until they go.
 */
struct vm_quota {
	uint64_t limit;               /* bytes */
	uint64_t charged;             /* spaces' charges + carved limits + orphans */
	uint64_t orphaned;            /* of which: what ended members still pay for */
	uint64_t refs;                /* spaces, carved pools, orphans */
	struct vm_quota *parent;      /* carved from (NULL: a root) */
};

/* The accounting of a space (what USAGE reports, see struct mneme_mm_usage). */
struct vm_account {
	uint64_t charged, peak, failed;     /* the quota is the pool's (struct vm_quota) */
	uint64_t base;                /* fixed + regions' metadata and owned frames + blocks */
	uint64_t pt_est;              /* page-table estimate of the regions (bytes) */
	uint64_t resident;            /* pages with a frame in the frame table */
	uint64_t mapped;              /* bytes in regions */
	uint64_t pt_pages;            /* page-table frames donated to the core */
	uint64_t meta_bytes;          /* metadata charged (within charged) */
	uint64_t faults, shared, huge;
	uint64_t swapped;             /* pages in the compressed store (frame-table entries naming it) */
};

struct vm_handle;
struct vm_grant;

struct vm_space {
	struct vm_region *root;       /* region tree */
	uint64_t nr_regions;
	uint64_t *ftab;               /* frame table: top radix node (NULL until the first frame) */
	uint64_t ftab_nodes;          /* radix nodes allocated */
	struct vm_block *blocks;      /* blocks this space allocated */
	struct page_list pt_frames;   /* page-table frames donated to the core for it (page->next/prev) */
	struct vm_quota *quota;       /* the pool it draws on (its own, or its parent's) */
	struct vm_account acct;
	uint64_t id;                  /* the server's task id (for SHARE and the backend) */
	void *cookie;                 /* the server's task handle or slot (backend's use) */
	struct vm_space *hash_next;   /* vm_space_lookup() */
	uint32_t index;               /* names the space in reverse-map records (1 .. VM_MAX_SPACES - 1) */
	uint32_t nr_handles;
	struct vm_handle *handles;    /* memory-object handles it holds (object.c) */
	uint64_t next_handle;         /* the number its next handle gets (never reused) */
	struct vm_object *objects;    /* memory objects it created and is charged for */
	uint64_t nr_grants;           /* grants it made that wait to be accepted */
	struct vm_region *last_found; /* the region the last fault found (vm_region_find_cached) */
	struct mempolicy policy;      /* SET_MEMPOLICY's (MPOL_DEFAULT: local allocation) */
	uint64_t il_next;             /* interleave turn of blocks outside regions (ALLOC_PAGES, MAP_CONTIG) */
	int32_t oom_score_adj;        /* -1000 (never chosen) .. 1000 (chosen first), given at spawn */
	uint32_t pad_;
};

/* Spaces alive at once (reverse-map records name a space by a 16-bit index). */
#define VM_MAX_SPACES 1024

/* ---- Spaces ------------------------------------------------------------ */

/* Set up the slab caches of this module (once, after kmem_cache_init()). 0 or -MNEME_ENOMEM. */
int vm_init(void);
/*
 * An empty space for task @id (unique among live spaces) with a quota of
 * its own of @quota bytes (0 = MNEME_MM_QUOTA_DEFAULT): a root; @cookie is
 * for the backend (on mneme: the server's task handle).  NULL if out of
 * memory, @id is taken, or the root is not admitted (vm_quota_admit()).
 */
struct vm_space *vm_space_create(uint64_t id, void *cookie, uint64_t quota);
/* The same, drawing on the pool @q (a reference of its own is taken). */
struct vm_space *vm_space_create_in(uint64_t id, void *cookie, struct vm_quota *q);

/* ---- Quotas per task tree (quota.c) ------------------------------------- */

int vm_quota_init(void);
/*
 * May a new root quota of @limit bytes be given?  The hook where the sum of
 * what tasks may take is admitted against what exists (the commit
 * accounting of memory pressure); today every root is admitted.
 */
bool vm_quota_admit(uint64_t limit);
/* A root pool of @limit bytes, with one reference for the caller; NULL if not admitted or no memory. */
struct vm_quota *vm_quota_root(uint64_t limit);
/* Can @q take @bytes more? */
bool vm_quota_fits(const struct vm_quota *q, uint64_t bytes);
/*
 * A pool of @limit bytes carved out of @parent (charged there while it
 * lives), with one reference for the caller: 0, -MNEME_EQUOTA (@parent
 * cannot spare it) or -MNEME_ENOMEM.
 */
int vm_quota_carve(struct vm_quota *parent, uint64_t limit, struct vm_quota **out);
void vm_quota_get(struct vm_quota *q);
/* Drop a reference; the last gives a carved pool's limit back to its parent. */
void vm_quota_put(struct vm_quota *q);
/* @q keeps paying @bytes of a member that ended (a reference until vm_quota_orphan_end()). */
void vm_quota_orphan(struct vm_quota *q, uint64_t bytes);
void vm_quota_orphan_end(struct vm_quota *q, uint64_t bytes);
/* The live space of task @id, or NULL. */
struct vm_space *vm_space_lookup(uint64_t id);
/*
 * Give back everything the space holds: every region, every frame it is
 * the last user of, the frame table, the page-table frames donated for it
 * (call only when the core no longer uses them: after the task's EXIT),
 * and the space itself.  Never allocates, never fails.
 */
void vm_space_destroy(struct vm_space *s);
/* Record a page-table frame (from alloc_pages) donated to the core for @s; destroy frees it.  Returns 0. */
int vm_space_pt_donated(struct vm_space *s, uint64_t pfn);
/* The core gave back page-table frame @pfn of @s (pt_reclaim): it is freed and no longer charged. */
void vm_space_pt_returned(struct vm_space *s, uint64_t pfn);
/* Fill @u from the space's accounting. */
void vm_space_usage(const struct vm_space *s, struct mneme_mm_usage *u);
/*
 * Check every invariant of @s (tree order, balance and gaps, region
 * bounds, the charge equal to the sum of its parts, frames only inside
 * regions).  Returns 0 or -MNEME_ECORRUPT with the first violation in @why.
 */
int vm_space_check(const struct vm_space *s, char *why, size_t len);

/* ---- Faults ------------------------------------------------------------ */

struct vm_fault_result {
	uint64_t va;                  /* mapping to install: page or 2 MiB chunk address */
	uint64_t pa;
	unsigned shift;               /* 12 or 21 */
	unsigned prot;
	bool resume;                  /* the page table is already right: resume, map nothing */
};
/*
 * Resolve a page fault at @addr with @access (MNEME_PROT_*) and say what
 * to map (the server replies MAP_RESUME with it, or RESUME when
 * @res->resume).  A lazy page of a private region gets the shared zero
 * page on a read and a zeroed frame on a write (a 2 MiB block for a huge
 * chunk, whatever the access), or the file's cached page (read) or a copy
 * of it (write); a page of a shared object gets the object's page.  A
 * write to a copy-on-write page copies it, or makes it writable when the
 * faulting mapping is its only user.  Returns 0, or -MNEME_EFAULT (no
 * region, or rights violated: kill the task), -MNEME_ENOMEM (no frame:
 * kill the task).  A page already backed is reported again (the mapping
 * was lost, or two threads faulted on it).
 */
int vm_fault(struct vm_space *s, uint64_t addr, unsigned access, struct vm_fault_result *res);
/*
 * Do now, for the task, what its fault at @va with @access would do, and
 * map the result (the server prefaults what every task touches first: the
 * top of its stack, the start of its bss).  0 or -MNEME_E*.
 */
int vm_prefault(struct vm_space *s, uint64_t va, unsigned access);

/* ---- Operations (ops.c); each checks everything first, then performs --- */

/* What a mapping request asks for, decoded. */
struct vm_map_req {
	uint64_t addr;                /* hint or exact address (fixed) */
	uint64_t len;
	unsigned prot;
	bool fixed, populate, huge, zero;
	enum vm_kind kind;            /* VM_ANON or VM_BLOCK */
	/* VM_BLOCK: either a buddy block of @order from @gfp zones, or a contiguous range */
	bool contig;
	unsigned order;
	unsigned zone;                /* MNEME_MM_ZONE_* or 0 */
	uint64_t phys_limit, phys_align;
	uint16_t rflags;              /* extra VM_R_* (VM_R_SERVER) */
	/* VM_OBJECT (shared) or VM_ANON copying a file (private): pages of @obj from @pgoff */
	struct vm_object *obj;
	uint64_t pgoff;
	unsigned maxprot;             /* rights the region may ever get (0 = any) */
	bool copy;                    /* with populate: private pages copied now (writable), not shared */
	/*
	 * VM_BLOCK: the policy it is allocated under (NULL: the space's) and
	 * the interleave index; VM_ANON: the new region's own policy (NULL:
	 * DEFAULT).  @nodes: the request's MNEME_MM_NODES mask (0: none),
	 * made into @pol by the request's perform step.
	 */
	const struct mempolicy *pol;
	uint64_t ilx;
	uint64_t nodes;
};

/* Map per @req.  *va (and *pa for blocks) receive the result.  0 or -MNEME_E*, nothing changed on error. */
int vm_map(struct vm_space *s, const struct vm_map_req *req, uint64_t *va, uint64_t *pa);
int vm_unmap(struct vm_space *s, uint64_t addr, uint64_t len);
int vm_protect(struct vm_space *s, uint64_t addr, uint64_t len, unsigned prot);
/*
 * Policy @pol (checked by mpol_new) for the pages of [addr, addr + len)
 * made from now on: regions split as needed, neighbours with the same
 * policy merged.  0, -MNEME_ENOENT (a page outside every region), or the
 * errors of a split.
 */
int vm_mbind(struct vm_space *s, uint64_t addr, uint64_t len, const struct mempolicy *pol);
/*
 * SHARE: offer [addr, addr + len) of @s to task @to_id with @prot; *grant
 * receives the number the receiver accepts it with.  The receiver gets
 * and pays for nothing before it accepts.
 */
int vm_share(struct vm_space *s, uint64_t addr, uint64_t len, uint64_t to_id, unsigned prot,
	     uint64_t *grant);
/*
 * SHARE_ACCEPT: map the range SHARE grant @grant offers @s (charged to @s,
 * placed by the server); *va, *len and *prot receive where, how long and
 * with which rights.  The grant is used up.  -MNEME_ENOENT if there is no
 * such grant for @s, or the sharer no longer maps the whole range.
 */
int vm_share_accept(struct vm_space *s, uint64_t grant, uint64_t *va, uint64_t *len, unsigned *prot);
/*
 * vm_share() to the fixed, free, page-aligned address @at of @to (the
 * server's spawn-time share; no placement).  0 or -MNEME_E*.
 */
int vm_share_at(struct vm_space *s, uint64_t addr, uint64_t len, struct vm_space *to, unsigned prot,
		uint64_t at);
/*
 * Record @pfn (a frame the server allocated with alloc_page and filled,
 * e.g. for a start block) as backing page @va of the VM_ANON region
 * containing @va, and map it.  The frame is the space's from then on:
 * on failure it has been freed.  0 or -MNEME_E*.
 */
int vm_insert_frame(struct vm_space *s, uint64_t va, uint64_t pfn);
/*
 * vm_insert_frame() mapped with @prot rather than the region's rights
 * (a vm_protect() of the page to @prot follows: MAP_CHILD).
 */
int vm_insert_frame_as(struct vm_space *s, uint64_t va, uint64_t pfn, unsigned prot);
/*
 * Could vm_insert_frame() put a frame at @va of @s, and vm_protect() give
 * it @prot?  -MNEME_EINVAL (no VM_ANON region there, or misaligned),
 * -MNEME_EBUSY (a page is there already), -MNEME_EPERM (beyond the
 * region's maximum rights), 0.  Changes nothing.
 */
int vm_insert_check(struct vm_space *s, uint64_t va, unsigned prot);
/* Rights a page can have: 0, or READ with at most one of WRITE and EXEC. */
bool vm_rights_ok(uint64_t prot);

/*
 * Copy the regions of @from that lie in [start, end) (cut to it) into @to
 * at the same addresses, as fork does: private memory becomes
 * copy-on-write in both (a page mapped writable elsewhere, e.g. shared
 * out with SHARE, is copied for @to at once), shared mappings stay
 * shared, ALLOC_PAGES blocks and contiguous ranges are copied into
 * private memory of @to (the block stays physically contiguous for
 * @from).  2 MiB mappings stay 2 MiB and copy-on-write (split when
 * written, see fault.c).  @to is charged for everything it gets (strict
 * commit: every page may become its own).  @to's page tables fill on
 * its faults.  0 or -MNEME_E*; on failure @to may hold part of the copy
 * (the caller destroys it) and @from is unchanged but for pages now
 * write-protected (they become writable again on the next write).
 */
int vm_clone(struct vm_space *from, struct vm_space *to, uint64_t start, uint64_t end);

/* What a task may learn about one of its pages (QUERY). */
struct vm_page_info {
	uint64_t pa;                  /* physical address of the page (0: no frame yet) */
	unsigned prot;                /* rights the page table gives now (copy-on-write pages lack WRITE) */
	unsigned flags;               /* MNEME_MM_Q_* */
	uint64_t mapcount;            /* mappings of the frame, in every space */
};
/* Describe page @va of @s.  0 or -MNEME_ENOENT (not in a region). */
int vm_query(struct vm_space *s, uint64_t va, struct vm_page_info *info);

/* ---- Memory objects (object.c) and cached files (pagecache.c) ---------- */

/*
 * A memory object of @size bytes (zero-filled, pages on first touch),
 * charged to @s; *handle receives a handle with @rights in @s.
 */
int vm_object_create(struct vm_space *s, uint64_t size, unsigned rights, uint64_t *handle);
/*
 * Map [off, off + req->len) of the object behind @handle into @s (shared:
 * every mapper sees every write), rights req->prot no more than the
 * handle's.  *va receives the address.
 */
int vm_object_map(struct vm_space *s, uint64_t handle, uint64_t off, const struct vm_map_req *req,
		  uint64_t *va);
/* Close a handle (the object goes with its last handle and mapping). */
int vm_object_close(struct vm_space *s, uint64_t handle);
/*
 * Offer the object behind @handle, with @rights (no more than the
 * handle's), to task @to_id; *grant receives the number that task
 * accepts it with.
 */
int vm_object_grant(struct vm_space *s, uint64_t handle, unsigned rights, uint64_t to_id,
		    uint64_t *grant);
/* Accept grant @grant made to @s: a new handle, the object's size and the rights. */
int vm_object_accept(struct vm_space *s, uint64_t grant, uint64_t *handle, uint64_t *size,
		     unsigned *rights);

/* The cached file @name of the boot archive, with a reference for the caller. */
int vm_file_get(const char *name, struct vm_object **obj);
/* Drop a reference to an object (the caller's, from vm_file_get). */
void vm_object_put(struct vm_object *obj);
/* The file's size in bytes. */
uint64_t vm_file_size(const struct vm_object *obj);
/*
 * Map file @name privately (MNEME_MM_PRIVATE in req->rflags' sense:
 * @private, copy-on-write) or shared read-only, from byte @off; *va and
 * *size (the file's) receive the results.
 */
int vm_map_file(struct vm_space *s, const char *name, uint64_t off, bool private,
		const struct vm_map_req *req, uint64_t *va, uint64_t *size);
/* Drop every cached page no task maps, and every file left without pages or users; returns pages freed. */
uint64_t vm_pagecache_shrink(void);
/* Pages in the page cache (meminfo "Cached:"). */
uint64_t vm_pagecache_pages(void);
/* The page cache per file as text (STATS PAGECACHE), like snprintf into @buf. */
size_t vm_pagecache_dump(char *buf, size_t len);

/* ---- Reverse map (rmap.c): for reclaim, compaction and migration -------- */

/* One mapping of a frame: 4 KiB at @va, or the 2 MiB chunk at @va holding it (@huge). */
typedef int (*vm_rmap_fn)(struct vm_space *s, uint64_t va, bool huge, void *ctx);
/*
 * Call @fn for each mapping of frame @pfn, in every space: its own 4 KiB
 * mappings and the 2 MiB mappings of the chunk holding it.  Stops at, and
 * returns, the first nonzero value @fn returns; 0 otherwise.  @fn must
 * not change the frame's mappings (vm_rmap_unmap_all does).
 */
int vm_rmap_walk(uint64_t pfn, vm_rmap_fn fn, void *ctx);
/* Mappings of frame @pfn (as vm_rmap_walk counts them). */
uint64_t vm_frame_mapcount(uint64_t pfn);
/*
 * Unmap frame @pfn from every space that maps it: each mapping goes from
 * the frame table and the page table, with its reference (a 2 MiB
 * mapping of its chunk is first split into 4 KiB ones).  The next touch
 * of such a page faults as if it had never been touched (private pages:
 * the caller must have saved them; shared and cached pages come back
 * from their object).  Returns the number of mappings removed, or
 * -MNEME_ENOMEM (a split failed; mappings removed so far stay removed).
 */
int vm_rmap_unmap_all(uint64_t pfn);
/*
 * The whole-system check: every live space (vm_space_check), every entry
 * against the reverse map and the page table, every task frame's
 * reference and mapping counts, the zero page still zero.  0 or
 * -MNEME_ECORRUPT with the first violation in @why.
 */
int vm_check_all(char *why, size_t len);

/* ---- Memory pressure (reclaim.c, lru.c, swap.c, compact.c) ------------- */

/* Events, in the names of Linux's /proc/vmstat where the concept is the same. */
struct vm_vmstat {
	uint64_t pgactivate, pgdeactivate, pgrefill;
	uint64_t pgsteal_kswapd, pgsteal_direct, pgscan_kswapd, pgscan_direct;
	uint64_t pgscan_anon, pgscan_file, pgsteal_anon, pgsteal_file;
	uint64_t allocstall;          /* direct reclaim entered (Linux counts it per zone) */
	uint64_t pageoutrun;          /* background reclaim slices */
	uint64_t kswapd_wake;
	uint64_t zswpin, zswpout;
	uint64_t pgmigrate_success, pgmigrate_fail;
	uint64_t compact_migrate_scanned, compact_free_scanned, compact_isolated;
	uint64_t compact_stall, compact_fail, compact_success;
	uint64_t aging_passes;        /* accessed-bit harvests (mneme's own) */
};
extern struct vm_vmstat vm_vmstat;

/*
 * The compressed store's size (meminfo SwapTotal) and its pool limit, in
 * pages; set at start from the boot command line (the server's zstore=,
 * zstore.max_pool_percent=).  0 turns the store off: anonymous pages then
 * stay where they are and only caches are reclaimed.
 */
void vm_reclaim_configure(uint64_t store_pages, uint64_t pool_pages);
/* Bit n: node n went below its wake mark since its kswapd last looked (the server polls it). */
extern uint64_t vm_kswapd_kick;
/* Is node @nid below the mark where background reclaim starts? */
bool vm_kswapd_wanted(int nid);
/*
 * One slice of background reclaim on node @nid (kswapd's work item: the
 * server runs it between requests): up to 32 pages.  True if the node is
 * still below its target and reclaim made progress (ask again).
 */
bool vm_kswapd_work(int nid);
/* Reclaim up to @nr pages from every node now (tests; the server's own use).  Returns pages freed. */
uint64_t vm_reclaim_now(uint64_t nr);
/*
 * The OOM killer's measure of @s: pages it would free if it died --
 * resident, in the compressed store, page tables -- and its
 * oom_score_adj in thousandths of the machine (Linux's oom_badness).
 * 0 with oom_score_adj -1000: never chosen.
 */
uint64_t vm_oom_points(const struct vm_space *s);

/* ---- Commit accounting (commit.c) ----------------------------------------- */

/* Linux's vm.overcommit_memory values. */
enum vm_overcommit {
	VM_OVERCOMMIT_GUESS = 0,      /* heuristic: refuse only what could never fit */
	VM_OVERCOMMIT_ALWAYS = 1,     /* refuse nothing up front */
	VM_OVERCOMMIT_NEVER = 2,      /* refuse past CommitLimit: accepted memory is always backed */
};
/* Bytes every space has charged (meminfo Committed_AS). */
extern uint64_t vm_committed;
/* Choose the mode and overcommit_ratio (percent of RAM, 0..100).  0 or -MNEME_EINVAL. */
int vm_commit_configure(enum vm_overcommit mode, unsigned ratio);
enum vm_overcommit vm_commit_mode(void);
/* CommitLimit in pages: RAM * ratio / 100 (the compressed store is no promise: not counted). */
uint64_t vm_commit_limit(void);
/* May the tasks commit @bytes more?  (vm_charge_check asks; a refusal is -MNEME_ENOMEM.) */
bool vm_commit_allows(uint64_t bytes);

/* ---- Requests (request.c) ---------------------------------------------- */

/* A request as received: label, words and a copy of the extra words. */
struct vm_msg {
	uint32_t label;
	unsigned extra;               /* extra words in @x */
	bool handle;                  /* a handle was transferred */
	uint64_t w[4];
	const uint64_t *x;            /* extra words (may be NULL when extra is 0) */
};

/* The reply: status, words and extra words written to @x. */
struct vm_reply {
	int64_t status;
	uint64_t w[4];
	unsigned extra;               /* extra words written to @x */
	uint64_t *x;                  /* where extra words go (MNEME_IPC_BUFFER_WORDS of room) */
};

/* A decoded memory request (pure decode: no state consulted). */
struct vm_req {
	uint32_t label;
	struct vm_map_req map;        /* ALLOC_PAGES, MAP_ANON, MAP_CONTIG, MAP_FILE, OBJ_MAP */
	uint64_t addr, len;           /* UNMAP, PROTECT, SHARE, QUERY; OBJ_CREATE: len = size */
	unsigned prot;                /* PROTECT, SHARE, OBJ_CREATE, OBJ_GRANT */
	uint64_t target;              /* SHARE, OBJ_GRANT: task id */
	unsigned what;                /* STATS */
	unsigned node;                /* STATS: the node of a node view */
	uint64_t offset;              /* STATS; MAP_FILE, OBJ_MAP: byte offset */
	uint64_t handle;              /* OBJ_MAP, OBJ_CLOSE, OBJ_GRANT; OBJ_ACCEPT: the grant */
	bool private;                 /* MAP_FILE */
	char name[33];                /* MAP_FILE */
	unsigned mode;                /* SET_MEMPOLICY, MBIND: MNEME_MM_MPOL_*; GET_MEMPOLICY: flags */
	uint64_t nodes;               /* SET_MEMPOLICY, MBIND: the node mask */
};

/* True if @label is a memory request this module serves. */
bool vm_request_label(uint32_t label);
/* Decode @m into @req (state-free checks).  0 or -MNEME_E*. */
int vm_request_decode(const struct vm_msg *m, struct vm_req *req);
/* Perform a decoded request for @s; fills @out (status included). */
void vm_request_perform(struct vm_space *s, const struct vm_req *req, struct vm_reply *out);
/* Decode then perform; the whole reply in @out. */
void vm_request(struct vm_space *s, const struct vm_msg *m, struct vm_reply *out);

/* ---- Lifecycle requests (spawn.c): decoded here, performed by the server ---- */

struct vm_spawn_req {
	char prog[33];                /* NUL-terminated program name */
	char args[MNEME_MM_SPAWN_ARGS_MAX + 1];   /* NUL-terminated argument string */
	unsigned flags;               /* MNEME_MM_SPAWN_* */
	uint64_t quota;               /* bytes (0 = default) */
	uint64_t share_va;            /* with MNEME_MM_SPAWN_SHARE */
	uint64_t clone_start, clone_len;   /* with MNEME_MM_SPAWN_CLONE: the range (0, 0: everything) */
	bool handle;                  /* a handle came with the request */
	int oom_score_adj;            /* -1000 .. 1000 */
};

bool vm_lifecycle_label(uint32_t label);
/*
 * Decode a SPAWN: name (1..32 bytes, NUL-padded; with SPAWN_CLONE the
 * range instead, and no name), flags, oom_score_adj, quota, share
 * address, arguments (NUL-terminated in the extra words).  0 or -MNEME_E*.
 */
int vm_spawn_decode(const struct vm_msg *m, struct vm_spawn_req *req);
/*
 * Decode STATUS, KILL, MAP_CHILD or PING (unused words 0, no extras, no
 * handle; MAP_CHILD: page-aligned address, rights, fill byte); *child
 * receives word 0.  0 or -MNEME_E*.
 */
int vm_lifecycle_decode(const struct vm_msg *m, uint64_t *child);

/* Render the caller's regions as text (STATS MAPS); returns bytes, like snprintf into @buf. */
size_t vm_maps_dump(const struct vm_space *s, char *buf, size_t len);

#endif

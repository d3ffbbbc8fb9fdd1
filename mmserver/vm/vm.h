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
 *   space.c        spaces, accounting and quota, faults, reclaim
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

#define VM_PAGE_SIZE  MNEME_MM_PAGE_SIZE
#define VM_HUGE_SIZE  MNEME_MM_HUGE_SIZE
#define VM_HUGE_PAGES (VM_HUGE_SIZE / VM_PAGE_SIZE)
/* Every address a space can hold lies below this (three radix levels of 512). */
#define VM_VA_LIMIT   (1ULL << 39)

/* Region kinds. */
enum vm_kind {
	VM_ANON = 1,     /* zero-filled, frames on first touch or populated; owns its frames */
	VM_BLOCK = 2,    /* an ALLOC_PAGES block or a MAP_CONTIG range, backed at creation */
	VM_SHARED = 3,   /* frames shared in from another task, backed at creation */
};

/* Region flags. */
#define VM_R_HUGE     0x1u   /* use 2 MiB pages for aligned chunks */
#define VM_R_POPULATE 0x2u   /* was populated up front (informational) */
#define VM_R_SERVER   0x4u   /* made by the server (image, stack): may lie outside the window */

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
};

/* A multi-page block of frames (buddy block of order >= 1, or a contiguous range). */
struct vm_block {
	uint64_t pfn;                 /* first frame */
	uint64_t nr;                  /* frames */
	uint64_t refs;                /* mapped pages referring to it, in every space */
	uint64_t charge;              /* bytes charged to @owner for it */
	struct vm_space *owner;       /* who allocated it (NULL once that task died) */
	struct vm_block *prev, *next; /* the owner's list of blocks */
	uint32_t order;               /* buddy order, or VM_BLOCK_CONTIG */
	uint32_t pad_;
};
#define VM_BLOCK_CONTIG 0xffffffffu

/* The accounting of a space (what USAGE reports, see struct mneme_mm_usage). */
struct vm_account {
	uint64_t charged, quota, peak, failed;
	uint64_t base;                /* fixed + regions' metadata and owned frames + blocks */
	uint64_t pt_est;              /* page-table estimate of the regions (bytes) */
	uint64_t resident;            /* pages with a frame in the frame table */
	uint64_t mapped;              /* bytes in regions */
	uint64_t pt_pages;            /* page-table frames donated to the core */
	uint64_t meta_bytes;          /* metadata charged (within charged) */
	uint64_t faults, shared, huge;
};

struct vm_space {
	struct vm_region *root;       /* region tree */
	uint64_t nr_regions;
	uint64_t *ftab;               /* frame table: top radix node (NULL until the first frame) */
	uint64_t ftab_nodes;          /* radix nodes allocated */
	struct vm_block *blocks;      /* blocks this space allocated */
	uint64_t pt_head;             /* donated page-table frames: a list through page->owner */
	struct vm_account acct;
	uint64_t id;                  /* the server's task id (for SHARE and the backend) */
	void *cookie;                 /* the server's task handle or slot (backend's use) */
	struct vm_space *hash_next;   /* vm_space_lookup() */
};

/* ---- Spaces ------------------------------------------------------------ */

/* Set up the slab caches of this module (once, after kmem_cache_init()). 0 or -MNEME_ENOMEM. */
int vm_init(void);
/*
 * An empty space for task @id (unique among live spaces) with @quota bytes
 * (0 = MNEME_MM_QUOTA_DEFAULT); @cookie is for the backend (on mneme: the
 * server's task handle).  NULL if out of memory or @id is taken.
 */
struct vm_space *vm_space_create(uint64_t id, void *cookie, uint64_t quota);
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
};
/*
 * Resolve a page fault at @addr with @access (MNEME_PROT_*): for a lazy
 * page of an anonymous region with the rights, take a zeroed frame (or a
 * 2 MiB block for a huge chunk), record it, and say what to map (the
 * server replies MAP_RESUME with it).  Returns 0, or -MNEME_EFAULT (no
 * region, or rights violated: kill the task), -MNEME_ENOMEM (no frame:
 * kill the task).  A page already backed is reported again (the mapping
 * was lost, or two threads faulted on it).
 */
int vm_fault(struct vm_space *s, uint64_t addr, unsigned access, struct vm_fault_result *res);

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
};

/* Map per @req.  *va (and *pa for blocks) receive the result.  0 or -MNEME_E*, nothing changed on error. */
int vm_map(struct vm_space *s, const struct vm_map_req *req, uint64_t *va, uint64_t *pa);
int vm_unmap(struct vm_space *s, uint64_t addr, uint64_t len);
int vm_protect(struct vm_space *s, uint64_t addr, uint64_t len, unsigned prot);
/* Share [addr, addr + len) of @s into @to with @prot; *to_va receives the address there. */
int vm_share(struct vm_space *s, uint64_t addr, uint64_t len, struct vm_space *to, unsigned prot,
	     uint64_t *to_va);
/*
 * vm_share() to the fixed, free, page-aligned address @at of @to (the
 * server's spawn-time share; no placement).  0 or -MNEME_E*.
 */
int vm_share_at(struct vm_space *s, uint64_t addr, uint64_t len, struct vm_space *to, unsigned prot,
		uint64_t at);
/*
 * Record @pfn (a frame the server allocated with alloc_page and filled,
 * e.g. for a program image) as backing page @va of the VM_ANON region
 * containing @va, and map it.  0 or -MNEME_E*.
 */
int vm_insert_frame(struct vm_space *s, uint64_t va, uint64_t pfn);

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
	struct vm_map_req map;        /* ALLOC_PAGES, MAP_ANON, MAP_CONTIG */
	uint64_t addr, len;           /* UNMAP, PROTECT, SHARE */
	unsigned prot;                /* PROTECT, SHARE */
	uint64_t target;              /* SHARE: task id */
	unsigned what;                /* STATS */
	uint64_t offset;              /* STATS */
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
	bool handle;                  /* a handle came with the request */
};

bool vm_lifecycle_label(uint32_t label);
/*
 * Decode a SPAWN: name (1..32 bytes, NUL-padded), flags, quota, share
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

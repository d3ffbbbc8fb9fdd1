/*
 * Internals shared by the files of the vm module (see vm.h for the map).
 */
#ifndef MMSERVER_VM_INTERNAL_H
#define MMSERVER_VM_INTERNAL_H

#include <stdarg.h>
#include "mm/gfp.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "vm.h"
#include "vm_backend.h"

/* gfp of the server's own metadata: may dip into the reserve below the min watermark. */
#define VM_GFP_META (GFP_KERNEL | __GFP_HIGH | __GFP_NOWARN)
/* gfp of frames given to tasks: stop at the watermark, always zeroed (no data leaks). */
#define VM_GFP_USER (GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_NOWARN)

/* What a region costs besides its frames, and the space's fixed cost. */
#define VM_REGION_META  ((uint64_t)sizeof(struct vm_region))
#define VM_SPACE_FIXED  (2 * VM_PAGE_SIZE + (uint64_t)sizeof(struct vm_space))

/* Report @fmt into @why; returns -MNEME_ECORRUPT. */
int vm_fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* region_tree.c */
struct vm_region *vm_region_find(const struct vm_space *s, uint64_t addr);
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

/* frame_table.c: entries are pfn << 12 | flags */
#define FT_PRESENT 0x1ull
#define FT_HUGE    0x2ull
/* The entry for @va: a 4 KiB entry, a huge entry covering it, or 0. */
uint64_t ft_lookup(const struct vm_space *s, uint64_t va);
/* Make sure setting a 4 KiB entry (or a huge one) at @va needs no allocation.  0 or -MNEME_ENOMEM. */
/* True if nothing in the 2 MiB chunk containing @va has an entry. */
bool ft_chunk_empty(const struct vm_space *s, uint64_t va);
int ft_prepare(struct vm_space *s, uint64_t va, bool huge);
void ft_set(struct vm_space *s, uint64_t va, uint64_t entry);
/* Clear the entry at @va (4 KiB, or the huge one at the 2 MiB address); returns it. */
uint64_t ft_clear(struct vm_space *s, uint64_t va);
/*
 * Turn the huge entry covering @va into 512 4 KiB entries (same frames),
 * in the table and in the page table.  0 or -MNEME_ENOMEM (nothing changed).
 */
int ft_demote(struct vm_space *s, uint64_t va, unsigned prot);
/* Call @fn for each entry in [start, end) in address order (huge entries once, at their 2 MiB address). */
typedef void (*ft_fn)(struct vm_space *s, uint64_t va, uint64_t entry, void *ctx);
void ft_walk(struct vm_space *s, uint64_t start, uint64_t end, ft_fn fn, void *ctx);
/* Free every radix node (the entries must already be dropped or ignored). */
void ft_destroy(struct vm_space *s);

static inline uint64_t ft_pfn(uint64_t e)
{
	return e >> 12;
}

/* frame ownership (frame_table.c) */
/* A zeroed single frame with one reference; 0 if none. */
uint64_t vm_frame_alloc(void);
/* Adopt a frame the server allocated with alloc_page() as a single frame with one reference. */
void vm_frame_adopt(uint64_t pfn);
/* Add or drop @n page references to the frame(s) at @pfn (a block's pages, or a single frame). */
void vm_frame_get(uint64_t pfn, uint64_t n);
void vm_frame_put(uint64_t pfn, uint64_t n);
/* The block @pfn belongs to, or NULL for a single frame. */
struct vm_block *vm_frame_block(uint64_t pfn);
/* Allocate a block and make @s its owner, charged @charge bytes (already charged). */
struct vm_block *vm_block_alloc(struct vm_space *s, const struct vm_map_req *req, uint64_t nr,
				uint64_t charge);
/* Free a block nobody maps (refs 0). */
void vm_block_free(struct vm_block *b);
int vm_frame_init(void);

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

/* space.c: back the lazy page (or huge chunk) at @va of anonymous @r; *entry receives it. */
int vm_back(struct vm_space *s, const struct vm_region *r, uint64_t va, uint64_t *entry);

/* ops.c helpers used by space.c */
/* Drop every frame in [start, end) of @s (boundaries must not cut a huge entry). */
void vm_drop_range(struct vm_space *s, uint64_t start, uint64_t end, bool unmap);

#endif

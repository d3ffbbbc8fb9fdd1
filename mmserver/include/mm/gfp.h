/*
 * Page allocation interface of the mm core (the buddy allocator's public
 * face): gfp flags and the alloc/free entry points.  Names and meanings
 * follow Linux where the concept is Linux's.
 *
 * Contract for freeing: a block goes back with the order it was allocated
 * with.  A free of a page that is not the head of a live allocation (never
 * allocated, already free, a tail page, a reserved page, outside managed
 * memory) or with the wrong order is rejected with a negative mneme error
 * and changes nothing.  Users that overlay struct page (slab) must clear
 * PG_slab before handing the page back; the allocation order is kept in
 * page->flags, so the overlay fields may hold anything.
 */
#ifndef MM_GFP_H
#define MM_GFP_H

#include "mm/page.h"

typedef unsigned int gfp_t;

/* Zone modifiers: the highest zone the allocation may come from. */
#define __GFP_DMA         0x01u   /* ZONE_DMA (x86_64: below 16 MiB; else lowest zone) */
#define __GFP_DMA32       0x04u   /* ZONE_DMA32 and below (below 4 GiB) */
#define __GFP_MOVABLE     0x08u   /* migrate type MOVABLE (user pages) */
#define __GFP_RECLAIMABLE 0x10u   /* migrate type RECLAIMABLE (caches) */
#define __GFP_HIGH        0x20u   /* may dip below the min watermark (half of it) */
#define __GFP_ZERO        0x100u  /* return zeroed memory */
#define __GFP_NOWARN      0x200u  /* no failure message */
#define __GFP_COMP        0x4000u /* compound page (order kept on the head page; always true here) */
#define __GFP_THISNODE    0x8000u /* no fallback to other nodes */
#define __GFP_RECLAIM     0x10000u /* caller may wait (no reclaim exists yet; informational) */
#define __GFP_MEMALLOC    0x20000u /* ignore watermarks: may take the last free page */

#define GFP_ATOMIC        (__GFP_HIGH)
#define GFP_NOWAIT        0u
#define GFP_KERNEL        (__GFP_RECLAIM)
#define GFP_USER          (__GFP_RECLAIM)
#define GFP_HIGHUSER_MOVABLE (__GFP_RECLAIM | __GFP_MOVABLE)
#define GFP_DMA           (__GFP_DMA)
#define GFP_DMA32         (__GFP_DMA32)

#define __GFP_BITS_MASK   0x3ffffu

/* Orders 0 .. MAX_ORDER-1: the largest block is 2^10 pages (4 MiB). */
#define MAX_ORDER 11
#define MAX_ORDER_NR_PAGES (1UL << (MAX_ORDER - 1))

/*
 * Allocate 2^@order physically contiguous pages, naturally aligned, from
 * the highest zone @gfp allows, falling back down the zonelist of the
 * preferred node (the local node: numa_node_id(), the node of the CPU the
 * request is served for) and then to other nodes by distance.
 * Returns the head page or NULL (invalid order/flags: NULL, nothing changed).
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
/* Same, preferring node @nid (-1 = local node). */
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
/*
 * Linux's __alloc_pages: preferring node @preferred_nid (-1 = local),
 * along its zonelist, taking only zones of the nodes in *@nodemask (NULL:
 * any node).  Every allocation counts Linux's NUMA events (numa_hit or
 * numa_miss on the zone it came from and numa_foreign on the preferred
 * zone, numa_local or numa_other by the requesting CPU's node).
 */
struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid,
			   const uint64_t *nodemask);
#define alloc_page(gfp) alloc_pages(gfp, 0)
/*
 * The order-0 fast path, alloc_pages(@gfp, 0) exactly, for callers that
 * take single pages often (the memory server's fault path: user frames,
 * GFP_HIGHUSER_MOVABLE | __GFP_ZERO).  The page comes straight from this
 * CPU's per-CPU list of the first zone @gfp may use on the local node
 * (found at init), when that zone is above its low watermark and the
 * list is not empty; anything else takes the full path.
 * alloc_pages(gfp, 0) and alloc_pages_node(-1, gfp, 0) come here too.
 */
struct page *alloc_page_fast(gfp_t gfp);

/*
 * Free a block returned by alloc_pages() with the same @order.
 * Returns 0, or -MNEME_ERANGE (order out of range / pfn not managed),
 * -MNEME_EINVAL (misaligned for @order, wrong order), -MNEME_EBUSY
 * (not a live allocation: double free, tail page, slab still attached).
 * On error nothing changes (MM_DEBUG builds print why).
 */
int __free_pages(struct page *page, unsigned int order);
#define __free_page(page) __free_pages((page), 0)

/* Virtual-address versions: 0 on failure. */
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
#define __get_free_page(gfp) __get_free_pages((gfp), 0)
unsigned long get_zeroed_page(gfp_t gfp);
int free_pages(unsigned long addr, unsigned int order);
#define free_page(addr) free_pages((addr), 0)

/*
 * Allocate @nr_pages physically contiguous pages (any count, not only
 * powers of two) whose first address is a multiple of @align (a power of
 * two >= PAGE_SIZE, or 0 for PAGE_SIZE) and whose last byte lies below
 * @max_addr (0 = no limit), from zones allowed by @gfp.  Returns the first
 * page or NULL.  Free with free_contig_pages(page, nr_pages).
 */
struct page *alloc_contig_pages_below(unsigned long nr_pages, phys_addr_t align,
				      phys_addr_t max_addr, gfp_t gfp);
/* Same, along node @nid's zonelist (-1: local), only on the nodes of *@nodemask (NULL: any). */
struct page *alloc_contig_pages_node(unsigned long nr_pages, phys_addr_t align, phys_addr_t max_addr,
				     gfp_t gfp, int nid, const uint64_t *nodemask);
int free_contig_pages(struct page *page, unsigned long nr_pages);

#endif

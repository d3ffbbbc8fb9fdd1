/*
 * Memory policies (Linux's set_mempolicy / mbind meanings): where the
 * pages of a task or of one of its regions come from.
 *
 *   MPOL_DEFAULT     no policy of its own: a region falls back to its
 *                    task's policy, a task to local allocation
 *   MPOL_PREFERRED   the first node of the mask first, then the others
 *                    along that node's zonelist
 *   MPOL_BIND        only the nodes of the mask, nearest to the requesting
 *                    CPU first; when they are full the allocation fails
 *   MPOL_INTERLEAVE  page by page over the nodes of the mask: the page at
 *                    index i goes to the (i mod n)-th node (a region's index
 *                    is its address in pages of the allocation's size, as
 *                    Linux's for anonymous memory), then falls back from it
 *   MPOL_LOCAL       the node of the requesting CPU, then its zonelist
 *
 * Policy apart from mechanism: the page allocator (page_alloc.c) offers a
 * preferred node and a node mask (__alloc_pages); this file decides them.
 * A policy is a small value (no reference counts): the vm module keeps one
 * per task and one per region and passes the one that applies.
 */
#ifndef MM_MEMPOLICY_H
#define MM_MEMPOLICY_H

#include "mm/mmzone.h"

enum {
	MPOL_DEFAULT,
	MPOL_PREFERRED,
	MPOL_BIND,
	MPOL_INTERLEAVE,
	MPOL_LOCAL,
	MPOL_MAX,
};

struct mempolicy {
	uint16_t mode;          /* MPOL_* */
	uint16_t pad_;
	uint32_t pad2_;
	nodemask_t nodes;       /* PREFERRED, BIND, INTERLEAVE: online nodes, not empty */
};

/*
 * Check a policy a task asks for: a known mode; no nodes for DEFAULT and
 * LOCAL; for the others a mask of online nodes only (a node that does not
 * exist or has no memory is an error, not ignored) with at least one.
 * Returns 0 and fills *@out, or -MNEME_EINVAL.
 */
int mpol_new(unsigned mode, nodemask_t nodes, struct mempolicy *out);

/* The policy that applies: @region's unless it is DEFAULT (or NULL), else @task's (NULL: local). */
static inline const struct mempolicy *mpol_choose(const struct mempolicy *region,
						  const struct mempolicy *task)
{
	return region && region->mode != MPOL_DEFAULT ? region : task;
}

/*
 * Allocate 2^@order pages under policy @pol (NULL or DEFAULT: local),
 * @ilx being the interleave index (the address in units of the
 * allocation's size).  Counts interleave_hit when an interleaved page
 * lands on the node chosen for it.  NULL if the policy's nodes have no
 * room (BIND) or memory is exhausted.
 */
struct page *alloc_pages_mpol(gfp_t gfp, unsigned order, const struct mempolicy *pol, uint64_t ilx);

/*
 * A physically contiguous range (alloc_contig_pages_node) under @pol:
 * PREFERRED and INTERLEAVE (its first node) prefer, BIND restricts.
 */
struct page *alloc_contig_pages_mpol(unsigned long nr_pages, phys_addr_t align, phys_addr_t max_addr,
				     gfp_t gfp, const struct mempolicy *pol);

#endif

/*
 * Memory policies (see mm/mempolicy.h): the policy module beside the page
 * allocator.  It turns a policy and the requesting CPU's node into the
 * allocator's preferred node and node mask, as Linux's policy_node() and
 * policy_nodemask() do, and counts interleave hits.
 */
#include "mm/mempolicy.h"
#include "mm/page_alloc.h"
#include "mneme/error.h"

int mpol_new(unsigned mode, nodemask_t nodes, struct mempolicy *out)
{
	if (mode >= MPOL_MAX)
		return -MNEME_EINVAL;
	if (mode == MPOL_DEFAULT || mode == MPOL_LOCAL) {
		if (nodes)
			return -MNEME_EINVAL;
	} else if (!nodes || (nodes & ~node_online_mask())) {
		return -MNEME_EINVAL;
	}
	*out = (struct mempolicy){ .mode = (uint16_t)mode, .nodes = nodes };
	return 0;
}

/* The node an interleaved page at index @ilx is meant for. */
static int interleave_nid(const struct mempolicy *pol, uint64_t ilx)
{
	return nth_node(pol->nodes, (int)(ilx % (uint64_t)nodes_weight(pol->nodes)));
}

struct page *alloc_pages_mpol(gfp_t gfp, unsigned order, const struct mempolicy *pol, uint64_t ilx)
{
	struct page *page;
	int nid;

	switch (pol ? pol->mode : MPOL_DEFAULT) {
	case MPOL_PREFERRED:
		return __alloc_pages(gfp, order, first_node(pol->nodes), NULL);
	case MPOL_BIND:
		/* the requesting CPU's zonelist, bound nodes only: the nearest of them first */
		return __alloc_pages(gfp, order, numa_node_id(), &pol->nodes);
	case MPOL_INTERLEAVE:
		nid = interleave_nid(pol, ilx);
		page = __alloc_pages(gfp, order, nid, NULL);
		if (page && (int)page_to_nid(page) == nid)
			page_zone(page)->pcpstat[mm_this_cpu()].numa_event[NUMA_INTERLEAVE_HIT]++;
		return page;
	default:   /* DEFAULT, LOCAL */
		return order ? __alloc_pages(gfp, order, -1, NULL) : alloc_page_fast(gfp);
	}
}

struct page *alloc_contig_pages_mpol(unsigned long nr_pages, phys_addr_t align, phys_addr_t max_addr,
				     gfp_t gfp, const struct mempolicy *pol)
{
	switch (pol ? pol->mode : MPOL_DEFAULT) {
	case MPOL_PREFERRED:
	case MPOL_INTERLEAVE:
		return alloc_contig_pages_node(nr_pages, align, max_addr, gfp, first_node(pol->nodes), NULL);
	case MPOL_BIND:
		return alloc_contig_pages_node(nr_pages, align, max_addr, gfp, -1, &pol->nodes);
	default:
		return alloc_contig_pages_node(nr_pages, align, max_addr, gfp, -1, NULL);
	}
}

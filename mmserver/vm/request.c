/*
 * Memory requests: decode (pure, from the message alone), then perform
 * against the caller's space.  Every way a message can be wrong has its
 * error here, in the order docs/ipc.md lists them: first the rules common
 * to every request, then each word in turn.
 */
#include <string.h>
#include <mneme/error.h>
#include "mm/mm_dump.h"
#include "mm/slab.h"
#include "vm_internal.h"

_Static_assert(MNEME_MM_MPOL_DEFAULT == MPOL_DEFAULT && MNEME_MM_MPOL_PREFERRED == MPOL_PREFERRED &&
	       MNEME_MM_MPOL_BIND == MPOL_BIND && MNEME_MM_MPOL_INTERLEAVE == MPOL_INTERLEAVE &&
	       MNEME_MM_MPOL_LOCAL == MPOL_LOCAL && MNEME_MM_MAX_NODES == MM_MAX_NUMNODES,
	       "the protocol's policy modes are the allocator's");

bool vm_request_label(uint32_t label)
{
	return (label >= MNEME_MM_ALLOC_PAGES && label <= MNEME_MM_CHECK) ||
	       (label >= MNEME_MM_OBJ_CREATE && label <= MNEME_MM_SHARE_ACCEPT) ||
	       (label >= MNEME_MM_SET_MEMPOLICY && label <= MNEME_MM_GET_MEMPOLICY);
}

static bool page_aligned(uint64_t x)
{
	return !(x & (VM_PAGE_SIZE - 1));
}

/* [addr, addr + len): aligned and non-empty (EINVAL), inside the window (ERANGE). */
static int check_range(uint64_t addr, uint64_t len)
{
	if (!page_aligned(addr) || !page_aligned(len) || !len)
		return -MNEME_EINVAL;
	if (addr < MNEME_MM_MAP_BASE || addr >= MNEME_MM_MAP_END || len > MNEME_MM_MAP_END - addr)
		return -MNEME_ERANGE;
	return 0;
}

/*
 * Rights a page can have: none, or READ with at most one of WRITE and EXEC
 * (the core maps nothing without READ, and never writable and executable).
 */
bool vm_rights_ok(uint64_t prot)
{
	if (prot & ~(uint64_t)MNEME_MM_PROT_MASK)
		return false;
	if (!prot)
		return true;
	return (prot & MNEME_PROT_READ) &&
	       (prot & (MNEME_PROT_WRITE | MNEME_PROT_EXEC)) != (MNEME_PROT_WRITE | MNEME_PROT_EXEC);
}

/* Rights and flags word: rights valid (and not 0 if @need_prot), flags within @allowed. */
static int check_pf(uint64_t pf, uint64_t allowed, bool need_prot)
{
	uint64_t prot = pf & MNEME_MM_PROT_MASK;

	if ((pf & ~(uint64_t)MNEME_MM_PROT_MASK) & ~allowed)
		return -MNEME_EINVAL;
	if ((need_prot && !prot) || !vm_rights_ok(prot))
		return -MNEME_EINVAL;
	return 0;
}

/* Rights of a handle: READ, with WRITE and EXEC as wanted (a mapping takes at most one of them). */
static bool handle_rights_ok(uint64_t rights)
{
	return !(rights & ~(uint64_t)MNEME_MM_PROT_MASK) && (rights & MNEME_PROT_READ);
}

/* Number of argument words each request reads (the others must be 0). */
static unsigned words_used(uint32_t label)
{
	switch (label) {
	case MNEME_MM_ALLOC_PAGES: return 3;   /* w2: the node mask with MNEME_MM_NODES */
	case MNEME_MM_MAP_ANON:    return 4;   /* w3: likewise */
	case MNEME_MM_MAP_CONTIG:  return 4;
	case MNEME_MM_UNMAP:       return 2;
	case MNEME_MM_PROTECT:     return 3;
	case MNEME_MM_SHARE:       return 4;
	case MNEME_MM_STATS:       return 2;
	case MNEME_MM_MAP_FILE:    return 4;
	case MNEME_MM_QUERY:       return 1;
	case MNEME_MM_OBJ_CREATE:  return 2;
	case MNEME_MM_OBJ_MAP:     return 4;
	case MNEME_MM_OBJ_CLOSE:   return 1;
	case MNEME_MM_OBJ_GRANT:   return 3;
	case MNEME_MM_OBJ_ACCEPT:  return 1;
	case MNEME_MM_SHARE_ACCEPT: return 1;
	case MNEME_MM_SET_MEMPOLICY: return 2;
	case MNEME_MM_MBIND:       return 4;
	case MNEME_MM_GET_MEMPOLICY: return 2;
	default:                   return 0;   /* USAGE, CHECK */
	}
}

/* Extra words a request reads: at most *max, at least *min. */
static void extra_used(uint32_t label, unsigned *min, unsigned *max)
{
	*min = *max = 0;
	if (label == MNEME_MM_MAP_FILE)
		*min = *max = 4;                  /* the file's name */
	else if (label == MNEME_MM_OBJ_MAP || label == MNEME_MM_MAP_CONTIG)
		*max = 1;                         /* the offset, if not 0; the node mask with NODES */
}

/* A node mask comes with MNEME_MM_NODES and only with it, not empty (its nodes are checked when performing). */
static int decode_nodes(uint64_t pf, uint64_t nodes)
{
	if (pf & MNEME_MM_NODES)
		return nodes ? 0 : -MNEME_EINVAL;
	return nodes ? -MNEME_EINVAL : 0;
}

static int decode_alloc(const uint64_t *w, struct vm_req *req)
{
	uint64_t pf = w[1];
	int err = check_pf(pf, MNEME_MM_ALLOC_FLAGS, true);

	if (w[0] > MNEME_MM_MAX_ORDER)
		return -MNEME_ERANGE;
	if (err)
		return err;
	if ((pf & MNEME_MM_ZONE_DMA) && (pf & MNEME_MM_ZONE_DMA32))
		return -MNEME_EINVAL;
	if ((err = decode_nodes(pf, w[2])))
		return err;
	req->map = (struct vm_map_req){ .kind = VM_BLOCK, .order = (unsigned)w[0], .nodes = w[2],
					.prot = (unsigned)(pf & MNEME_MM_PROT_MASK),
					.zone = (unsigned)(pf & (MNEME_MM_ZONE_DMA | MNEME_MM_ZONE_DMA32)),
					.zero = true, .huge = (pf & MNEME_MM_HUGE) != 0 };
	return 0;
}

static int decode_anon(const uint64_t *w, struct vm_req *req)
{
	uint64_t addr = w[0], len = w[1], pf = w[2];
	bool fixed = pf & MNEME_MM_FIXED;

	if (!page_aligned(addr) || !page_aligned(len) || !len)
		return -MNEME_EINVAL;
	int err = check_pf(pf, MNEME_MM_ANON_FLAGS, false);
	if (err)
		return err;
	if (len > MNEME_MM_MAP_MAX)
		return -MNEME_ERANGE;
	if (fixed && (err = check_range(addr, len)))
		return err;
	if ((err = decode_nodes(pf, w[3])))
		return err;
	req->map = (struct vm_map_req){ .kind = VM_ANON, .addr = addr, .len = len, .fixed = fixed,
					.nodes = w[3],
					.prot = (unsigned)(pf & MNEME_MM_PROT_MASK), .zero = true,
					.populate = (pf & MNEME_MM_POPULATE) != 0,
					.huge = (pf & MNEME_MM_HUGE) != 0 };
	return 0;
}

static int decode_contig(const struct vm_msg *m, struct vm_req *req)
{
	const uint64_t *w = m->w;
	uint64_t len = w[0], limit = w[1], align = w[2] ? w[2] : VM_PAGE_SIZE, pf = w[3];

	if (!len || !page_aligned(len) || !page_aligned(limit) || (align & (align - 1)) ||
	    align < VM_PAGE_SIZE)
		return -MNEME_EINVAL;
	int err = check_pf(pf, MNEME_MM_CONTIG_FLAGS, true);
	if (err)
		return err;
	if (len > MNEME_MM_CONTIG_MAX_LEN || align > MNEME_MM_CONTIG_MAX_ALIGN || (limit && limit < len))
		return -MNEME_ERANGE;
	if (pf & MNEME_MM_NODES ? m->extra != 1 || !m->x[0] : m->extra != 0)
		return -MNEME_EINVAL;             /* the node mask in extra word 0, with NODES only */
	req->map = (struct vm_map_req){ .kind = VM_BLOCK, .contig = true, .len = len,
					.nodes = m->extra ? m->x[0] : 0,
					.phys_limit = limit, .phys_align = align,
					.prot = (unsigned)(pf & MNEME_MM_PROT_MASK), .zero = true,
					.huge = (pf & MNEME_MM_HUGE) != 0 };
	return 0;
}

/* The address, length and rights-and-flags of a mapping of a file or an object. */
static int decode_mapping(const uint64_t *w, uint64_t allowed, struct vm_req *req)
{
	uint64_t addr = w[0], len = w[1], pf = w[2];
	bool fixed = pf & MNEME_MM_FIXED;
	int err;

	if (!page_aligned(addr) || !page_aligned(len) || !len)
		return -MNEME_EINVAL;
	if ((err = check_pf(pf, allowed, true)))
		return err;
	if (len > MNEME_MM_MAP_MAX)
		return -MNEME_ERANGE;
	if (fixed && (err = check_range(addr, len)))
		return err;
	req->map = (struct vm_map_req){ .kind = VM_OBJECT, .addr = addr, .len = len, .fixed = fixed,
					.prot = (unsigned)(pf & MNEME_MM_PROT_MASK),
					.populate = (pf & MNEME_MM_POPULATE) != 0 };
	return 0;
}

/* A file name: 1..32 bytes, NUL-padded, in four words. */
static int decode_name(const uint64_t *x, char *name)
{
	memcpy(name, x, 32);
	name[32] = '\0';
	size_t n = strlen(name);
	if (!n)
		return -MNEME_EINVAL;
	for (size_t i = n; i < 32; i++)
		if (name[i])
			return -MNEME_EINVAL;
	return 0;
}

static int decode_file(const struct vm_msg *m, struct vm_req *req)
{
	int err = decode_mapping(m->w, MNEME_MM_FILE_FLAGS, req);

	if (err)
		return err;
	if (!page_aligned(m->w[3]))
		return -MNEME_EINVAL;
	if ((err = decode_name(m->x, req->name)))
		return err;
	req->private = (m->w[2] & MNEME_MM_PRIVATE) != 0;
	if (!req->private && (req->map.prot & MNEME_PROT_WRITE))
		return -MNEME_EPERM;              /* the archive is read-only: shared means read-only */
	req->offset = m->w[3];
	return 0;
}

static int decode_objmap(const struct vm_msg *m, struct vm_req *req)
{
	int err = decode_mapping(m->w, MNEME_MM_OBJMAP_FLAGS, req);

	if (err)
		return err;
	req->handle = m->w[3];
	req->offset = m->extra ? m->x[0] : 0;
	if (!req->handle || !page_aligned(req->offset))
		return -MNEME_EINVAL;
	return 0;
}

static int decode_object(const uint64_t *w, struct vm_req *req)
{
	switch (req->label) {
	case MNEME_MM_OBJ_CREATE:
		if (!w[0] || !page_aligned(w[0]) || !handle_rights_ok(w[1]))
			return -MNEME_EINVAL;
		if (w[0] > MNEME_MM_OBJ_MAX_SIZE)
			return -MNEME_ERANGE;
		req->len = w[0];
		req->prot = (unsigned)w[1];
		return 0;
	case MNEME_MM_OBJ_GRANT:
		if (!w[0] || !handle_rights_ok(w[1]))
			return -MNEME_EINVAL;
		req->handle = w[0];
		req->prot = (unsigned)w[1];
		req->target = w[2];
		return 0;
	default:                          /* CLOSE, ACCEPT, SHARE_ACCEPT */
		if (!w[0])
			return -MNEME_EINVAL;
		req->handle = w[0];
		return 0;
	}
}

static int decode_range(const uint64_t *w, struct vm_req *req)
{
	req->addr = w[0];
	req->len = w[1];
	return check_range(w[0], w[1]);
}

/* STATS: a view, and a node for the node views (whether it is online is checked when rendering). */
static int decode_stats(const uint64_t *w, struct vm_req *req)
{
	unsigned what = (unsigned)(w[0] & 0xff);
	uint64_t nid = w[0] >> MNEME_MM_STAT_NODE_SHIFT;
	bool node_view = what >= MNEME_MM_STAT_NODE_MEMINFO && what <= MNEME_MM_STAT_NODE_CPULIST;

	if (!what || what > MNEME_MM_STAT_MAX || (node_view ? nid >= MNEME_MM_MAX_NODES : nid != 0))
		return -MNEME_EINVAL;
	req->what = what;
	req->node = (unsigned)nid;
	req->offset = w[1];
	return 0;
}

/* A policy's words, as far as the message alone tells (the nodes' existence is checked later). */
static int decode_policy(unsigned mode, uint64_t nodes)
{
	if (mode > MNEME_MM_MPOL_LOCAL)
		return -MNEME_EINVAL;
	if (mode == MNEME_MM_MPOL_DEFAULT || mode == MNEME_MM_MPOL_LOCAL)
		return nodes ? -MNEME_EINVAL : 0;
	return nodes ? 0 : -MNEME_EINVAL;
}

static int decode_get_policy(const uint64_t *w, struct vm_req *req)
{
	uint64_t flags = w[0];

	if (flags & ~(uint64_t)(MNEME_MM_MPOL_F_NODE | MNEME_MM_MPOL_F_ADDR))
		return -MNEME_EINVAL;
	if ((flags & MNEME_MM_MPOL_F_NODE) && !(flags & MNEME_MM_MPOL_F_ADDR))
		return -MNEME_EINVAL;
	if (!(flags & MNEME_MM_MPOL_F_ADDR) && w[1])
		return -MNEME_EINVAL;
	if (!page_aligned(w[1]))
		return -MNEME_EINVAL;
	if (w[1] >= VM_VA_LIMIT)
		return -MNEME_ERANGE;
	req->mode = (unsigned)flags;
	req->addr = w[1];
	return 0;
}

int vm_request_decode(const struct vm_msg *m, struct vm_req *req)
{
	const uint64_t *w = m->w;
	int err;

	unsigned xmin, xmax;

	memset(req, 0, sizeof(*req));
	req->label = m->label;
	if (!vm_request_label(m->label))
		return -MNEME_ENOSYS;
	extra_used(m->label, &xmin, &xmax);
	if (m->extra < xmin || m->extra > xmax || (m->extra && !m->x) || m->handle)
		return -MNEME_EINVAL;
	for (unsigned i = words_used(m->label); i < 4; i++)
		if (w[i])
			return -MNEME_EINVAL;
	switch (m->label) {
	case MNEME_MM_ALLOC_PAGES:
		return decode_alloc(w, req);
	case MNEME_MM_MAP_ANON:
		return decode_anon(w, req);
	case MNEME_MM_MAP_CONTIG:
		return decode_contig(m, req);
	case MNEME_MM_UNMAP:
		return decode_range(w, req);
	case MNEME_MM_PROTECT:
		if ((err = decode_range(w, req)))
			return err;
		if (!vm_rights_ok(w[2]))
			return -MNEME_EINVAL;
		req->prot = (unsigned)w[2];
		return 0;
	case MNEME_MM_SHARE:
		if ((err = decode_range(w, req)))
			return err;
		if (!w[3] || !vm_rights_ok(w[3]))
			return -MNEME_EINVAL;
		req->target = w[2];
		req->prot = (unsigned)w[3];
		return 0;
	case MNEME_MM_STATS:
		return decode_stats(w, req);
	case MNEME_MM_MAP_FILE:
		return decode_file(m, req);
	case MNEME_MM_QUERY:
		if (!page_aligned(w[0]))
			return -MNEME_EINVAL;
		if (w[0] >= VM_VA_LIMIT)
			return -MNEME_ERANGE;
		req->addr = w[0];
		return 0;
	case MNEME_MM_OBJ_MAP:
		return decode_objmap(m, req);
	case MNEME_MM_OBJ_CREATE:
	case MNEME_MM_OBJ_CLOSE:
	case MNEME_MM_OBJ_GRANT:
	case MNEME_MM_OBJ_ACCEPT:
	case MNEME_MM_SHARE_ACCEPT:
		return decode_object(w, req);
	case MNEME_MM_SET_MEMPOLICY:
		req->mode = (unsigned)w[0];
		req->nodes = w[1];
		return decode_policy(req->mode, req->nodes);
	case MNEME_MM_MBIND:
		if ((err = decode_range(w, req)))
			return err;
		req->mode = (unsigned)w[2];
		req->nodes = w[3];
		return decode_policy(req->mode, req->nodes);
	case MNEME_MM_GET_MEMPOLICY:
		return decode_get_policy(w, req);
	default:   /* USAGE, CHECK */
		return 0;
	}
}

/* ---- Perform ----------------------------------------------------------- */

#define VM_STATS_TEXT 32768
static char stats_text[VM_STATS_TEXT];

static size_t render(const struct vm_space *s, unsigned what, int nid)
{
	switch (what) {
	case MNEME_MM_STAT_NODE_MEMINFO:  return node_meminfo_dump(nid, stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_NODE_NUMASTAT: return node_numastat_dump(nid, stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_NODE_DISTANCE: return node_distance_dump(nid, stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_NODE_CPULIST:  return node_cpulist_dump(nid, stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_BUDDYINFO: return buddyinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_ZONEINFO:  return zoneinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_SLABINFO:  return slabinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_MEMINFO:   return meminfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_MEMMAP:    return vm_backend_memmap_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_PAGETYPEINFO: return pagetypeinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_VMSTAT:    return vmstat_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_PAGECACHE: return vm_pagecache_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_TASKS:     return vm_backend_tasks_dump(stats_text, sizeof(stats_text));
	default:                      return vm_maps_dump(s, stats_text, sizeof(stats_text));
	}
}

static int perform_stats(const struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	bool node_view = req->what >= MNEME_MM_STAT_NODE_MEMINFO && req->what <= MNEME_MM_STAT_NODE_CPULIST;

	if (node_view && !node_online((int)req->node))
		return -MNEME_ENOENT;
	size_t total = render(s, req->what, (int)req->node);

	if (total >= sizeof(stats_text))
		total = sizeof(stats_text) - 1;
	if (req->offset > total)
		return -MNEME_ERANGE;
	size_t n = total - req->offset;
	if (n > MNEME_MM_STATS_CHUNK)
		n = MNEME_MM_STATS_CHUNK;
	memset(out->x, 0, (n + 7) & ~(size_t)7);
	memcpy(out->x, stats_text + req->offset, n);
	out->extra = (unsigned)((n + 7) / 8);
	out->w[0] = n;
	out->w[1] = total;
	return 0;
}

static int perform_usage(const struct vm_space *s, struct vm_reply *out)
{
	struct mneme_mm_usage u;

	vm_space_usage(s, &u);
	memcpy(out->x, &u, sizeof(u));
	out->extra = MNEME_MM_USAGE_WORDS;
	out->w[0] = u.charged;
	out->w[1] = u.quota;
	out->w[2] = u.resident;
	out->w[3] = u.regions;
	return 0;
}

static int perform_share_accept(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	unsigned prot;
	int err = vm_share_accept(s, req->handle, &out->w[0], &out->w[1], &prot);

	out->w[2] = prot;
	return err;
}

static int perform_query(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	struct vm_page_info info;
	int err = vm_query(s, req->addr, &info);

	if (err)
		return err;
	out->w[0] = info.pa;
	out->w[1] = info.prot;
	out->w[2] = info.flags;
	out->w[3] = info.mapcount;
	return 0;
}

/* The whole server's checker: allocator, slab caches, every space and frame. */
static int perform_check(void)
{
	char why[200];
	int err = mm_check_invariants(why, sizeof(why));

	if (!err)
		err = slab_check_invariants(why, sizeof(why));
	if (!err)
		err = vm_check_all(why, sizeof(why));
	if (err)
		mm_printf("mmserver: CHECK: invariant violated: %s\n", why);
	return err;
}

/* SET_MEMPOLICY and MBIND: the nodes must be online (mpol_new), then the policy is set. */
static int perform_policy(struct vm_space *s, const struct vm_req *req)
{
	struct mempolicy pol;
	int err = mpol_new(req->mode, req->nodes, &pol);

	if (err)
		return err;
	if (req->label == MNEME_MM_MBIND)
		return vm_mbind(s, req->addr, req->len, &pol);
	s->policy = pol;
	return 0;
}

static int perform_get_policy(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	const struct mempolicy *pol = &s->policy;

	if (req->mode & MNEME_MM_MPOL_F_ADDR) {
		const struct vm_region *r = vm_region_find(s, req->addr);
		if (!r)
			return -MNEME_ENOENT;
		pol = &r->policy;
	}
	if (req->mode & MNEME_MM_MPOL_F_NODE) {
		struct vm_page_info info;
		int err = vm_query(s, req->addr, &info);
		if (err)
			return err;
		if (!info.pa)
			return -MNEME_ENOENT;
		out->w[0] = page_to_nid(pfn_to_page(info.pa >> 12));
		return 0;
	}
	out->w[0] = pol->mode;
	out->w[1] = pol->nodes;
	return 0;
}

/* ALLOC_PAGES, MAP_CONTIG, MAP_ANON: a node mask becomes a BIND policy (nodes online) first. */
static int perform_map(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	struct vm_map_req map = req->map;
	struct mempolicy bind;

	if (map.nodes) {
		int err = mpol_new(MPOL_BIND, map.nodes, &bind);
		if (err)
			return err;
		map.pol = &bind;
	}
	return vm_map(s, &map, &out->w[0], req->label == MNEME_MM_MAP_ANON ? NULL : &out->w[1]);
}

static int perform_object(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	unsigned rights;

	switch (req->label) {
	case MNEME_MM_OBJ_CREATE:
		return vm_object_create(s, req->len, req->prot, &out->w[0]);
	case MNEME_MM_OBJ_MAP:
		return vm_object_map(s, req->handle, req->offset, &req->map, &out->w[0]);
	case MNEME_MM_OBJ_CLOSE:
		return vm_object_close(s, req->handle);
	case MNEME_MM_OBJ_GRANT:
		return vm_object_grant(s, req->handle, req->prot, req->target, &out->w[0]);
	default: {                        /* ACCEPT */
		int err = vm_object_accept(s, req->handle, &out->w[0], &out->w[1], &rights);
		out->w[2] = rights;
		return err;
	}
	}
}

static int perform(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	switch (req->label) {
	case MNEME_MM_ALLOC_PAGES:
	case MNEME_MM_MAP_CONTIG:
	case MNEME_MM_MAP_ANON:
		return perform_map(s, req, out);
	case MNEME_MM_UNMAP:
		return vm_unmap(s, req->addr, req->len);
	case MNEME_MM_PROTECT:
		return vm_protect(s, req->addr, req->len, req->prot);
	case MNEME_MM_SHARE:
		return vm_share(s, req->addr, req->len, req->target, req->prot, &out->w[0]);
	case MNEME_MM_SHARE_ACCEPT:
		return perform_share_accept(s, req, out);
	case MNEME_MM_STATS:
		return perform_stats(s, req, out);
	case MNEME_MM_USAGE:
		return perform_usage(s, out);
	case MNEME_MM_MAP_FILE:
		return vm_map_file(s, req->name, req->offset, req->private, &req->map, &out->w[0],
				   &out->w[1]);
	case MNEME_MM_QUERY:
		return perform_query(s, req, out);
	case MNEME_MM_CHECK:
		return perform_check();
	case MNEME_MM_SET_MEMPOLICY:
	case MNEME_MM_MBIND:
		return perform_policy(s, req);
	case MNEME_MM_GET_MEMPOLICY:
		return perform_get_policy(s, req, out);
	case MNEME_MM_OBJ_CREATE:
	case MNEME_MM_OBJ_MAP:
	case MNEME_MM_OBJ_CLOSE:
	case MNEME_MM_OBJ_GRANT:
	case MNEME_MM_OBJ_ACCEPT:
		return perform_object(s, req, out);
	default:
		return -MNEME_ENOSYS;
	}
}

void vm_request_perform(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	uint64_t *x = out->x;

	*out = (struct vm_reply){ .x = x };
	out->status = perform(s, req, out);
	if (out->status) {
		memset(out->w, 0, sizeof(out->w));
		out->extra = 0;
	}
}

void vm_request(struct vm_space *s, const struct vm_msg *m, struct vm_reply *out)
{
	struct vm_req req;
	int err = vm_request_decode(m, &req);

	if (err) {
		uint64_t *x = out->x;
		*out = (struct vm_reply){ .status = err, .x = x };
		return;
	}
	vm_request_perform(s, &req, out);
}

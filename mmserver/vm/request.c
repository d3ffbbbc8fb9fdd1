/*
 * Memory requests: decode (pure, from the message alone), then perform
 * against the caller's space.  Every way a message can be wrong has its
 * error here, in the order docs/ipc.md lists them: first the rules common
 * to every request, then each word in turn.
 */
#include <string.h>
#include <mneme/error.h>
#include "mm/mm_dump.h"
#include "vm_internal.h"

bool vm_request_label(uint32_t label)
{
	return label >= MNEME_MM_ALLOC_PAGES && label <= MNEME_MM_USAGE;
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
static bool rights_ok(uint64_t prot)
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
	if ((need_prot && !prot) || !rights_ok(prot))
		return -MNEME_EINVAL;
	return 0;
}

/* Number of argument words each request reads (the others must be 0). */
static unsigned words_used(uint32_t label)
{
	switch (label) {
	case MNEME_MM_ALLOC_PAGES: return 2;
	case MNEME_MM_MAP_ANON:    return 3;
	case MNEME_MM_MAP_CONTIG:  return 4;
	case MNEME_MM_UNMAP:       return 2;
	case MNEME_MM_PROTECT:     return 3;
	case MNEME_MM_SHARE:       return 4;
	case MNEME_MM_STATS:       return 2;
	default:                   return 0;   /* USAGE */
	}
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
	req->map = (struct vm_map_req){ .kind = VM_BLOCK, .order = (unsigned)w[0],
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
	req->map = (struct vm_map_req){ .kind = VM_ANON, .addr = addr, .len = len, .fixed = fixed,
					.prot = (unsigned)(pf & MNEME_MM_PROT_MASK), .zero = true,
					.populate = (pf & MNEME_MM_POPULATE) != 0,
					.huge = (pf & MNEME_MM_HUGE) != 0 };
	return 0;
}

static int decode_contig(const uint64_t *w, struct vm_req *req)
{
	uint64_t len = w[0], limit = w[1], align = w[2] ? w[2] : VM_PAGE_SIZE, pf = w[3];

	if (!len || !page_aligned(len) || !page_aligned(limit) || (align & (align - 1)) ||
	    align < VM_PAGE_SIZE)
		return -MNEME_EINVAL;
	int err = check_pf(pf, MNEME_MM_CONTIG_FLAGS, true);
	if (err)
		return err;
	if (len > MNEME_MM_CONTIG_MAX_LEN || align > MNEME_MM_CONTIG_MAX_ALIGN || (limit && limit < len))
		return -MNEME_ERANGE;
	req->map = (struct vm_map_req){ .kind = VM_BLOCK, .contig = true, .len = len,
					.phys_limit = limit, .phys_align = align,
					.prot = (unsigned)(pf & MNEME_MM_PROT_MASK), .zero = true,
					.huge = (pf & MNEME_MM_HUGE) != 0 };
	return 0;
}

static int decode_range(const uint64_t *w, struct vm_req *req)
{
	req->addr = w[0];
	req->len = w[1];
	return check_range(w[0], w[1]);
}

int vm_request_decode(const struct vm_msg *m, struct vm_req *req)
{
	const uint64_t *w = m->w;
	int err;

	memset(req, 0, sizeof(*req));
	req->label = m->label;
	if (!vm_request_label(m->label))
		return -MNEME_ENOSYS;
	if (m->extra || m->handle)
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
		return decode_contig(w, req);
	case MNEME_MM_UNMAP:
		return decode_range(w, req);
	case MNEME_MM_PROTECT:
		if ((err = decode_range(w, req)))
			return err;
		if (!rights_ok(w[2]))
			return -MNEME_EINVAL;
		req->prot = (unsigned)w[2];
		return 0;
	case MNEME_MM_SHARE:
		if ((err = decode_range(w, req)))
			return err;
		if (!w[3] || !rights_ok(w[3]))
			return -MNEME_EINVAL;
		req->target = w[2];
		req->prot = (unsigned)w[3];
		return 0;
	case MNEME_MM_STATS:
		if (!w[0] || w[0] > MNEME_MM_STAT_MAX)
			return -MNEME_EINVAL;
		req->what = (unsigned)w[0];
		req->offset = w[1];
		return 0;
	default:   /* USAGE */
		return 0;
	}
}

/* ---- Perform ----------------------------------------------------------- */

#define VM_STATS_TEXT 32768
static char stats_text[VM_STATS_TEXT];

static size_t render(const struct vm_space *s, unsigned what)
{
	switch (what) {
	case MNEME_MM_STAT_BUDDYINFO: return buddyinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_ZONEINFO:  return zoneinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_SLABINFO:  return slabinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_MEMINFO:   return meminfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_MEMMAP:    return vm_backend_memmap_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_PAGETYPEINFO: return pagetypeinfo_dump(stats_text, sizeof(stats_text));
	case MNEME_MM_STAT_VMSTAT:    return vmstat_dump(stats_text, sizeof(stats_text));
	default:                      return vm_maps_dump(s, stats_text, sizeof(stats_text));
	}
}

static int perform_stats(const struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	size_t total = render(s, req->what);

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

static int perform_share(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	struct vm_space *to = vm_space_lookup(req->target);

	if (!to)
		return -MNEME_EDEAD;
	return vm_share(s, req->addr, req->len, to, req->prot, &out->w[0]);
}

static int perform(struct vm_space *s, const struct vm_req *req, struct vm_reply *out)
{
	switch (req->label) {
	case MNEME_MM_ALLOC_PAGES:
	case MNEME_MM_MAP_CONTIG:
		return vm_map(s, &req->map, &out->w[0], &out->w[1]);
	case MNEME_MM_MAP_ANON:
		return vm_map(s, &req->map, &out->w[0], NULL);
	case MNEME_MM_UNMAP:
		return vm_unmap(s, req->addr, req->len);
	case MNEME_MM_PROTECT:
		return vm_protect(s, req->addr, req->len, req->prot);
	case MNEME_MM_SHARE:
		return perform_share(s, req, out);
	case MNEME_MM_STATS:
		return perform_stats(s, req, out);
	case MNEME_MM_USAGE:
		return perform_usage(s, out);
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

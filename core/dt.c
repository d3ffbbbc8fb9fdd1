/*
 * Flattened device tree reader for the core.
 *
 * The firmware hands us a pointer and nothing else, so the blob is treated
 * as hostile input.  Reading happens in two stages, decode-then-perform:
 *
 *   1. dt_layout() validates the header: magic, version, totalsize against
 *      the caller's bound, and the position, alignment and size of the
 *      three blocks (memory-reservation map, structure block, strings
 *      block), which must lie inside totalsize and not overlap.  After it,
 *      every offset the header gives is known to be safe.
 *   2. dt_walk_struct() makes one linear pass over the structure block.
 *      Each token read advances the cursor by at least four bytes, so the
 *      walk ends after at most size/4 steps whatever the input; nesting is
 *      limited to DT_MAX_DEPTH.  Only the first three levels (root, its
 *      children, their children) are interpreted; deeper nodes are walked
 *      and checked but otherwise ignored.
 *
 * A node's properties precede its children (the format requires it), but
 * they come in any order, so facts that depend on several properties
 * (device_type and reg of a memory node) are recorded while the
 * properties stream past and acted upon once the node's property list is
 * complete: at its first child or at its end (dt_node_finish()).
 *
 * All multi-byte fields are big-endian and read a byte at a time, so the
 * blob may sit at any alignment.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <core/dt.h>
#include <core/memmap.h>
#include <mneme/error.h>

#define DT_MAGIC          0xd00dfeedu
#define DT_TOKEN_BEGIN    1u
#define DT_TOKEN_END_NODE 2u
#define DT_TOKEN_PROP     3u
#define DT_TOKEN_NOP      4u
#define DT_TOKEN_END      9u

#define DT_HEADER_V16     36u   /* bytes of header in version 16 */
#define DT_HEADER_V17     40u   /* version 17 adds size_dt_struct */
#define DT_LAST_COMP      17u   /* newest format this reader understands */
#define DT_LEVELS         4     /* node levels interpreted: root, child, grandchild, and /cpus/cpu@N/interrupt-controller */

/* The validated layout of a blob. */
struct dt_blob {
	const uint8_t *p;
	uint32_t size;                      /* totalsize */
	uint32_t version, boot_cpuid;
	uint32_t struct_off, struct_end;
	uint32_t strings_off, strings_size;
	uint32_t rsv_off, rsv_end;          /* rsv_end: just past the terminator */
	const char *why;                    /* error message */
	uint32_t where;                     /* error offset */
};

enum dt_kind {
	DT_NODE_OTHER,
	DT_NODE_ROOT,
	DT_NODE_TOP,           /* child of the root, perhaps a memory node */
	DT_NODE_RESV_PARENT,   /* /reserved-memory */
	DT_NODE_RESV,          /* /reserved-memory/<x> */
	DT_NODE_CHOSEN,
	DT_NODE_CPUS,
	DT_NODE_CPU,           /* /cpus/cpu@<n> */
	DT_NODE_SOC,
	DT_NODE_SOC_DEV,       /* /soc/<x> */
	DT_NODE_DISTMAP,       /* /distance-map */
	DT_NODE_CPU_INTC,      /* /cpus/cpu@<n>/interrupt-controller */
};

/* A property value: offset and length inside the blob. */
struct dt_span {
	uint32_t off, len;
	bool present;
};

/* What is remembered about an open node of the first DT_LEVELS levels. */
struct dt_node {
	enum dt_kind kind;
	bool props_done;
	bool memory_type;       /* device_type = "memory" */
	bool disabled;          /* status other than "okay"/"ok" */
	bool no_map;
	bool dynamic;           /* has size or alloc-ranges */
	uint32_t addr_cells, size_cells;  /* for the node's children */
	struct dt_span name, reg, nid, compat, tbf, mmu, dmat;
	struct dt_span irqs, irqs_ext, ndev, phandle;   /* interrupts, interrupts-extended, riscv,ndev */
};

struct dt_walk {
	struct dt_blob *b;
	struct dt_machine *m;
	uint32_t depth;                     /* open nodes */
	bool root_done;
	struct dt_span initrd_start, initrd_end;
	struct dt_node lv[DT_LEVELS];
};

/* ---- byte-level helpers -------------------------------------------- */

static uint32_t dt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t dt_be64(const uint8_t *p)
{
	return (uint64_t)dt_be32(p) << 32 | dt_be32(p + 4);
}

/* Big-endian number of @cells 32-bit cells (1 or 2) at @p. */
static uint64_t dt_cells(const uint8_t *p, uint32_t cells)
{
	return cells == 2 ? dt_be64(p) : dt_be32(p);
}

static uint32_t dt_header_field(const struct dt_blob *b, uint32_t off)
{
	return dt_be32(b->p + off);
}

static int dt_fail(struct dt_blob *b, int err, const char *why, uint32_t where)
{
	b->why = why;
	b->where = where;
	return err;
}

/* Length of the string at @s up to a NUL or @max bytes. */
static uint32_t dt_strnlen(const uint8_t *s, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* Is the (not necessarily terminated) string @s of @len bytes equal to @lit? */
static bool dt_str_eq(const uint8_t *s, uint32_t len, const char *lit)
{
	uint32_t i;

	for (i = 0; i < len && lit[i] != '\0'; i++)
		if (s[i] != (uint8_t)lit[i])
			return false;
	return i == len && lit[i] == '\0';
}

static bool dt_str_prefix(const uint8_t *s, uint32_t len, const char *lit)
{
	uint32_t i;

	for (i = 0; lit[i] != '\0'; i++)
		if (i >= len || s[i] != (uint8_t)lit[i])
			return false;
	return true;
}

/* Is node name @s (@len bytes) "@base" or "@base@unit"? */
static bool dt_name_is(const uint8_t *s, uint32_t len, const char *base)
{
	uint32_t i;

	for (i = 0; base[i] != '\0'; i++)
		if (i >= len || s[i] != (uint8_t)base[i])
			return false;
	return i == len || s[i] == '@';
}

/* Copy a string value into @dst (@cap bytes, NUL-terminated); true if it was cut. */
static bool dt_copy_str(char *dst, uint32_t cap, const uint8_t *src, uint32_t len)
{
	uint32_t n = dt_strnlen(src, len);
	bool cut = n > cap - 1;

	if (cut)
		n = cap - 1;
	for (uint32_t i = 0; i < n; i++)
		dst[i] = (char)src[i];
	dst[n] = '\0';
	return cut;
}

/* ---- stage 1: the header and block layout -------------------------- */

static int dt_check_block(struct dt_blob *b, uint32_t off, uint32_t size, uint32_t align,
			  uint32_t hdr, const char *what)
{
	if (off < hdr)
		return dt_fail(b, -MNEME_ECORRUPT, what, off);
	if (off % align != 0)
		return dt_fail(b, -MNEME_ECORRUPT, what, off);
	if (off > b->size || size > b->size - off)
		return dt_fail(b, -MNEME_ECORRUPT, what, off);
	return 0;
}

static bool dt_overlap(uint32_t a, uint32_t a_end, uint32_t c, uint32_t c_end)
{
	return a < a_end && c < c_end && a < c_end && c < a_end;
}

/* The lowest start of a non-empty block at or above @off, or totalsize. */
static uint32_t dt_next_block(const struct dt_blob *b, uint32_t off)
{
	uint32_t limit = b->size;

	if (b->struct_end > b->struct_off && b->struct_off >= off && b->struct_off < limit)
		limit = b->struct_off;
	if (b->strings_size > 0 && b->strings_off >= off && b->strings_off < limit)
		limit = b->strings_off;
	return limit;
}

/*
 * Find the terminator of the memory-reservation map, which may not run
 * into the next block.  Like libfdt, an entry of size 0 ends the map.
 */
static int dt_scan_rsvmap(struct dt_blob *b)
{
	uint32_t limit = dt_next_block(b, b->rsv_off);
	uint32_t off = b->rsv_off;

	if ((b->struct_off < b->rsv_off && b->rsv_off < b->struct_end) ||
	    (b->strings_off < b->rsv_off && b->rsv_off < b->strings_off + b->strings_size))
		return dt_fail(b, -MNEME_ECORRUPT, "memory reservation map inside another block", off);
	for (;;) {
		if (limit - off < 16)
			return dt_fail(b, -MNEME_ECORRUPT, "memory reservation map not terminated", off);
		if (dt_be64(b->p + off + 8) == 0)
			break;
		off += 16;
	}
	b->rsv_end = off + 16;
	return 0;
}

/* Validate the header of @p (@avail bytes readable) and fill @b. */
static int dt_layout(const void *p, size_t avail, struct dt_blob *b)
{
	uint32_t hdr, last_comp;
	int err;

	b->p = p;
	b->why = NULL;
	b->where = 0;
	if (avail < 4)
		return dt_fail(b, -MNEME_ETRUNC, "blob shorter than its magic number", 0);
	if (dt_be32(b->p) != DT_MAGIC)
		return dt_fail(b, -MNEME_ECORRUPT, "bad magic number (not a device tree)", 0);
	if (avail < 28)
		return dt_fail(b, -MNEME_ETRUNC, "header truncated", 0);
	b->version = dt_header_field(b, 20);
	last_comp = dt_header_field(b, 24);
	if (b->version < 16)
		return dt_fail(b, -MNEME_ECORRUPT, "format version older than 16", 20);
	if (last_comp > DT_LAST_COMP)
		return dt_fail(b, -MNEME_ECORRUPT, "last compatible version newer than 17", 24);
	if (last_comp > b->version)
		return dt_fail(b, -MNEME_ECORRUPT, "last compatible version newer than the version", 24);
	hdr = b->version >= 17 ? DT_HEADER_V17 : DT_HEADER_V16;
	if (avail < hdr)
		return dt_fail(b, -MNEME_ETRUNC, "header truncated", 0);
	b->size = dt_header_field(b, 4);
	if (b->size < hdr)
		return dt_fail(b, -MNEME_ECORRUPT, "totalsize smaller than the header", 4);
	if (b->size > avail)
		return dt_fail(b, -MNEME_ETRUNC, "totalsize larger than the bytes available", 4);
	b->struct_off = dt_header_field(b, 8);
	b->strings_off = dt_header_field(b, 12);
	b->rsv_off = dt_header_field(b, 16);
	b->boot_cpuid = dt_header_field(b, 28);
	b->strings_size = dt_header_field(b, 32);

	err = dt_check_block(b, b->rsv_off, 16, 8, hdr, "memory reservation map misplaced or misaligned");
	if (!err)
		err = dt_check_block(b, b->struct_off, 0, 4, hdr, "structure block misplaced or misaligned");
	if (!err)
		err = dt_check_block(b, b->strings_off, b->strings_size, 1, hdr, "strings block outside the blob");
	if (err)
		return err;
	if (b->version >= 17) {
		uint32_t size = dt_header_field(b, 36);

		if (size > b->size - b->struct_off)
			return dt_fail(b, -MNEME_ECORRUPT, "structure block runs past totalsize", 36);
		b->struct_end = b->struct_off + size;
	} else {
		/* v16 gives no size: the block runs to whatever follows it. */
		b->struct_end = b->size;
		if (b->strings_size > 0 && b->strings_off > b->struct_off && b->strings_off < b->struct_end)
			b->struct_end = b->strings_off;
		if (b->rsv_off > b->struct_off && b->rsv_off < b->struct_end)
			b->struct_end = b->rsv_off;
	}
	if (dt_overlap(b->struct_off, b->struct_end, b->strings_off, b->strings_off + b->strings_size))
		return dt_fail(b, -MNEME_ECORRUPT, "structure and strings blocks overlap", 12);
	return dt_scan_rsvmap(b);
}

int dt_check_header(const void *blob, size_t avail, uint32_t *totalsize)
{
	struct dt_blob b;
	int err = dt_layout(blob, avail, &b);

	if (!err && totalsize)
		*totalsize = b.size;
	return err;
}

/* ---- stage 2: the structure block ---------------------------------- */

static int dt_walk_fail(struct dt_walk *w, int err, const char *why, uint32_t where)
{
	return dt_fail(w->b, err, why, where);
}

/* The node at nesting level @depth (1 = root), or NULL if not tracked. */
static struct dt_node *dt_level(struct dt_walk *w, uint32_t depth)
{
	return depth >= 1 && depth <= DT_LEVELS ? &w->lv[depth - 1] : NULL;
}

static const uint8_t *dt_span_ptr(const struct dt_walk *w, const struct dt_span *s)
{
	return w->b->p + s->off;
}

/* A 32- or 64-bit number property; false if its length is neither. */
static bool dt_span_number(const struct dt_walk *w, const struct dt_span *s, uint64_t *v)
{
	if (s->len == 4)
		*v = dt_be32(dt_span_ptr(w, s));
	else if (s->len == 8)
		*v = dt_be64(dt_span_ptr(w, s));
	else
		return false;
	return true;
}

static int dt_check_cells(struct dt_walk *w, const struct dt_node *parent, const struct dt_span *reg)
{
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;

	if (ac < 1 || ac > 2)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "unsupported #address-cells (must be 1 or 2)", reg->off);
	if (sc < 1 || sc > 2)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "unsupported #size-cells (must be 1 or 2)", reg->off);
	if (reg->len % ((ac + sc) * 4) != 0)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "reg length not a multiple of its cells", reg->off);
	return 0;
}

/* Reg pair @i of @reg, decoded with @parent's cell counts (already checked). */
static void dt_reg_pair(const struct dt_walk *w, const struct dt_node *parent,
			const struct dt_span *reg, uint32_t i, uint64_t *base, uint64_t *size)
{
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;
	const uint8_t *p = dt_span_ptr(w, reg) + i * (ac + sc) * 4;

	*base = dt_cells(p, ac);
	*size = dt_cells(p + ac * 4, sc);
}

static uint32_t dt_reg_count(const struct dt_node *parent, const struct dt_span *reg)
{
	return reg->len / ((parent->addr_cells + parent->size_cells) * 4);
}

/* A memory node's properties are complete: record its reg pairs. */
static int dt_finish_memory(struct dt_walk *w, const struct dt_node *n)
{
	const struct dt_node *root = &w->lv[0];
	struct dt_machine *m = w->m;
	uint32_t nid = 0;
	int err;

	if (n->disabled || !n->reg.present)
		return 0;
	if (n->nid.present && n->nid.len == 4)
		nid = dt_be32(dt_span_ptr(w, &n->nid));
	err = dt_check_cells(w, root, &n->reg);
	if (err)
		return err;
	for (uint32_t i = 0; i < dt_reg_count(root, &n->reg); i++) {
		struct dt_mem *e;

		if (m->nr_mem == DT_MAX_MEM)
			return dt_walk_fail(w, -MNEME_ENOMEM, "more than DT_MAX_MEM memory ranges", n->reg.off);
		e = &m->mem[m->nr_mem++];
		dt_reg_pair(w, root, &n->reg, i, &e->base, &e->size);
		e->nid = nid;
		e->has_nid = !n->nid.present ? DT_NID_NONE : n->nid.len == 4 ? DT_NID_OK : DT_NID_BAD;
	}
	return 0;
}

static int dt_add_resv(struct dt_walk *w, uint64_t base, uint64_t size, uint32_t flags,
		       const struct dt_span *name, uint32_t where)
{
	struct dt_machine *m = w->m;
	struct dt_resv *r;

	if (m->nr_resv == DT_MAX_RESV)
		return dt_walk_fail(w, -MNEME_ENOMEM, "more than DT_MAX_RESV reserved ranges", where);
	r = &m->resv[m->nr_resv++];
	r->base = base;
	r->size = size;
	r->flags = flags;
	r->name[0] = '\0';
	if (name)
		dt_copy_str(r->name, sizeof(r->name), dt_span_ptr(w, name), name->len);
	return 0;
}

/* A /reserved-memory child's properties are complete. */
static int dt_finish_resv(struct dt_walk *w, const struct dt_node *n)
{
	const struct dt_node *parent = &w->lv[1];
	int err;

	if (n->disabled)
		return 0;
	if (!n->reg.present) {
		/* Dynamic (size/alloc-ranges) regions are placed by an OS allocator, not here. */
		if (n->dynamic)
			w->m->nr_resv_dynamic++;
		return 0;
	}
	err = dt_check_cells(w, parent, &n->reg);
	for (uint32_t i = 0; !err && i < dt_reg_count(parent, &n->reg); i++) {
		uint64_t base, size;

		dt_reg_pair(w, parent, &n->reg, i, &base, &size);
		err = dt_add_resv(w, base, size, n->no_map ? DT_RESV_NOMAP : 0, &n->name, n->reg.off);
	}
	return err;
}

/* Does the compatible list @c contain @want? */
static bool dt_compat_has(const struct dt_walk *w, const struct dt_span *c, const char *want)
{
	const uint8_t *p = dt_span_ptr(w, c);
	uint32_t off = 0;

	while (off < c->len) {
		uint32_t n = dt_strnlen(p + off, c->len - off);

		if (dt_str_eq(p + off, n, want))
			return true;
		off += n + 1;
	}
	return false;
}

/* Record @n as @dev if it is the first match; soft: bad cells just leave no reg. */
static void dt_note_device(struct dt_walk *w, const struct dt_node *n, struct dt_device *dev,
			   const char *compat)
{
	const struct dt_node *soc = &w->lv[1];
	uint32_t ac = soc->addr_cells, sc = soc->size_cells;

	if (dev->present)
		return;
	dev->present = true;
	dt_copy_str(dev->compatible, sizeof(dev->compatible), (const uint8_t *)compat, DT_COMPAT_MAX);
	if (n->irqs.present && n->irqs.len >= 4) {
		dev->has_irq = true;
		dev->irq = dt_be32(dt_span_ptr(w, &n->irqs));
	}
	if (!n->reg.present || ac < 1 || ac > 2 || sc < 1 || sc > 2 || n->reg.len < (ac + sc) * 4)
		return;
	dev->has_reg = true;
	dt_reg_pair(w, soc, &n->reg, 0, &dev->base, &dev->size);
}

/* The PLIC's contexts: interrupts-extended is (phandle, irq) pairs, context i = pair i. */
static void dt_note_plic(struct dt_walk *w, const struct dt_node *n)
{
	struct dt_machine *m = w->m;
	const uint8_t *p = dt_span_ptr(w, &n->irqs_ext);

	if (n->ndev.present && n->ndev.len == 4)
		m->plic_ndev = dt_be32(dt_span_ptr(w, &n->ndev));
	if (!n->irqs_ext.present)
		return;
	for (uint32_t off = 0; off + 8 <= n->irqs_ext.len && m->nr_plic_ctx < DT_MAX_PLIC_CTX; off += 8)
		m->plic_ctx[m->nr_plic_ctx++] = (struct dt_plic_ctx){ dt_be32(p + off), dt_be32(p + off + 4) };
}

static void dt_finish_soc_dev(struct dt_walk *w, const struct dt_node *n)
{
	static const char *const tests[] = { "sifive,test1", "sifive,test0" };
	static const char *const uarts[] = { "ns16550a", "ns16550" };
	static const char *const plics[] = { "sifive,plic-1.0.0", "riscv,plic0" };

	if (n->disabled || !n->compat.present)
		return;
	for (uint32_t i = 0; i < 2; i++) {
		if (dt_compat_has(w, &n->compat, tests[i]))
			dt_note_device(w, n, &w->m->test, tests[i]);
		if (dt_compat_has(w, &n->compat, uarts[i]))
			dt_note_device(w, n, &w->m->uart, uarts[i]);
		if (dt_compat_has(w, &n->compat, plics[i]) && !w->m->plic.present) {
			dt_note_device(w, n, &w->m->plic, plics[i]);
			dt_note_plic(w, n);
		}
	}
}

/*
 * /distance-map: Linux's numa-distance-map-v1 binding, a distance-matrix
 * of (from, to, distance) cell triplets.  Recorded as given; anything
 * wrong with it marks it bad instead of failing the parse.
 */
static void dt_finish_distmap(struct dt_walk *w, const struct dt_node *n)
{
	struct dt_machine *m = w->m;
	const uint8_t *p;
	uint32_t count;

	if (n->disabled || !n->compat.present || !dt_compat_has(w, &n->compat, "numa-distance-map-v1") ||
	    m->distance_map != DT_DISTMAP_NONE)
		return;
	m->distance_map = DT_DISTMAP_BAD;
	if (!n->dmat.present || !n->dmat.len || n->dmat.len % 12)
		return;
	count = n->dmat.len / 12;
	if (count > DT_MAX_DISTANCES)
		return;
	p = dt_span_ptr(w, &n->dmat);
	for (uint32_t i = 0; i < count; i++, p += 12)
		m->distance[i] = (struct dt_distance){ dt_be32(p), dt_be32(p + 4), dt_be32(p + 8) };
	m->nr_distances = count;
	m->distance_map = DT_DISTMAP_OK;
}

/* A cpu's interrupt-controller child: its phandle names the hart in the PLIC's contexts. */
static void dt_finish_cpu_intc(struct dt_walk *w, const struct dt_node *n)
{
	struct dt_machine *m = w->m;

	if (!n->phandle.present || n->phandle.len != 4 || !m->nr_cpu_nodes ||
	    m->nr_cpu_nodes > DT_MAX_CPUS)
		return;
	m->cpu[m->nr_cpu_nodes - 1].intc_phandle = dt_be32(dt_span_ptr(w, &n->phandle));
}

static int dt_finish_tbf(struct dt_walk *w, const struct dt_node *n)
{
	uint64_t v;

	if (!n->tbf.present || w->m->timebase_frequency != 0)
		return 0;
	if (!dt_span_number(w, &n->tbf, &v))
		return dt_walk_fail(w, -MNEME_ECORRUPT, "timebase-frequency is not 32 or 64 bits", n->tbf.off);
	w->m->timebase_frequency = v;
	return 0;
}

/* mmu-type @s (@len bytes): "riscv,svNN" -> NN for the modes of the RISC-V binding, else 0. */
static uint32_t dt_mmu_sv(const uint8_t *s, uint32_t len)
{
	static const char *const names[] = { "riscv,sv32", "riscv,sv39", "riscv,sv48", "riscv,sv57" };
	static const uint32_t sv[] = { 32, 39, 48, 57 };
	uint32_t n = dt_strnlen(s, len);

	for (uint32_t i = 0; i < sizeof(sv) / sizeof(sv[0]); i++)
		if (dt_str_eq(s, n, names[i]))
			return sv[i];
	return 0;
}

/*
 * A cpu node's properties are complete: record it as it is, malformed or
 * not (dt_cpus_select() decides; a bad cpu node never fails the parse).
 */
static void dt_finish_cpu(struct dt_walk *w, const struct dt_node *n)
{
	const struct dt_node *cpus = &w->lv[1];
	uint32_t ac = cpus->addr_cells;
	struct dt_machine *m = w->m;
	struct dt_cpu *c;

	if (m->nr_cpu_nodes++ >= DT_MAX_CPUS)
		return;
	c = &m->cpu[m->nr_cpu_nodes - 1];
	if (!n->disabled)
		c->flags |= DT_CPUF_OKAY;
	if (n->reg.present) {
		c->flags |= DT_CPUF_REG;
		if ((ac == 1 || ac == 2) && n->reg.len == ac * 4) {
			c->flags |= DT_CPUF_REG_OK;
			c->hartid = dt_cells(dt_span_ptr(w, &n->reg), ac);
		}
	}
	if (n->nid.present) {
		c->flags |= DT_CPUF_NID;
		if (n->nid.len == 4) {
			c->flags |= DT_CPUF_NID_OK;
			c->nid = dt_be32(dt_span_ptr(w, &n->nid));
		}
	}
	if (n->mmu.present) {
		c->flags |= DT_CPUF_MMU;
		dt_copy_str(c->mmu_type, sizeof(c->mmu_type), dt_span_ptr(w, &n->mmu), n->mmu.len);
		c->mmu_sv = dt_mmu_sv(dt_span_ptr(w, &n->mmu), n->mmu.len);
	}
}

/* The property list of @n is complete (a child starts or @n ends). */
static int dt_node_finish(struct dt_walk *w, struct dt_node *n)
{
	const uint8_t *name = dt_span_ptr(w, &n->name);

	if (n->props_done)
		return 0;
	n->props_done = true;
	switch (n->kind) {
	case DT_NODE_TOP:
		if (n->memory_type || dt_name_is(name, n->name.len, "memory"))
			return dt_finish_memory(w, n);
		return 0;
	case DT_NODE_RESV:
		return dt_finish_resv(w, n);
	case DT_NODE_CPUS:
		return dt_finish_tbf(w, n);
	case DT_NODE_CPU:
		dt_finish_cpu(w, n);
		if (n->disabled)
			return 0;
		w->m->nr_cpus++;
		return dt_finish_tbf(w, n);
	case DT_NODE_SOC_DEV:
		dt_finish_soc_dev(w, n);
		return 0;
	case DT_NODE_DISTMAP:
		dt_finish_distmap(w, n);
		return 0;
	case DT_NODE_CPU_INTC:
		dt_finish_cpu_intc(w, n);
		return 0;
	default:
		return 0;
	}
}

/* The kind of a new node named @name (@len bytes) under a node of kind @parent. */
static enum dt_kind dt_classify(enum dt_kind parent, const uint8_t *name, uint32_t len)
{
	switch (parent) {
	case DT_NODE_ROOT:
		if (dt_name_is(name, len, "reserved-memory"))
			return DT_NODE_RESV_PARENT;
		if (dt_name_is(name, len, "chosen"))
			return DT_NODE_CHOSEN;
		if (dt_name_is(name, len, "cpus"))
			return DT_NODE_CPUS;
		if (dt_name_is(name, len, "soc"))
			return DT_NODE_SOC;
		if (dt_name_is(name, len, "distance-map"))
			return DT_NODE_DISTMAP;
		return DT_NODE_TOP;
	case DT_NODE_RESV_PARENT:
		return DT_NODE_RESV;
	case DT_NODE_CPUS:
		return dt_name_is(name, len, "cpu") ? DT_NODE_CPU : DT_NODE_OTHER;
	case DT_NODE_SOC:
		return DT_NODE_SOC_DEV;
	case DT_NODE_CPU:
		return dt_name_is(name, len, "interrupt-controller") ? DT_NODE_CPU_INTC : DT_NODE_OTHER;
	default:
		return DT_NODE_OTHER;
	}
}

/* FDT_BEGIN_NODE at @off (the token already consumed); advances *@off. */
static int dt_begin_node(struct dt_walk *w, uint32_t *off)
{
	struct dt_blob *b = w->b;
	uint32_t start = *off, len = dt_strnlen(b->p + start, b->struct_end - start);
	struct dt_node *parent = dt_level(w, w->depth), *n;
	uint64_t end;
	int err;

	if (len == b->struct_end - start)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "unterminated node name", start);
	end = (uint64_t)start + ((len + 1ull + 3) & ~3ull);
	if (end > b->struct_end)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "node name padding runs past the structure block", start);
	*off = (uint32_t)end;
	if (w->root_done)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "more than one root node", start - 4);
	if (w->depth == DT_MAX_DEPTH)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "nodes nested deeper than DT_MAX_DEPTH", start - 4);
	if (parent) {
		err = dt_node_finish(w, parent);
		if (err)
			return err;
	}
	w->depth++;
	n = dt_level(w, w->depth);
	if (!n)
		return 0;
	__builtin_memset(n, 0, sizeof(*n));
	n->kind = parent ? dt_classify(parent->kind, b->p + start, len) : DT_NODE_ROOT;
	n->addr_cells = 2;
	n->size_cells = 1;
	n->name = (struct dt_span){ .off = start, .len = len, .present = true };
	return 0;
}

static int dt_end_node(struct dt_walk *w, uint32_t off)
{
	struct dt_node *n = dt_level(w, w->depth);
	int err;

	if (w->depth == 0)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "FDT_END_NODE without an open node", off);
	if (n) {
		err = dt_node_finish(w, n);
		if (err)
			return err;
	}
	if (--w->depth == 0)
		w->root_done = true;
	return 0;
}

/* A one-cell property such as #address-cells. */
static int dt_prop_cell(struct dt_walk *w, const struct dt_span *v, uint32_t *out)
{
	if (v->len != 4)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "#address-cells or #size-cells is not one cell", v->off);
	*out = dt_be32(dt_span_ptr(w, v));
	return 0;
}

static bool dt_value_is(const struct dt_walk *w, const struct dt_span *v, const char *lit)
{
	const uint8_t *p = dt_span_ptr(w, v);

	return dt_str_eq(p, dt_strnlen(p, v->len), lit);
}

static void dt_prop_chosen(struct dt_walk *w, const uint8_t *name, uint32_t nlen, const struct dt_span *v)
{
	struct dt_machine *m = w->m;

	if (dt_str_eq(name, nlen, "bootargs")) {
		m->has_bootargs = true;
		m->bootargs_truncated = dt_copy_str(m->bootargs, sizeof(m->bootargs), dt_span_ptr(w, v), v->len);
	} else if (dt_str_eq(name, nlen, "stdout-path")) {
		m->has_stdout_path = true;
		dt_copy_str(m->stdout_path, sizeof(m->stdout_path), dt_span_ptr(w, v), v->len);
	} else if (dt_str_eq(name, nlen, "linux,initrd-start")) {
		w->initrd_start = *v;
	} else if (dt_str_eq(name, nlen, "linux,initrd-end")) {
		w->initrd_end = *v;
	}
}

/* Record property @name = @v of node @n, as far as its kind cares. */
static int dt_prop(struct dt_walk *w, struct dt_node *n, const uint8_t *name, uint32_t nlen,
		   const struct dt_span *v)
{
	bool cells_used = n->kind == DT_NODE_ROOT || n->kind == DT_NODE_RESV_PARENT ||
			  n->kind == DT_NODE_SOC;

	/* /cpus: a malformed #address-cells only makes every cpu's reg unusable (0 cells). */
	if (n->kind == DT_NODE_CPUS && dt_str_eq(name, nlen, "#address-cells")) {
		n->addr_cells = v->len == 4 ? dt_be32(dt_span_ptr(w, v)) : 0;
		return 0;
	}
	if (cells_used && dt_str_eq(name, nlen, "#address-cells"))
		return dt_prop_cell(w, v, &n->addr_cells);
	if (cells_used && dt_str_eq(name, nlen, "#size-cells"))
		return dt_prop_cell(w, v, &n->size_cells);
	if (n->kind == DT_NODE_CHOSEN) {
		dt_prop_chosen(w, name, nlen, v);
		return 0;
	}
	if (dt_str_eq(name, nlen, "reg"))
		n->reg = *v;
	else if (dt_str_eq(name, nlen, "numa-node-id"))
		n->nid = *v;
	else if (dt_str_eq(name, nlen, "compatible"))
		n->compat = *v;
	else if (dt_str_eq(name, nlen, "timebase-frequency"))
		n->tbf = *v;
	else if (dt_str_eq(name, nlen, "mmu-type"))
		n->mmu = *v;
	else if (n->kind == DT_NODE_DISTMAP && dt_str_eq(name, nlen, "distance-matrix"))
		n->dmat = *v;
	else if (dt_str_eq(name, nlen, "interrupts"))
		n->irqs = *v;
	else if (dt_str_eq(name, nlen, "interrupts-extended"))
		n->irqs_ext = *v;
	else if (dt_str_eq(name, nlen, "riscv,ndev"))
		n->ndev = *v;
	else if (dt_str_eq(name, nlen, "phandle"))
		n->phandle = *v;
	else if (dt_str_eq(name, nlen, "no-map"))
		n->no_map = true;
	else if (dt_str_eq(name, nlen, "size") || dt_str_eq(name, nlen, "alloc-ranges"))
		n->dynamic = true;
	else if (dt_str_eq(name, nlen, "device_type"))
		n->memory_type = dt_value_is(w, v, "memory");
	else if (dt_str_eq(name, nlen, "status"))
		n->disabled = !dt_value_is(w, v, "okay") && !dt_value_is(w, v, "ok");
	return 0;
}

/* FDT_PROP at @off (the token already consumed); advances *@off. */
static int dt_prop_token(struct dt_walk *w, uint32_t *off)
{
	struct dt_blob *b = w->b;
	uint32_t start = *off, nameoff, nlen;
	struct dt_node *n = dt_level(w, w->depth);
	struct dt_span v;
	const uint8_t *name;
	uint64_t end;

	if (b->struct_end - start < 8)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "property header runs past the structure block", start);
	v = (struct dt_span){ .off = start + 8, .len = dt_be32(b->p + start), .present = true };
	nameoff = dt_be32(b->p + start + 4);
	if (v.len > b->struct_end - v.off)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "property value runs past the structure block", start);
	end = ((uint64_t)v.off + v.len + 3) & ~3ull;
	if (end > b->struct_end)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "property padding runs past the structure block", start);
	*off = (uint32_t)end;
	if (w->depth == 0)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "property outside any node", start - 4);
	if (nameoff >= b->strings_size)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "property name offset outside the strings block", start + 4);
	name = b->p + b->strings_off + nameoff;
	nlen = dt_strnlen(name, b->strings_size - nameoff);
	if (nlen == b->strings_size - nameoff)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "unterminated property name", start + 4);
	if (!n)
		return 0;
	if (n->props_done)
		return dt_walk_fail(w, -MNEME_ECORRUPT, "property after a subnode", start - 4);
	return dt_prop(w, n, name, nlen, &v);
}

/* Walk the structure block token by token (see the design comment). */
static int dt_walk_struct(struct dt_walk *w)
{
	struct dt_blob *b = w->b;
	uint32_t off = b->struct_off;
	int err;

	for (;;) {
		uint32_t tok_off = off, tok;

		if (b->struct_end - off < 4)
			return dt_walk_fail(w, -MNEME_ECORRUPT, "structure block ends without FDT_END", off);
		tok = dt_be32(b->p + off);
		off += 4;
		switch (tok) {
		case DT_TOKEN_BEGIN:
			err = dt_begin_node(w, &off);
			break;
		case DT_TOKEN_END_NODE:
			err = dt_end_node(w, tok_off);
			break;
		case DT_TOKEN_PROP:
			err = dt_prop_token(w, &off);
			break;
		case DT_TOKEN_NOP:
			err = 0;
			break;
		case DT_TOKEN_END:
			if (!w->root_done)
				return dt_walk_fail(w, -MNEME_ECORRUPT, "FDT_END before the root node closed", tok_off);
			return 0;
		default:
			return dt_walk_fail(w, -MNEME_ECORRUPT, "unknown structure token", tok_off);
		}
		if (err)
			return err;
	}
}

static int dt_read_rsvmap(struct dt_walk *w)
{
	const struct dt_blob *b = w->b;

	for (uint32_t off = b->rsv_off; off + 16 < b->rsv_end; off += 16) {
		int err = dt_add_resv(w, dt_be64(b->p + off), dt_be64(b->p + off + 8),
				      DT_RESV_MEMRESERVE, NULL, off);
		if (err)
			return err;
	}
	return 0;
}

static int dt_finish_chosen(struct dt_walk *w)
{
	struct dt_machine *m = w->m;

	if (!w->initrd_start.present || !w->initrd_end.present)
		return 0;
	if (!dt_span_number(w, &w->initrd_start, &m->initrd_start))
		return dt_walk_fail(w, -MNEME_ECORRUPT, "linux,initrd-start is not 32 or 64 bits", w->initrd_start.off);
	if (!dt_span_number(w, &w->initrd_end, &m->initrd_end))
		return dt_walk_fail(w, -MNEME_ECORRUPT, "linux,initrd-end is not 32 or 64 bits", w->initrd_end.off);
	m->has_initrd = true;
	return 0;
}

int dt_parse_memory(const void *blob, size_t max_size, struct dt_machine *out)
{
	struct dt_blob b;
	struct dt_walk w = { .b = &b, .m = out };
	int err;

	__builtin_memset(out, 0, sizeof(*out));
	err = dt_layout(blob, max_size, &b);
	if (!err) {
		out->totalsize = b.size;
		out->version = b.version;
		out->boot_cpuid = b.boot_cpuid;
		err = dt_read_rsvmap(&w);
	}
	if (!err)
		err = dt_walk_struct(&w);
	if (!err)
		err = dt_finish_chosen(&w);
	if (err) {
		out->error = b.why ? b.why : dt_strerror(err);
		out->error_offset = b.where;
	}
	return err;
}

/* ---- conversion to a memory map ------------------------------------ */

/* Append a memory range; when @r is full, sanitise to make room, then add exactly. */
static int dt_map_push(struct mneme_mem_range *r, uint32_t *nr, uint32_t max,
		       const struct dt_mem *e)
{
	int err;

	if (e->size == 0)
		return 0;
	if (*nr < max) {
		r[*nr] = (struct mneme_mem_range){
			.base = e->base, .size = e->size, .type = MNEME_MEM_USABLE, .nid = e->nid,
		};
		(*nr)++;
		return 0;
	}
	err = memmap_sanitize(r, nr, max);
	if (!err)
		err = memmap_add(r, nr, max, e->base, e->size, MNEME_MEM_USABLE, e->nid);
	return err;
}

static uint32_t dt_resv_type(const struct dt_resv *v)
{
	const uint8_t *name = (const uint8_t *)v->name;

	if (v->flags & DT_RESV_NOMAP)
		return MNEME_MEM_NOMAP;
	/*
	 * OpenSBI reserves its own image as /reserved-memory/mmode_resv* without
	 * no-map, but protects it with PMP: any S-mode access, even a
	 * speculative one through a linear map, faults.  So it must not be mapped.
	 */
	if (dt_str_prefix(name, dt_strnlen(name, sizeof(v->name)), "mmode_resv"))
		return MNEME_MEM_NOMAP;
	return MNEME_MEM_RESERVED;
}

/*
 * Memory first, sanitised, then each reservation carved out with
 * memmap_reserve so that reserved pieces keep the nid of their memory.
 */
int dt_to_memmap(const struct dt_machine *m, struct mneme_mem_range *r, uint32_t *nr, uint32_t max)
{
	uint32_t nmem = m->nr_mem < DT_MAX_MEM ? m->nr_mem : DT_MAX_MEM;
	uint32_t nresv = m->nr_resv < DT_MAX_RESV ? m->nr_resv : DT_MAX_RESV;
	int err = 0;

	*nr = 0;
	for (uint32_t i = 0; !err && i < nmem; i++)
		err = dt_map_push(r, nr, max, &m->mem[i]);
	if (!err)
		err = memmap_sanitize(r, nr, max);
	for (uint32_t i = 0; !err && i < nresv; i++)
		err = memmap_reserve(r, nr, max, m->resv[i].base, m->resv[i].size,
				     dt_resv_type(&m->resv[i]));
	return err;
}

/* ---- choosing the CPUs ---------------------------------------------- */

/* The hart id SBI reserves (hart_mask_base = -1 means "every hart"). */
#define DT_HARTID_RESERVED (~0ull)

/* Why cpu node @i cannot be used (DT_CPU_USE if it can), all but the limit. */
static unsigned dt_cpu_check(const struct dt_machine *m, uint32_t i, uint32_t need_sv)
{
	const struct dt_cpu *c = &m->cpu[i];

	if (!(c->flags & DT_CPUF_REG))
		return DT_CPU_NO_REG;
	if (!(c->flags & DT_CPUF_REG_OK) || c->hartid == DT_HARTID_RESERVED)
		return DT_CPU_BAD_REG;
	for (uint32_t j = 0; j < i; j++)
		if ((m->cpu[j].flags & DT_CPUF_REG_OK) && m->cpu[j].hartid == c->hartid)
			return DT_CPU_DUPLICATE;
	if (!(c->flags & DT_CPUF_OKAY))
		return DT_CPU_DISABLED;
	if ((c->flags & DT_CPUF_NID) && !(c->flags & DT_CPUF_NID_OK))
		return DT_CPU_BAD_NID;
	if (need_sv && !c->mmu_sv)
		return DT_CPU_NO_MMU;
	if (need_sv && c->mmu_sv < need_sv)
		return DT_CPU_MMU_SMALL;
	return DT_CPU_USE;
}

unsigned dt_cpus_select(const struct dt_machine *m, uint64_t boot_hartid, uint32_t need_sv,
			unsigned max, uint8_t verdict[DT_MAX_CPUS], uint32_t index[DT_MAX_CPUS],
			int *boot_node)
{
	uint32_t n = m->nr_cpu_nodes < DT_MAX_CPUS ? m->nr_cpu_nodes : DT_MAX_CPUS;
	unsigned chosen = 1;

	*boot_node = -1;
	for (uint32_t i = 0; i < n; i++) {
		const struct dt_cpu *c = &m->cpu[i];
		unsigned v = dt_cpu_check(m, i, need_sv);

		index[i] = 0;
		/* The first node with the boot hart's id (never a duplicate: it is the first). */
		if (*boot_node < 0 && (c->flags & DT_CPUF_REG_OK) && c->hartid == boot_hartid) {
			*boot_node = (int)i;
			v = DT_CPU_BOOT;
		} else if (v == DT_CPU_USE && chosen >= max) {
			v = DT_CPU_OVER_LIMIT;
		} else if (v == DT_CPU_USE) {
			index[i] = chosen++;
		}
		verdict[i] = (uint8_t)v;
	}
	return chosen;
}

const char *dt_cpu_verdict_str(unsigned verdict)
{
	switch (verdict) {
	case DT_CPU_USE: return "used";
	case DT_CPU_BOOT: return "the boot hart";
	case DT_CPU_NO_REG: return "no reg";
	case DT_CPU_BAD_REG: return "reg is not one hart id of #address-cells";
	case DT_CPU_DUPLICATE: return "hart id of an earlier cpu node";
	case DT_CPU_DISABLED: return "status not okay";
	case DT_CPU_BAD_NID: return "numa-node-id is not one cell";
	case DT_CPU_NO_MMU: return "no usable mmu-type";
	case DT_CPU_MMU_SMALL: return "mmu-type smaller than the paging mode in use";
	case DT_CPU_OVER_LIMIT: return "beyond the CPU limit";
	default: return "?";
	}
}

const char *dt_strerror(int err)
{
	switch (-err) {
	case MNEME_OK: return "success";
	case MNEME_ETRUNC: return "device tree truncated";
	case MNEME_ECORRUPT: return "device tree corrupt";
	case MNEME_ENOMEM: return "device tree has more entries than the fixed tables hold";
	case MNEME_EINVAL: return "invalid argument";
	default: return "unknown error";
	}
}

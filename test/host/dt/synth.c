/*
 * Hand-built blobs for what dtc cannot express: nesting depth, token
 * soup, version 16 headers, misplaced properties and tokens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include <core/dt.h>
#include <mneme/error.h>

#include "dt_test.h"

struct builder {
	uint8_t *buf;
	uint32_t cap, len;        /* structure block being built */
	char strings[256];
	uint32_t slen;
};

static void b_word(struct builder *b, uint32_t v)
{
	if (b->len + 4 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->buf = realloc(b->buf, b->cap);
	}
	b->buf[b->len++] = v >> 24;
	b->buf[b->len++] = v >> 16;
	b->buf[b->len++] = v >> 8;
	b->buf[b->len++] = v;
}

static void b_bytes(struct builder *b, const void *p, uint32_t n)
{
	uint32_t words = (n + 3) / 4;
	uint8_t tmp[4];

	for (uint32_t i = 0; i < words; i++) {
		memset(tmp, 0, 4);
		memcpy(tmp, (const uint8_t *)p + i * 4, n - i * 4 < 4 ? n - i * 4 : 4);
		b_word(b, (uint32_t)tmp[0] << 24 | tmp[1] << 16 | tmp[2] << 8 | tmp[3]);
	}
}

static void b_begin(struct builder *b, const char *name)
{
	b_word(b, FDT_BEGIN_NODE);
	b_bytes(b, name, (uint32_t)strlen(name) + 1);
}

static void b_prop(struct builder *b, const char *name, const void *val, uint32_t len)
{
	uint32_t off = 0;

	while (off < b->slen && strcmp(b->strings + off, name))
		off += (uint32_t)strlen(b->strings + off) + 1;
	if (off == b->slen) {
		strcpy(b->strings + off, name);
		b->slen += (uint32_t)strlen(name) + 1;
	}
	b_word(b, FDT_PROP);
	b_word(b, len);
	b_word(b, off);
	b_bytes(b, val, len);
}

static void b_prop32(struct builder *b, const char *name, uint32_t v)
{
	uint8_t be[4] = { v >> 24, v >> 16, v >> 8, v };

	b_prop(b, name, be, 4);
}

/* Assemble header (version @version), empty reservation map, struct, strings. */
static uint8_t *b_finish(struct builder *b, uint32_t version, uint32_t *total)
{
	uint32_t hdr = 40, rsv = 40, st = rsv + 16, str = st + b->len;
	uint8_t *blob = calloc(1, str + b->slen);

	*total = str + b->slen;
	uint32_t fields[10] = { FDT_MAGIC, *total, st, str, rsv, version, 16, 0, b->slen, b->len };
	for (uint32_t i = 0; i < (version >= 17 ? 10u : 9u); i++)
		for (uint32_t k = 0; k < 4; k++)
			blob[i * 4 + k] = (uint8_t)(fields[i] >> (24 - 8 * k));
	(void)hdr;
	memcpy(blob + st, b->buf, b->len);
	memcpy(blob + str, b->strings, b->slen);
	free(b->buf);
	memset(b, 0, sizeof(*b));
	return blob;
}

static int parse_built(struct builder *b, uint32_t version, struct dt_machine *m)
{
	uint32_t total;
	uint8_t *blob = b_finish(b, version, &total);
	int err = dt_parse_memory(blob, total, m);

	free(blob);
	return err;
}

/* A root with one memory node, then @depth - 2 nested nodes below it. */
static int nested(uint32_t depth, struct dt_machine *m)
{
	struct builder b = { 0 };
	uint32_t reg[3] = { 0, __builtin_bswap32(0x80000000), __builtin_bswap32(0x1000) };

	b_begin(&b, "");
	b_begin(&b, "memory@80000000");
	b_prop(&b, "device_type", "memory", 7);
	b_prop(&b, "reg", reg, 12);
	for (uint32_t i = 2; i < depth; i++)
		b_begin(&b, "n");
	for (uint32_t i = 0; i < depth; i++)
		b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	return parse_built(&b, 17, m);
}

static void synth_depth(void)
{
	static struct dt_machine m;

	CHECK(nested(DT_MAX_DEPTH, &m) == 0 && m.nr_mem == 1 && m.mem[0].base == 0x80000000,
	      "depth %u rejected: %s", DT_MAX_DEPTH, m.error);
	CHECK(nested(DT_MAX_DEPTH + 1, &m) == -MNEME_ECORRUPT, "depth %u accepted", DT_MAX_DEPTH + 1);
	CHECK(nested(200000, &m) == -MNEME_ECORRUPT, "depth 200000 accepted");
}

/* Small trees that are wrong in one way each. */
static void synth_shapes(void)
{
	static struct dt_machine m;
	struct builder b = { 0 };
	uint32_t reg[3] = { 0, __builtin_bswap32(0x80000000), __builtin_bswap32(0x1000) };

	/* well-formed, version 16 header */
	b_begin(&b, "");
	b_begin(&b, "memory@80000000");
	b_prop(&b, "reg", reg, 12);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 16, &m) == 0 && m.version == 16 && m.nr_mem == 1, "v16: %s", m.error);

	/* property after a subnode */
	b_begin(&b, "");
	b_begin(&b, "chosen");
	b_word(&b, FDT_END_NODE);
	b_prop32(&b, "#address-cells", 1);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "property after subnode accepted");

	/* property before any node */
	b_prop32(&b, "x", 1);
	b_begin(&b, "");
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "property outside a node accepted");

	/* two roots */
	b_begin(&b, "");
	b_word(&b, FDT_END_NODE);
	b_begin(&b, "");
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "two roots accepted");

	/* END inside the root; END_NODE at depth 0; no END at all */
	b_begin(&b, "");
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "unclosed root accepted");
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "stray END_NODE accepted");
	b_begin(&b, "");
	b_word(&b, FDT_END_NODE);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "missing END accepted");

	/* a megabyte of NOPs: linear walk, then rejected */
	for (uint32_t i = 0; i < (1u << 18); i++)
		b_word(&b, FDT_NOP);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "NOP soup accepted");

	/* numa-node-id of the wrong size; 64-bit initrd next to 32-bit */
	b_begin(&b, "");
	b_begin(&b, "memory@80000000");
	b_prop(&b, "device_type", "memory", 7);
	b_prop(&b, "reg", reg, 12);
	b_prop(&b, "numa-node-id", "\0\0\0\0\0\0\0\1", 8);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	/* recorded as malformed, not a parse error: NUMA falls back to one node over it */
	CHECK(parse_built(&b, 17, &m) == 0 && m.nr_mem == 1 && m.mem[0].has_nid == DT_NID_BAD &&
	      m.mem[0].nid == 0, "8-byte numa-node-id not recorded as malformed");

	b_begin(&b, "");
	b_begin(&b, "chosen");
	b_prop(&b, "linux,initrd-start", "\0\0\0\1\0\0\0\0", 8);
	b_prop32(&b, "linux,initrd-end", 0x1000);
	b_prop(&b, "bootargs", "console=ttyS0", 13);   /* no NUL: still read */
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 17, &m) == 0 && m.has_initrd && m.initrd_start == 1ull << 32 &&
	      m.initrd_end == 0x1000 && !strcmp(m.bootargs, "console=ttyS0"), "mixed initrd: %s", m.error);

	b_begin(&b, "");
	b_begin(&b, "chosen");
	b_prop(&b, "linux,initrd-start", "\0\0\1", 3);
	b_prop32(&b, "linux,initrd-end", 0x1000);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	CHECK(parse_built(&b, 17, &m) == -MNEME_ECORRUPT, "3-byte initrd-start accepted");
}

/* Blobs that are not blobs, and the header check alone. */
static void synth_header(void)
{
	static struct dt_machine m;
	uint8_t zeros[64] = { 0 };
	uint32_t total = 0;

	CHECK(dt_check_header(zeros, 0, &total) == -MNEME_ETRUNC, "empty");
	CHECK(dt_check_header(zeros, 64, &total) == -MNEME_ECORRUPT, "zeros");
	CHECK(dt_parse_memory(zeros, 64, &m) == -MNEME_ECORRUPT && m.error, "zeros parse");
	CHECK(dt_strerror(-MNEME_ECORRUPT) && dt_strerror(-MNEME_ETRUNC) && dt_strerror(-99), "strerror");
}

/* dt_to_memmap on a map with more raw entries than its capacity. */
static void synth_to_memmap(void)
{
	static struct dt_machine m;
	struct mneme_mem_range r[4];
	uint32_t nr = 0;

	memset(&m, 0, sizeof(m));
	m.nr_mem = 10;
	for (uint32_t i = 0; i < 10; i++)
		m.mem[9 - i] = (struct dt_mem){ .base = 0x80000000ull + i * 0x100000, .size = 0x100000, .nid = 2 };
	CHECK(dt_to_memmap(&m, r, &nr, 1) == 0 && nr == 1 && r[0].base == 0x80000000 &&
	      r[0].size == 0xa00000 && r[0].nid == 2, "ten adjacent ranges into one slot");
	m.nr_resv = 1;
	m.resv[0] = (struct dt_resv){ .base = 0x80400000, .size = 0x1000, .name = "mmode_resv2@80400000" };
	CHECK(dt_to_memmap(&m, r, &nr, 2) == -MNEME_ENOMEM, "3 entries in 2 slots");
	CHECK(dt_to_memmap(&m, r, &nr, 3) == 0 && nr == 3 && r[1].type == MNEME_MEM_NOMAP &&
	      r[1].nid == 2 && r[2].base == 0x80401000, "mmode_resv carved with its node");
}

void mutate_synthetic(void)
{
	synth_to_memmap();
	synth_depth();
	synth_shapes();
	synth_header();
	printf("  synthetic blobs done\n");
}

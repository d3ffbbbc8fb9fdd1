/*
 * Host tests of the memory-map sanitiser (core/memmap.c): hand-written
 * cases for every overlap shape and degenerate input, then thousands of
 * random maps checked against a per-unit reference model.
 *
 * Usage: memmap_test [random-rounds [e820-map-file...]]
 * The map files are real e820 maps (test/host/maps, "base size type"
 * lines); each is sanitised and checked at every boundary of every input
 * range against a brute-force reading of the unsanitised map.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <core/memmap.h>
#include <mneme/error.h>

#define U   MNEME_MEM_USABLE
#define A   MNEME_MEM_ACPI
#define N   MNEME_MEM_NVS
#define R   MNEME_MEM_RESERVED
#define NM  MNEME_MEM_NOMAP
#define C   MNEME_MEM_CORE
#define X   MNEME_MEM_UNUSABLE
#define F   MNEME_MEM_FIRMWARE
#define MAX64 UINT64_MAX

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

typedef struct mneme_mem_range range_t;

static void dump(const char *what, const range_t *r, uint32_t n)
{
	fprintf(stderr, "  %s (%u):\n", what, n);
	for (uint32_t i = 0; i < n; i++)
		fprintf(stderr, "    [%#" PRIx64 " +%#" PRIx64 "] %s nid %u\n",
			r[i].base, r[i].size, memmap_type_name(r[i].type), r[i].nid);
}

static bool same_map(const range_t *a, uint32_t na, const range_t *b, uint32_t nb)
{
	if (na != nb)
		return false;
	for (uint32_t i = 0; i < na; i++)
		if (a[i].base != b[i].base || a[i].size != b[i].size ||
		    a[i].type != b[i].type || a[i].nid != b[i].nid)
			return false;
	return true;
}

/* Sanitise @in (n entries, capacity @max) and compare with @want. */
static void expect_sanitize(int line, const range_t *in, uint32_t n, uint32_t max,
			    int want_err, const range_t *want, uint32_t nwant)
{
	range_t buf[64];
	uint32_t nr = n;
	int err;

	memcpy(buf, in, n * sizeof(*in));
	err = memmap_sanitize(buf, &nr, max);
	if (err != want_err) {
		failures++;
		fprintf(stderr, "line %d: memmap_sanitize returned %d, want %d\n", line, err, want_err);
		return;
	}
	if (err) {
		CHECK(nr == n && memcmp(buf, in, n * sizeof(*in)) == 0, "line %d: map changed on error", line);
		return;
	}
	if (!same_map(buf, nr, want, nwant)) {
		failures++;
		fprintf(stderr, "line %d: wrong sanitised map\n", line);
		dump("got", buf, nr);
		dump("want", want, nwant);
	}
}

#define LEN(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))
#define SAN(in, want) expect_sanitize(__LINE__, in, LEN(in), 64, 0, want, LEN(want))
#define E(b, s, t, n) { .base = (b), .size = (s), .type = (t), .nid = (n) }

static void test_shapes(void)
{
	/* unsorted, disjoint */
	range_t a[] = { E(0x3000, 0x1000, U, 0), E(0x1000, 0x1000, U, 0) };
	range_t a_w[] = { E(0x1000, 0x1000, U, 0), E(0x3000, 0x1000, U, 0) };
	SAN(a, a_w);
	/* adjacent equal: merged; adjacent different nid or type: kept */
	range_t b[] = { E(0x2000, 0x1000, U, 0), E(0x1000, 0x1000, U, 0), E(0x3000, 0x1000, U, 1),
			E(0x4000, 0x1000, R, 1) };
	range_t b_w[] = { E(0x1000, 0x2000, U, 0), E(0x3000, 0x1000, U, 1), E(0x4000, 0x1000, R, 1) };
	SAN(b, b_w);
	/* contained: reserved inside usable splits it in three */
	range_t c[] = { E(0, 0x10000, U, 0), E(0x4000, 0x1000, R, 0) };
	range_t c_w[] = { E(0, 0x4000, U, 0), E(0x4000, 0x1000, R, 0), E(0x5000, 0xb000, U, 0) };
	SAN(c, c_w);
	/* contained the other way: usable inside reserved vanishes */
	range_t d[] = { E(0x4000, 0x1000, U, 0), E(0, 0x10000, R, 0) };
	range_t d_w[] = { E(0, 0x10000, R, 0) };
	SAN(d, d_w);
	/* straddling both ways */
	range_t e[] = { E(0, 0x3000, U, 0), E(0x2000, 0x3000, NM, 0), E(0x4000, 0x4000, U, 0) };
	range_t e_w[] = { E(0, 0x2000, U, 0), E(0x2000, 0x3000, NM, 0), E(0x5000, 0x3000, U, 0) };
	SAN(e, e_w);
	/* identical ranges: the more restrictive type wins, then the smaller nid */
	range_t f[] = { E(0x1000, 0x1000, A, 3), E(0x1000, 0x1000, N, 2), E(0x1000, 0x1000, N, 1) };
	range_t f_w[] = { E(0x1000, 0x1000, N, 1) };
	SAN(f, f_w);
	/* overlapping same type and nid: union */
	range_t g[] = { E(0, 0x3000, U, 0), E(0x1000, 0x5000, U, 0), E(0x5800, 0x800, U, 0) };
	range_t g_w[] = { E(0, 0x6000, U, 0) };
	SAN(g, g_w);
	/* a chain of overlaps with rising priority */
	range_t h[] = { E(0, 0x4000, U, 0), E(0x3000, 0x4000, A, 0), E(0x6000, 0x4000, R, 0),
			E(0x9000, 0x4000, C, 0), E(0xc000, 0x4000, X, 0) };
	range_t h_w[] = { E(0, 0x3000, U, 0), E(0x3000, 0x3000, A, 0), E(0x6000, 0x3000, R, 0),
			  E(0x9000, 0x3000, C, 0), E(0xc000, 0x4000, X, 0) };
	SAN(h, h_w);
	/* every type over usable, adjacent reservations of different type */
	range_t i[] = { E(0, 0x8000, U, 0), E(0x1000, 0x1000, NM, 0), E(0x2000, 0x1000, R, 0),
			E(0x3000, 0x1000, R, 0) };
	range_t i_w[] = { E(0, 0x1000, U, 0), E(0x1000, 0x1000, NM, 0), E(0x2000, 0x2000, R, 0),
			  E(0x4000, 0x4000, U, 0) };
	SAN(i, i_w);
	/* a reservation spanning two nodes' memory and the hole between them */
	range_t j[] = { E(0x10000, 0x10000, U, 1), E(0, 0x8000, U, 0), E(0x7000, 0xa000, R, 0) };
	range_t j_w[] = { E(0, 0x7000, U, 0), E(0x7000, 0xa000, R, 0), E(0x11000, 0xf000, U, 1) };
	SAN(j, j_w);
}

static void test_degenerate(void)
{
	/* zero-length entries vanish, even a zero-length unusable in the middle */
	range_t a[] = { E(0x1000, 0, X, 0), E(0, 0x2000, U, 0), E(0, 0, R, 0) };
	range_t a_w[] = { E(0, 0x2000, U, 0) };
	SAN(a, a_w);
	/* only zero-length: empty map */
	range_t b[] = { E(5, 0, U, 0) };
	expect_sanitize(__LINE__, b, 1, 4, 0, NULL, 0);
	/* overflow clamps at 2^64; the top byte is representable */
	range_t c[] = { E(MAX64 - 0xfff, 0x10000, U, 0) };
	range_t c_w[] = { E(MAX64 - 0xfff, 0x1000, U, 0) };
	SAN(c, c_w);
	range_t d[] = { E(MAX64, 1, R, 0), E(MAX64 - 1, 1, R, 0) };
	range_t d_w[] = { E(MAX64 - 1, 2, R, 0) };
	SAN(d, d_w);
	range_t e[] = { E(MAX64, MAX64, U, 0), E(MAX64 - 0x1000, 0x800, U, 0) };
	range_t e_w[] = { E(MAX64 - 0x1000, 0x800, U, 0), E(MAX64, 1, U, 0) };
	SAN(e, e_w);
	/* the whole address space cannot be described: its last byte is dropped */
	range_t f[] = { E(0, MAX64, U, 0), E(1, MAX64, U, 0) };
	range_t f_w[] = { E(0, MAX64, U, 0) };
	SAN(f, f_w);
	range_t g[] = { E(0, MAX64, U, 0), E(MAX64, 1, C, 0) };
	range_t g_w[] = { E(0, MAX64, U, 0), E(MAX64, 1, C, 0) };
	SAN(g, g_w);
	/* unknown types: EINVAL, even for zero-length, map unchanged */
	range_t h[] = { E(0, 0x1000, U, 0), E(0x1000, 0x1000, 0, 0) };
	expect_sanitize(__LINE__, h, 2, 4, -MNEME_EINVAL, NULL, 0);
	range_t k[] = { E(0, 0x1000, U, 0), E(0x1000, 0, MNEME_MEM_TYPE_MAX, 0) };
	expect_sanitize(__LINE__, k, 2, 4, -MNEME_EINVAL, NULL, 0);
	/* nr > max */
	uint32_t nr = 3;
	CHECK(memmap_sanitize(h, &nr, 2) == -MNEME_EINVAL, "nr > max accepted");
	/* empty map */
	nr = 0;
	CHECK(memmap_sanitize(NULL, &nr, 0) == 0 && nr == 0, "empty map");
}

static void test_capacity(void)
{
	/* a usable range split by two holes needs 5 entries */
	range_t a[] = { E(0, 0x10000, U, 0), E(0x2000, 0x1000, R, 0), E(0x8000, 0x1000, R, 0) };
	range_t a_w[] = { E(0, 0x2000, U, 0), E(0x2000, 0x1000, R, 0), E(0x3000, 0x5000, U, 0),
			  E(0x8000, 0x1000, R, 0), E(0x9000, 0x7000, U, 0) };
	expect_sanitize(__LINE__, a, 3, 4, -MNEME_ENOMEM, NULL, 0);
	expect_sanitize(__LINE__, a, 3, 5, 0, a_w, 5);
	/* the output must fit exactly into the array (guard after max untouched) */
	range_t buf[6];
	uint32_t nr = 3;
	memcpy(buf, a, sizeof(a));
	memset(&buf[5], 0xa5, sizeof(buf[5]));
	CHECK(memmap_sanitize(buf, &nr, 5) == 0 && nr == 5, "exact fit");
	CHECK(((uint8_t *)&buf[5])[0] == 0xa5 && ((uint8_t *)&buf[5])[23] == 0xa5, "wrote past max");
	/* a full map can still take an add that merges */
	range_t full[] = { E(0, 0x1000, U, 0), E(0x2000, 0x1000, R, 0) };
	nr = 2;
	memcpy(buf, full, sizeof(full));
	CHECK(memmap_add(buf, &nr, 2, 0x1000, 0x1000, U, 0) == 0 && nr == 2, "merging add into full map");
	CHECK(buf[0].size == 0x2000, "merged size");
	CHECK(memmap_add(buf, &nr, 2, 0x5000, 0x1000, U, 0) == -MNEME_ENOMEM && nr == 2, "add past capacity");
	/* max larger than the scratch table: works up to MEMMAP_MAX_RANGES entries */
	static range_t big[MEMMAP_MAX_RANGES + 8];
	for (uint32_t i = 0; i < MEMMAP_MAX_RANGES + 1; i++)
		big[i] = (range_t)E(0x2000 * (uint64_t)i, 0x1000, U, 0);
	nr = MEMMAP_MAX_RANGES;
	CHECK(memmap_sanitize(big, &nr, MEMMAP_MAX_RANGES + 8) == 0 && nr == MEMMAP_MAX_RANGES, "256 entries");
	nr = MEMMAP_MAX_RANGES + 1;
	CHECK(memmap_sanitize(big, &nr, MEMMAP_MAX_RANGES + 8) == -MNEME_ENOMEM, "257 entries");
}

static void test_add_reserve(void)
{
	range_t buf[16];
	uint32_t nr = 0;

	CHECK(memmap_add(buf, &nr, 16, 0x80000000, 0x40000000, U, 0) == 0, "add node 0");
	CHECK(memmap_add(buf, &nr, 16, 0xc0000000, 0x40000000, U, 1) == 0, "add node 1");
	CHECK(memmap_add(buf, &nr, 16, 0x1000, 0, U, 1) == 0 && nr == 2, "zero add is a no-op");
	CHECK(memmap_add(buf, &nr, 16, 0x1000, 0x1000, 99, 1) == -MNEME_EINVAL, "bad type add");
	/* the core straddles the node boundary: each piece keeps its nid */
	CHECK(memmap_reserve(buf, &nr, 16, 0xbfff0000, 0x20000, C) == 0, "reserve");
	range_t w1[] = { E(0x80000000, 0x3fff0000, U, 0), E(0xbfff0000, 0x10000, C, 0),
			 E(0xc0000000, 0x10000, C, 1), E(0xc0010000, 0x3fff0000, U, 1) };
	CHECK(same_map(buf, nr, w1, LEN(w1)), "reserve across nodes");
	/* reserving over something more restrictive keeps the stronger type */
	CHECK(memmap_add(buf, &nr, 16, 0x90000000, 0x1000, X, 0) == 0, "add unusable");
	CHECK(memmap_reserve(buf, &nr, 16, 0x8ffff000, 0x3000, R) == 0, "reserve over unusable");
	range_t w2[] = { E(0x80000000, 0xffff000, U, 0), E(0x8ffff000, 0x1000, R, 0),
			 E(0x90000000, 0x1000, X, 0), E(0x90001000, 0x1000, R, 0),
			 E(0x90002000, 0x2ffee000, U, 0), E(0xbfff0000, 0x10000, C, 0),
			 E(0xc0000000, 0x10000, C, 1), E(0xc0010000, 0x3fff0000, U, 1) };
	CHECK(same_map(buf, nr, w2, LEN(w2)), "reserve keeps stronger type");
	if (!same_map(buf, nr, w2, LEN(w2)))
		dump("got", buf, nr);
	/* reserving outside memory adds the range with nid 0 */
	CHECK(memmap_reserve(buf, &nr, 16, 0x1000, 0x1000, R) == 0 && buf[0].base == 0x1000 &&
	      buf[0].nid == 0 && buf[0].type == R, "reserve outside memory");
	/* adding usable over a reservation does not un-reserve it */
	CHECK(memmap_add(buf, &nr, 16, 0, 0x100000, U, 0) == 0, "add over");
	CHECK(buf[1].base == 0x1000 && buf[1].type == R, "reservation survived add");
	CHECK(memmap_total(buf, nr, C) == 0x20000, "total core");
	CHECK(memmap_total(buf, nr, X) == 0x1000, "total unusable");
	CHECK(memmap_total(buf, nr, U) == 0x100000 - 0x1000 + 0x40000000 * 2ull - 0x20000 - 0x3000,
	      "total usable %#" PRIx64, memmap_total(buf, nr, U));
	range_t huge[] = { E(0, MAX64, U, 0), E(MAX64, 1, U, 1) };
	CHECK(memmap_total(huge, 2, 0) == MAX64, "total saturates");
}

static void test_names(void)
{
	CHECK(strcmp(memmap_type_name(U), "usable") == 0, "name");
	CHECK(strcmp(memmap_type_name(R), "reserved") == 0, "name");
	CHECK(strcmp(memmap_type_name(A), "ACPI data") == 0, "name");
	CHECK(strcmp(memmap_type_name(N), "ACPI NVS") == 0, "name");
	CHECK(strcmp(memmap_type_name(X), "unusable") == 0, "name");
	CHECK(strcmp(memmap_type_name(NM), "reserved (no-map)") == 0, "name");
	CHECK(strcmp(memmap_type_name(C), "core") == 0, "name");
	CHECK(strcmp(memmap_type_name(0), "unknown") == 0, "name");
	/* e820 "reserved", persistent and unknown types are not RAM: FIRMWARE. */
	CHECK(memmap_type_from_e820(1) == U && memmap_type_from_e820(2) == F &&
	      memmap_type_from_e820(3) == A && memmap_type_from_e820(4) == N &&
	      memmap_type_from_e820(5) == X && memmap_type_from_e820(7) == F &&
	      memmap_type_from_e820(6) == F && memmap_type_from_e820(0) == F &&
	      memmap_type_from_e820(12) == F, "e820 types");
	CHECK(!strcmp(memmap_type_name(F), "reserved") && !strcmp(memmap_type_name(R), "reserved"),
	      "firmware reservations print as Linux does");
	/* FIRMWARE beats every RAM type where they overlap */
	range_t o[] = { E(0, 0x3000, U, 0), E(0x1000, 0x1000, F, 0), E(0x1000, 0x1000, R, 0) };
	uint32_t no = 3;
	CHECK(memmap_sanitize(o, &no, 3) == 0 && no == 3 && o[1].type == F && o[1].base == 0x1000 &&
	      o[1].size == 0x1000, "firmware wins an overlap with usable and reserved RAM");
}

/* ---- randomized comparison with a per-unit reference model ---------- */

#define UNITS 48               /* the address space, in units */
#define UNIT  0x1000ull

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct cell { uint32_t type, nid; };

/* Paint range @e (unit-aligned, relative to @origin) into @model. */
static void model_paint(struct cell *model, const range_t *e, uint64_t origin, bool inherit)
{
	for (uint64_t u = 0; u < UNITS; u++) {
		uint64_t a = origin + u * UNIT;
		uint64_t last = e->size - 1 > MAX64 - e->base ? MAX64 : e->base + e->size - 1;
		struct cell *c = &model[u];

		if (e->size == 0 || a < e->base || a > last)
			continue;
		if (inherit) {
			if (!c->type)
				c->nid = 0;
			if (e->type > c->type)
				c->type = e->type;
		} else if (!c->type || e->type > c->type || (e->type == c->type && e->nid < c->nid)) {
			c->type = e->type;
			c->nid = e->nid;
		}
	}
}

/* The canonical map of @model. */
static uint32_t model_map(const struct cell *model, uint64_t origin, range_t *out)
{
	uint32_t n = 0;

	for (uint32_t u = 0; u < UNITS; u++) {
		if (!model[u].type)
			continue;
		if (n && out[n - 1].base + out[n - 1].size == origin + u * UNIT &&
		    out[n - 1].type == model[u].type && out[n - 1].nid == model[u].nid)
			out[n - 1].size += UNIT;
		else
			out[n++] = (range_t)E(origin + u * UNIT, UNIT, model[u].type, model[u].nid);
	}
	return n;
}

static range_t random_range(uint64_t origin, bool at_top)
{
	uint64_t b = rnd() % UNITS, s = rnd() % 12;

	if (s > UNITS - b)
		s = UNITS - b;   /* stay inside the modelled space */
	range_t e = E(origin + b * UNIT, s * UNIT, 1 + rnd() % (MNEME_MEM_TYPE_MAX - 1), rnd() % 3);

	if (rnd() % 8 == 0)
		e.type = U;
	if (at_top && rnd() % 4 == 0)
		e.size = MAX64 - rnd() % UNIT;   /* runs off the end: clamped */
	return e;
}

static void random_round(uint32_t round)
{
	bool at_top = round % 3 == 0;
	uint64_t origin = at_top ? 0ull - UNITS * UNIT : (round % 3 == 1 ? 0 : 0x80000000ull);
	struct cell model[UNITS] = { 0 };
	range_t in[24], buf[48], want[48], save[48];
	uint32_t n = 1 + rnd() % 20, max = 1 + rnd() % 32, nr, nwant;
	int err, want_err;

	if (max < n)
		max = n;
	for (uint32_t i = 0; i < n; i++) {
		in[i] = random_range(origin, at_top);
		model_paint(model, &in[i], origin, false);
	}
	nwant = model_map(model, origin, want);
	want_err = nwant > max ? -MNEME_ENOMEM : 0;
	memcpy(buf, in, sizeof(in));
	nr = n;
	err = memmap_sanitize(buf, &nr, max);
	if (err != want_err || (!err && !same_map(buf, nr, want, nwant))) {
		failures++;
		fprintf(stderr, "random round %u: err %d want %d (max %u)\n", round, err, want_err, max);
		dump("input", in, n);
		dump("got", buf, err ? 0 : nr);
		dump("want", want, nwant);
		return;
	}
	if (err)
		return;
	/* then one add or reserve on the sanitised map */
	range_t x = random_range(origin, at_top);
	bool reserve = rnd() % 2;
	if (reserve)
		x.nid = 0;
	model_paint(model, &x, origin, reserve);
	nwant = model_map(model, origin, want);
	want_err = nwant > max ? -MNEME_ENOMEM : 0;
	memcpy(save, buf, nr * sizeof(*buf));
	uint32_t before = nr;
	err = reserve ? memmap_reserve(buf, &nr, max, x.base, x.size, x.type)
		      : memmap_add(buf, &nr, max, x.base, x.size, x.type, x.nid);
	if (err != want_err || (!err && !same_map(buf, nr, want, nwant)) ||
	    (err && (nr != before || memcmp(save, buf, nr * sizeof(*buf))))) {
		failures++;
		fprintf(stderr, "random round %u: %s err %d want %d\n", round,
			reserve ? "reserve" : "add", err, want_err);
		dump("got", buf, nr);
		dump("want", want, nwant);
	}
}

/* ---- real e820 maps -------------------------------------------------- */

/* The (type, nid) that wins at @a among @in, by brute force; type 0 if none. */
static struct cell brute_at(const range_t *in, uint32_t n, uint64_t a)
{
	struct cell c = { 0, 0 };

	for (uint32_t i = 0; i < n; i++) {
		uint64_t last = in[i].size - 1 > MAX64 - in[i].base ? MAX64 : in[i].base + in[i].size - 1;

		if (in[i].size == 0 || a < in[i].base || a > last)
			continue;
		if (!c.type || in[i].type > c.type || (in[i].type == c.type && in[i].nid < c.nid))
			c = (struct cell){ in[i].type, in[i].nid };
	}
	return c;
}

static struct cell map_at(const range_t *r, uint32_t n, uint64_t a)
{
	for (uint32_t i = 0; i < n; i++)
		if (a >= r[i].base && a - r[i].base < r[i].size)
			return (struct cell){ r[i].type, r[i].nid };
	return (struct cell){ 0, 0 };
}

/* Compare @out with @in at every boundary of every input range. */
static void check_points(const char *what, const range_t *in, uint32_t n, const range_t *out, uint32_t nout)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t b = in[i].base, e = in[i].base + in[i].size;
		uint64_t pts[4] = { b, b - 1, e, e - 1 };

		for (uint32_t k = 0; k < 4; k++) {
			struct cell want = brute_at(in, n, pts[k]), got = map_at(out, nout, pts[k]);

			CHECK(want.type == got.type && want.nid == got.nid, "%s: at %#" PRIx64 ": %s, want %s",
			      what, pts[k], memmap_type_name(got.type), memmap_type_name(want.type));
		}
	}
	for (uint32_t i = 1; i < nout; i++)
		CHECK(out[i - 1].base + out[i - 1].size <= out[i].base, "%s: not sorted/disjoint", what);
}

static uint32_t e820_code(const char *word)
{
	static const char *const names[] = { "", "usable", "reserved", "ACPI", "NVS", "unusable", "", "persistent" };

	for (uint32_t i = 1; i < 8; i++)
		if (!strcmp(word, names[i]))
			return i;
	return 99;
}

static void test_e820_file(const char *path)
{
	FILE *f = fopen(path, "r");
	range_t in[MNEME_BOOTINFO_MAX_RANGES], out[MNEME_BOOTINFO_MAX_RANGES + 1];
	char line[256], word[64];
	uint32_t n = 0, nr;
	uint64_t base, size, usable;

	CHECK(f != NULL, "cannot open %s", path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && n < MNEME_BOOTINFO_MAX_RANGES)
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %63s", &base, &size, word) == 3)
			in[n++] = (range_t)E(base, size, memmap_type_from_e820(e820_code(word)), 0);
	fclose(f);
	CHECK(n > 0, "%s: no ranges", path);
	memcpy(out, in, n * sizeof(*in));
	nr = n;
	CHECK(memmap_sanitize(out, &nr, MNEME_BOOTINFO_MAX_RANGES) == 0, "%s: sanitize", path);
	check_points(path, in, n, out, nr);
	usable = memmap_total(out, nr, U);
	/* the core's image at 1 MiB, as the x86_64 core reserves it */
	in[n++] = (range_t)E(0x100000, 0x200000, C, 0);
	CHECK(memmap_reserve(out, &nr, MNEME_BOOTINFO_MAX_RANGES, 0x100000, 0x200000, C) == 0, "%s: reserve", path);
	check_points(path, in, n, out, nr);
	CHECK(memmap_total(out, nr, C) == 0x200000 && memmap_total(out, nr, U) == usable - 0x200000,
	      "%s: totals after reserving the core", path);
	printf("  %-28s %2u ranges -> %2u, %6" PRIu64 " MiB usable\n",
	       strrchr(path, '/') ? strrchr(path, '/') + 1 : path, n - 1, nr, usable >> 20);
}

/* The server's windows: sized from the highest RAM, bounded by the user half and 16 TiB. */
static void expect_windows(int line, uint64_t ram_end, uint32_t last_type, uint64_t user_top,
			   uint64_t limit, uint64_t beyond)
{
	static struct mneme_boot_info bi;

	memset(&bi, 0, sizeof(bi));
	bi.ranges[bi.nr_ranges++] = (range_t)E(0x80000000, ram_end - 0x80000000 - 0x100000, U, 0);
	bi.ranges[bi.nr_ranges++] = (range_t)E(ram_end - 0x100000, 0x100000, last_type, 0);
	bi.ranges[bi.nr_ranges++] = (range_t)E(ram_end, 0x40000000, F, 0);   /* not RAM: no window */
	uint64_t got = memmap_server_windows(&bi, user_top);
	CHECK(bi.physmap_base == 0x1000000000ULL && bi.physmap_limit == limit &&
	      bi.vmemmap_base == bi.physmap_base + limit && bi.vmemmap_size == limit && got == beyond,
	      "line %d: windows limit 0x%llx vmemmap 0x%llx+0x%llx beyond 0x%llx", line,
	      (unsigned long long)bi.physmap_limit, (unsigned long long)bi.vmemmap_base,
	      (unsigned long long)bi.vmemmap_size, (unsigned long long)got);
}

static void test_server_windows(void)
{
	const uint64_t G = 1ULL << 30, sv39 = 1ULL << 38, va47 = 1ULL << 47;

	expect_windows(__LINE__, 3 * G, U, sv39, 64 * G, 0);             /* small: the Sv39 layout */
	expect_windows(__LINE__, 64 * G, U, va47, 64 * G, 0);             /* exactly one step */
	expect_windows(__LINE__, 258 * G, U, va47, 320 * G, 0);           /* 256 GiB on virt */
	expect_windows(__LINE__, 258 * G, R, va47, 320 * G, 0);           /* reserved RAM counts */
	expect_windows(__LINE__, 258 * G, U, sv39, 64 * G, 194 * G);      /* Sv39: 64 GiB only */
	expect_windows(__LINE__, 1026 * G, U, va47, 1088 * G, 0);         /* 1 TiB on q35 */
	expect_windows(__LINE__, 20000 * G, U, va47, 16384 * G, 3616 * G); /* the mm core's 16 TiB */
	expect_windows(__LINE__, 258 * G, U, 600 * G, 192 * G, 66 * G);  /* (600 - 128) / 2, in 64 GiB steps */
}

int main(int argc, char **argv)
{
	uint32_t rounds = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 20000;

	test_shapes();
	test_degenerate();
	test_capacity();
	test_add_reserve();
	test_names();
	test_server_windows();
	for (uint32_t i = 0; i < rounds && failures < 10; i++)
		random_round(i);
	for (int i = 2; i < argc; i++)
		test_e820_file(argv[i]);
	if (failures) {
		fprintf(stderr, "memmap_test: %d failure(s)\n", failures);
		return 1;
	}
	printf("memmap_test: all passed (%u random rounds)\n", rounds);
	return 0;
}

/*
 * Corrupt and truncated device trees: every mutation of a good blob gets
 * an exact-size heap copy (so AddressSanitizer catches any read past the
 * end) and must be rejected with the right error, or - where the damage
 * leaves a well-formed tree - read exactly as libfdt reads it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include <core/dt.h>
#include <mneme/error.h>

#include "dt_oracle.h"
#include "dt_test.h"

#define HDR_MAGIC 0
#define HDR_TOTALSIZE 4
#define HDR_OFF_STRUCT 8
#define HDR_OFF_STRINGS 12
#define HDR_OFF_RSVMAP 16
#define HDR_VERSION 20
#define HDR_LAST_COMP 24
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT 36

static struct {
	unsigned tried, accepted, agreed, both_rejected, we_only_rejected, libfdt_only_rejected;
} stats;

static uint32_t get32(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 | p[off + 3];
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = v >> 24;
	p[off + 1] = v >> 16;
	p[off + 2] = v >> 8;
	p[off + 3] = v;
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Parse @len bytes of @data from an exact-size heap copy.  If the reader
 * accepts, libfdt must accept too and agree on every fact (where @strict),
 * and the other way round.  Returns the reader's error.
 */
static int try_blob(const char *what, const uint8_t *data, size_t len, bool strict)
{
	static struct dt_machine got, want;
	uint8_t *copy = malloc(len ? len : 1);
	int err, oerr;

	memcpy(copy, data, len);
	err = dt_parse_memory(copy, len, &got);
	CHECK(err <= 0 && (err == 0 || got.error != NULL), "%s: error %d without a message", what, err);
	oerr = oracle_parse(copy, len, &want);
	stats.tried++;
	if (!err && !oerr) {
		stats.accepted++;
		if (oracle_compare(what, &got, &want) == 0)
			stats.agreed++;
		else
			CHECK(!strict, "%s: accepted but differs from libfdt", what);
	} else if (err && oerr) {
		stats.both_rejected++;
	} else if (err) {
		stats.we_only_rejected++;
		if (getenv("DT_VERBOSE"))
			fprintf(stderr, "%s: only we rejected: %s\n", what, got.error);
	} else {
		stats.libfdt_only_rejected++;
		if (getenv("DT_VERBOSE"))
			fprintf(stderr, "%s: only libfdt rejected: %d\n", what, oerr);
		if (getenv("DT_DUMP")) {
			FILE *f = fopen(getenv("DT_DUMP"), "wb");
			fwrite(copy, 1, len, f);
			fclose(f);
		}
	}
	free(copy);
	return err;
}

/* Truncate at every length, with and without a matching totalsize. */
static void mutate_truncate(const char *path, const uint8_t *blob, uint32_t total)
{
	uint8_t *buf = malloc(total);
	char what[600];

	for (uint32_t len = 0; len < total; len++) {
		snprintf(what, sizeof(what), "%s cut at %u", path, len);
		int err = try_blob(what, blob, len, true);
		CHECK(err == -MNEME_ETRUNC, "%s: error %d, want ETRUNC", what, err);
		if (len < 40)
			continue;
		memcpy(buf, blob, len);
		put32(buf, HDR_TOTALSIZE, len);
		snprintf(what, sizeof(what), "%s cut at %u with totalsize %u", path, len, len);
		try_blob(what, buf, len, true);
	}
	free(buf);
}

/* The error a header field value must give, 1 if it may be accepted. */
static int header_verdict(const uint8_t *b, uint32_t field, uint32_t v, uint32_t total)
{
	uint32_t hdr = get32(b, HDR_VERSION) >= 17 ? 40 : 36;

	if (field >= hdr)
		return 1;     /* not a header field in this version */
	switch (field) {
	case HDR_MAGIC:
		return v == 0xd00dfeed ? 1 : -MNEME_ECORRUPT;
	case HDR_TOTALSIZE:
		return v > total ? -MNEME_ETRUNC : v < hdr ? -MNEME_ECORRUPT : 1;
	case HDR_VERSION:
		return v < 16 || v < get32(b, HDR_LAST_COMP) ? -MNEME_ECORRUPT : 1;
	case HDR_LAST_COMP:
		return v > 17 || v > get32(b, HDR_VERSION) ? -MNEME_ECORRUPT : 1;
	case HDR_OFF_STRUCT:
		return v % 4 || v < hdr || v >= total ? -MNEME_ECORRUPT : 1;
	case HDR_OFF_RSVMAP:
		return v % 8 || v < hdr || v > total - 16 ? -MNEME_ECORRUPT : 1;
	case HDR_OFF_STRINGS:
		return v < hdr || v > total ? -MNEME_ECORRUPT : 1;
	case HDR_SIZE_STRINGS:
		return v > total - get32(b, HDR_OFF_STRINGS) ? -MNEME_ECORRUPT : 1;
	case HDR_SIZE_STRUCT:
		return v > total - get32(b, HDR_OFF_STRUCT) ? -MNEME_ECORRUPT : 1;
	default:
		return 1;
	}
}

static void mutate_header(const char *path, const uint8_t *blob, uint32_t total)
{
	uint8_t *buf = malloc(total);
	char what[600];

	for (uint32_t field = 0; field < 40; field += 4) {
		uint32_t orig = get32(blob, field);
		uint32_t vals[48] = { 0, 1, 3, 4, 8, 15, 16, 17, 18, 36, 40, 44, total - 16, total - 8,
				      total - 4, total - 1, total, total + 1, 0x7fffffff, 0x80000000,
				      0xfffffff8, 0xffffffff, orig + 4, orig - 4, orig + 8, orig - 8,
				      orig + 1, orig - 1 };
		uint32_t nvals = 28;

		for (uint32_t bit = 0; bit < 20; bit++)
			vals[nvals++] = orig ^ (1u << bit);
		for (uint32_t i = 0; i < nvals; i++) {
			int want = header_verdict(blob, field, vals[i], total), err;

			memcpy(buf, blob, total);
			put32(buf, field, vals[i]);
			snprintf(what, sizeof(what), "%s header[%u] = %#x", path, field, vals[i]);
			/* A moved block is reread; libfdt reads it the same or rejects it too. */
			err = try_blob(what, buf, total, true);
			CHECK(want == 1 || err == want, "%s: error %d, want %d", what, err, want);
		}
	}
	free(buf);
}

/* Offsets of the tokens of a good blob's structure block. */
static uint32_t list_tokens(const uint8_t *b, uint32_t *toks, uint32_t max)
{
	uint32_t off = get32(b, HDR_OFF_STRUCT), n = 0;

	for (;;) {
		uint32_t tok = get32(b, off);

		if (n < max)
			toks[n++] = off;
		off += 4;
		if (tok == FDT_BEGIN_NODE)
			off += (strlen((const char *)b + off) + 4) & ~3u;
		else if (tok == FDT_PROP)
			off += 8 + ((get32(b, off) + 3) & ~3u);
		else if (tok == FDT_END)
			return n;
	}
}

static void mutate_props(const char *path, const uint8_t *blob, uint32_t total)
{
	static uint32_t toks[1 << 16];
	uint32_t n = list_tokens(blob, toks, 1 << 16), nprops = 0;
	uint32_t ssize = get32(blob, HDR_SIZE_STRINGS);
	uint32_t send = get32(blob, HDR_VERSION) >= 17 ?
			get32(blob, HDR_OFF_STRUCT) + get32(blob, HDR_SIZE_STRUCT) :
			get32(blob, HDR_OFF_STRINGS);   /* v16: dtc puts strings right after */
	uint8_t *buf = malloc(total);
	char what[600];
	int err;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = toks[i];
		uint32_t bad_nameoff[] = { ssize, ssize + 1, 0x7fffffff, 0xffffffff };
		uint32_t bad_len[] = { send - (t + 12) + 1, send, 0x7ffffffd, 0xfffffffc, 0xffffffff };

		if (get32(blob, t) != FDT_PROP || nprops++ > 300)
			continue;
		for (uint32_t k = 0; k < 4; k++) {
			memcpy(buf, blob, total);
			put32(buf, t + 8, bad_nameoff[k]);
			snprintf(what, sizeof(what), "%s prop@%#x nameoff %#x", path, t, bad_nameoff[k]);
			err = try_blob(what, buf, total, true);
			CHECK(err == -MNEME_ECORRUPT, "%s: error %d, want ECORRUPT", what, err);
		}
		for (uint32_t k = 0; k < 5; k++) {
			memcpy(buf, blob, total);
			put32(buf, t + 4, bad_len[k]);
			snprintf(what, sizeof(what), "%s prop@%#x len %#x", path, t, bad_len[k]);
			err = try_blob(what, buf, total, true);
			CHECK(err == -MNEME_ECORRUPT, "%s: error %d, want ECORRUPT", what, err);
		}
	}
	/* The strings block's last name loses its terminator. */
	memcpy(buf, blob, total);
	buf[get32(blob, HDR_OFF_STRINGS) + ssize - 1] = 'x';
	snprintf(what, sizeof(what), "%s unterminated last property name", path);
	err = try_blob(what, buf, total, true);
	CHECK(err == -MNEME_ECORRUPT, "%s: error %d, want ECORRUPT", what, err);
	/* The last node name runs to the end of the structure block. */
	for (uint32_t i = n; i-- > 0;) {
		if (get32(blob, toks[i]) != FDT_BEGIN_NODE)
			continue;
		memcpy(buf, blob, total);
		memset(buf + toks[i] + 4, 'n', send - toks[i] - 4);
		snprintf(what, sizeof(what), "%s unterminated node name", path);
		err = try_blob(what, buf, total, true);
		CHECK(err == -MNEME_ECORRUPT, "%s: error %d, want ECORRUPT", what, err);
		break;
	}
	/* Each token replaced by every other token kind. */
	static const uint32_t kinds[] = { 0, FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END, 0x12345678 };
	for (uint32_t i = 0; i < n && i < 2000; i++) {
		for (uint32_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			if (get32(blob, toks[i]) == kinds[k])
				continue;
			memcpy(buf, blob, total);
			put32(buf, toks[i], kinds[k]);
			snprintf(what, sizeof(what), "%s token@%#x = %#x", path, toks[i], kinds[k]);
			err = try_blob(what, buf, total, false);
			if (kinds[k] != FDT_NOP && kinds[k] != FDT_PROP && kinds[k] != FDT_BEGIN_NODE)
				CHECK(err != 0, "%s: accepted", what);
		}
	}
	free(buf);
}

/* Random damage: a few bytes or words set to random or boundary values. */
static void mutate_random(const char *path, const uint8_t *blob, uint32_t total, uint32_t rounds)
{
	uint8_t *buf = malloc(total);
	char what[600];

	for (uint32_t r = 0; r < rounds; r++) {
		uint32_t hits = 1 + rnd() % 4;

		memcpy(buf, blob, total);
		for (uint32_t h = 0; h < hits; h++) {
			uint32_t off = rnd() % total;

			if (rnd() % 2 || off + 4 > total) {
				buf[off] = (uint8_t)rnd();
			} else {
				static const uint32_t v[] = { 0, 1, 2, 3, 4, 9, 0xffffffff, 0x7fffffff, 0x10000 };
				put32(buf, off & ~3u, v[rnd() % 9]);
			}
		}
		snprintf(what, sizeof(what), "%s random round %u", path, r);
		try_blob(what, buf, total, false);
	}
	free(buf);
}

void mutate_all(const char *path)
{
	size_t size;
	uint8_t *blob = read_file(path, &size);
	uint32_t total;

	if (dt_check_header(blob, size, &total) != 0) {
		CHECK(0, "%s: not a good blob", path);
		free(blob);
		return;
	}
	memset(&stats, 0, sizeof(stats));
	mutate_truncate(path, blob, total);
	mutate_header(path, blob, total);
	mutate_props(path, blob, total);
	mutate_random(path, blob, total, 3000);
	printf("  %-40s %u mutants: %u accepted (%u as libfdt reads them), %u both rejected, "
	       "%u only we rejected, %u only libfdt rejected\n",
	       strrchr(path, '/') ? strrchr(path, '/') + 1 : path, stats.tried, stats.accepted,
	       stats.agreed, stats.both_rejected, stats.we_only_rejected, stats.libfdt_only_rejected);
	free(blob);
}

/*
 * The compressed store's LZ77 coder (format in mm/lz.h).
 *
 * Compression is greedy: a 4096-entry hash table of 4-byte prefixes gives
 * one candidate per position; a candidate whose 4 bytes match is extended
 * forwards as far as it goes and backwards into the pending literals, and
 * emitted.  Positions that find nothing are skipped faster the longer the
 * misses go on (1 + misses / 32 bytes a step), so data that does not
 * compress -- random bytes, compressed files -- costs a few hundred
 * steps per page rather than four thousand: reclaim tries every page and
 * most of the cost of an incompressible one would be wasted.
 *
 * Decompression trusts nothing: every count is checked against what is
 * left of the input and the room left in the output, every offset against
 * what has been produced, varints are at most 3 bytes, and the stream must
 * end exactly where the output is full.  A match that overlaps its own
 * output (a run) is copied in chunks that double: each copy's source is
 * already written, so no copy overlaps itself.
 */
#include <string.h>
#include "mm/lz.h"

#define HASH_BITS 12
#define MIN_MATCH 4
#define LIT_EXT   7                    /* literal count field: 7 = varint follows */
#define MATCH_EXT 31                   /* match field: 31 = varint follows */

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline unsigned hash4(uint32_t v)
{
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

struct lz_out {
	uint8_t *p, *end;
};

static int put_varint(struct lz_out *o, size_t v)
{
	do {
		if (o->p >= o->end)
			return -1;
		uint8_t b = v & 127;
		v >>= 7;
		*o->p++ = (uint8_t)(b | (v ? 128 : 0));
	} while (v);
	return 0;
}

/* One sequence: @nlit literals at @lit, then a match of @len bytes @off back (@len 0: the last). */
static int emit(struct lz_out *o, const uint8_t *lit, size_t nlit, size_t len, size_t off)
{
	size_t lcode = nlit < LIT_EXT ? nlit : LIT_EXT;
	size_t mcode = !len ? 0 : len - MIN_MATCH < MATCH_EXT ? len - MIN_MATCH : MATCH_EXT;

	if (o->p >= o->end)
		return -1;
	*o->p++ = (uint8_t)(lcode | mcode << 3);
	if (lcode == LIT_EXT && put_varint(o, nlit - LIT_EXT))
		return -1;
	if ((size_t)(o->end - o->p) < nlit)
		return -1;
	memcpy(o->p, lit, nlit);
	o->p += nlit;
	if (!len)
		return 0;
	if (o->end - o->p < 2)
		return -1;
	*o->p++ = (uint8_t)off;
	*o->p++ = (uint8_t)(off >> 8);
	if (mcode == MATCH_EXT && put_varint(o, len - MIN_MATCH - MATCH_EXT))
		return -1;
	return 0;
}

size_t lz_compress(const void *src, size_t n, void *dst, size_t cap)
{
	const uint8_t *in = src, *ip = in, *anchor = in, *end = in + n;
	const uint8_t *limit = n >= 4 ? end - 4 : in;   /* last start of a 4-byte load */
	struct lz_out o = { dst, (uint8_t *)dst + cap };
	uint16_t table[1u << HASH_BITS];
	unsigned misses = 0;

	if (n > LZ_MAX_INPUT)
		return 0;
	/* Empty slots name position 0: a candidate is always verified before use. */
	memset(table, 0, sizeof(table));
	while (ip < limit) {
		uint32_t v = load32(ip);
		unsigned h = hash4(v);
		const uint8_t *ref = in + table[h];

		table[h] = (uint16_t)(ip - in);
		if (ref >= ip || load32(ref) != v) {
			ip += 1 + (misses++ >> 5);
			continue;
		}
		const uint8_t *mp = ip + MIN_MATCH, *rp = ref + MIN_MATCH;
		while (mp < end && *mp == *rp)
			mp++, rp++;
		while (ip > anchor && ref > in && ip[-1] == ref[-1])
			ip--, ref--;
		if (emit(&o, anchor, (size_t)(ip - anchor), (size_t)(mp - ip), (size_t)(ip - ref)))
			return 0;
		ip = anchor = mp;
		misses = 0;
		if (ip < limit)   /* a position inside the match, for the next repeat */
			table[hash4(load32(ip - 2))] = (uint16_t)(ip - 2 - in);
	}
	if (emit(&o, anchor, (size_t)(end - anchor), 0, 0))
		return 0;
	return (size_t)(o.p - (uint8_t *)dst);
}

static int get_varint(const uint8_t **p, const uint8_t *end, size_t *v)
{
	size_t x = 0;

	for (unsigned shift = 0; shift < 21; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		x |= (size_t)(b & 127) << shift;
		if (!(b & 128)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

int lz_decompress(const void *src, size_t n, void *dst, size_t out)
{
	const uint8_t *ip = src, *iend = ip + n;
	uint8_t *op = dst, *oend = op + out;
	size_t ext;

	for (;;) {
		if (ip >= iend)
			return -1;
		unsigned t = *ip++;
		size_t nlit = t & 7, len = (t >> 3) + MIN_MATCH;
		if (nlit == LIT_EXT) {
			if (get_varint(&ip, iend, &ext))
				return -1;
			nlit += ext;
		}
		if (nlit > (size_t)(iend - ip) || nlit > (size_t)(oend - op))
			return -1;
		memcpy(op, ip, nlit);
		op += nlit;
		ip += nlit;
		if (op == oend)
			return ip == iend ? 0 : -1;
		if (iend - ip < 2)
			return -1;
		size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		if (len == MIN_MATCH + MATCH_EXT) {
			if (get_varint(&ip, iend, &ext))
				return -1;
			len += ext;
		}
		if (!off || off > (size_t)(op - (uint8_t *)dst) || len > (size_t)(oend - op))
			return -1;
		const uint8_t *ref = op - off;
		while (len) {
			size_t chunk = (size_t)(op - ref) < len ? (size_t)(op - ref) : len;
			memcpy(op, ref, chunk);   /* [ref, op) is written: no overlap */
			op += chunk;
			len -= chunk;
		}
	}
}

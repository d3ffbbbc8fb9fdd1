/*
 * The compressed store's LZ coder (mmserver/mm/lz.c) on the host: round
 * trips of every kind of data at many sizes, the ratio on the kinds of
 * page reclaim meets, and a decoder that refuses every damaged stream
 * (every truncation, every trailing byte, bad offsets and lengths)
 * without writing outside its buffer (ASan watches).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/lz.h"

static int failures;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

enum kind { ZEROS, RUN, TEXT, WORDS, RANDOM, MIXED, SPARSE, NR_KINDS };
static const char *const kind_names[] = { "zeros", "run", "text", "words", "random", "mixed", "sparse" };

static void fill(uint8_t *p, size_t n, enum kind k)
{
	static const char *words[] = { "memory ", "server ", "page ", "frame ", "reclaim ", "the ",
				       "compressed ", "store ", "of ", "a ", "zone\n" };
	size_t i = 0;

	switch (k) {
	case ZEROS:
		memset(p, 0, n);
		break;
	case RUN:
		memset(p, 0xa5, n);
		break;
	case TEXT:
		while (i < n) {
			const char *w = words[rnd() % 11];
			for (size_t j = 0; w[j] && i < n; j++)
				p[i++] = (uint8_t)w[j];
		}
		break;
	case WORDS:   /* small integers in 64-bit words, like a heap of counters */
		for (; i + 8 <= n; i += 8) {
			uint64_t v = rnd() % 1000;
			memcpy(p + i, &v, 8);
		}
		for (; i < n; i++)
			p[i] = 0;
		break;
	case RANDOM:
		for (; i < n; i++)
			p[i] = (uint8_t)rnd();
		break;
	case MIXED:
		for (; i < n; i++)
			p[i] = (i / 256) % 2 ? (uint8_t)rnd() : (uint8_t)(i / 256);
		break;
	case SPARSE:
		memset(p, 0, n);
		for (; i < n; i += 97)
			p[i] = (uint8_t)rnd();
		break;
	default:
		break;
	}
}

/* Compress and decompress @n bytes of kind @k; returns the compressed size (0 if it did not fit). */
static size_t round_trip(enum kind k, size_t n)
{
	uint8_t *src = malloc(n + 1), *z = malloc(2 * n + 64), *back = malloc(n + 1);

	fill(src, n, k);
	size_t c = lz_compress(src, n, z, 2 * n + 64);
	CHECK(c > 0);
	if (c) {
		memset(back, 0xee, n + 1);
		CHECK(lz_decompress(z, c, back, n) == 0);
		CHECK(!memcmp(src, back, n));
		CHECK(back[n] == 0xee);               /* nothing past the end */
		/* the wrong output size is refused either way */
		if (n)
			CHECK(lz_decompress(z, c, back, n - 1) != 0);
		CHECK(lz_decompress(z, c, back, n + 1) != 0);
	}
	free(src);
	free(z);
	free(back);
	return c;
}

static void test_round_trips(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 31, 100, 255, 1000, 4095,
					4096, 4097, 20000, 65536 };

	for (unsigned k = 0; k < NR_KINDS; k++)
		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			round_trip(k, sizes[i]);
	/* and the page-sized ratios reclaim sees */
	for (unsigned k = 0; k < NR_KINDS; k++) {
		size_t c = round_trip(k, 4096);
		printf("# %-7s 4096 -> %zu bytes\n", kind_names[k], c);
		if (k == ZEROS || k == RUN)
			CHECK(c < 64);
		if (k == TEXT || k == WORDS || k == SPARSE)
			CHECK(c < 3072);
		if (k == RANDOM)
			CHECK(c > 4096);
	}
}

/* A too small output buffer gives 0, never an overrun. */
static void test_cap(void)
{
	uint8_t src[4096], z[5000];

	fill(src, sizeof(src), RANDOM);
	for (size_t cap = 0; cap < 5000; cap += 37) {
		uint8_t *dst = malloc(cap ? cap : 1);
		size_t c = lz_compress(src, sizeof(src), dst, cap);
		CHECK(c == 0 || c <= cap);
		free(dst);
	}
	CHECK(lz_compress(src, sizeof(src), z, 3072) == 0);   /* random data does not fit 3/4 */
	CHECK(lz_compress(src, LZ_MAX_INPUT + 1, z, sizeof(z)) == 0);
}

/* Every damaged form of good streams: refused (or, for a byte flip, at least contained). */
static void test_damage(void)
{
	uint8_t src[4096], z[8192], out[4096];

	for (unsigned k = 0; k < NR_KINDS; k++) {
		fill(src, sizeof(src), k);
		size_t c = lz_compress(src, sizeof(src), z, sizeof(z));
		CHECK(c > 0);
		for (size_t cut = 0; cut < c; cut++)
			CHECK(lz_decompress(z, cut, out, sizeof(out)) != 0);
		z[c] = 0;
		CHECK(lz_decompress(z, c + 1, out, sizeof(out)) != 0);   /* a trailing byte */
		for (size_t i = 0; i < c; i += 1 + c / 200) {
			uint8_t keep = z[i];
			z[i] ^= (uint8_t)(1 + rnd() % 255);
			(void)lz_decompress(z, c, out, sizeof(out));     /* must not overrun */
			z[i] = keep;
		}
	}
	/* hand-made streams: an offset before the start, zero offset, an endless varint */
	static const uint8_t before[] = { 0x01, 'a', 0x05, 0x00 };     /* 1 literal, match 4 at offset 5 */
	static const uint8_t zero[] = { 0x01, 'a', 0x00, 0x00 };
	static const uint8_t varint[] = { 0x07, 0xff, 0xff, 0xff, 0x7f };
	static const uint8_t good[] = { 0x01, 'a', 0x01, 0x00, 0x00 };  /* "a" then 4 x 'a', then no literals */
	CHECK(lz_decompress(before, sizeof(before), out, 5) != 0);
	CHECK(lz_decompress(zero, sizeof(zero), out, 5) != 0);
	CHECK(lz_decompress(varint, sizeof(varint), out, 4096) != 0);
	CHECK(lz_decompress(good, sizeof(good), out, 5) == 0 && !memcmp(out, "aaaaa", 5));
	CHECK(lz_decompress(good, sizeof(good), out, 6) != 0);
	CHECK(lz_decompress(good, 0, out, 0) != 0);               /* even empty output needs a token */
}

int main(void)
{
	test_round_trips();
	test_cap();
	test_damage();
	printf("%s lz (%d failures)\n", failures ? "not ok" : "ok", failures);
	return failures != 0;
}

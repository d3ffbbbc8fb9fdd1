/*
 * malloc/free/calloc/realloc of userland/libc/malloc.c against a fake
 * mapping backend (mmap): sizes across every class and large blocks,
 * contents kept, alignment, overflow checks, realloc semantics, bad and
 * double frees detected, and every large mapping given back.  Built with
 * malloc & co renamed (test_malloc, ...) so the host's own allocator and
 * the sanitizers are untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <malloc.h>

static int failures;
static uint64_t maps, unmaps, mapped;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

void *malloc_backend_map(size_t len)
{
	if (mapped + len > (256u << 20))
		return NULL;              /* the "quota" of the fake server */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	maps++;
	mapped += len;
	return p;
}

void malloc_backend_unmap(void *p, size_t len)
{
	CHECK(((uintptr_t)p & 4095) == 0);
	munmap(p, len);
	unmaps++;
	mapped -= len;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(tag + i * 7);
}

static int intact(const unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(tag + i * 7))
			return 0;
	return 1;
}

static void basics(void)
{
	struct malloc_stats st;

	free(NULL);
	void *z = malloc(0);
	CHECK(z && (uintptr_t)z % 16 == 0);
	free(z);
	CHECK(malloc((size_t)-1) == NULL);
	CHECK(malloc((size_t)-1 / 2 + 1) == NULL);
	CHECK(calloc((size_t)-1 / 2, 3) == NULL);        /* overflow */
	CHECK(calloc(1ULL << 33, 1ULL << 33) == NULL);
	unsigned char *c = calloc(100, 10);
	CHECK(c);
	for (int i = 0; c && i < 1000; i++)
		CHECK(c[i] == 0);
	/* A recycled small block is zeroed by calloc too. */
	memset(c, 0xff, 1000);
	free(c);
	c = calloc(1000, 1);
	CHECK(c && c[0] == 0 && c[999] == 0);
	free(c);
	/* Large: its own mapping, given back by free. */
	uint64_t m0 = maps, u0 = unmaps;
	void *big = malloc(1 << 20);
	CHECK(big && maps == m0 + 1);
	free(big);
	CHECK(unmaps == u0 + 1);
	/* Bad and double frees are reported, not followed. */
	malloc_get_stats(&st);
	uint64_t e0 = st.errors;
	char *s = malloc(40);
	free(s);
	free(s);
	char local[64] __attribute__((aligned(16))) = { 0 };
	free(local + 16);
	free(s + 1);
	malloc_get_stats(&st);
	CHECK(st.errors == e0 + 3);
	/*
	 * Large blocks: their memory is unmapped by the first free, so a
	 * second free, a realloc of the freed block, or a pointer that looks
	 * like a large block's (header at a page start) but is not one must be
	 * judged without touching it (ASan would catch a read of the unmapped
	 * page as a SEGV).
	 */
	char *L = malloc(3 * 4096), *L2 = malloc(100000);
	CHECK(L && L2);
	free(L);
	free(L);
	CHECK(realloc(L, 10) == NULL);
	void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	free((char *)gone + 16);                      /* never malloc's, not mapped */
	free(L2 + 4096);                              /* inside a live large block, at a page start */
	L2[99999] = 1;                                /* still ours */
	free(L2);
	malloc_get_stats(&st);
	CHECK(st.errors == e0 + 3 + 4);
	/* No small block's header ever starts a page (that marks large blocks). */
	static char *kept[20000];
	for (int i = 0; i < 20000; i++) {
		kept[i] = malloc(1 + i % 200);
		CHECK(((uintptr_t)(kept[i] - 16) & 4095) != 0);
		if (i % 3)
			free(kept[i]);
	}
	for (int i = 0; i < 20000; i += 3)
		free(kept[i]);
	printf("ok 1 basics: free(NULL), malloc(0), overflow, calloc zeroes, bad and double free (small and large)\n");
}

static void reallocs(void)
{
	void *z = realloc(NULL, 0);                          /* as malloc(0) */
	CHECK(z != NULL);
	free(z);
	unsigned char *p = realloc(NULL, 10);
	CHECK(p);
	fill(p, 10, 3);
	unsigned char *q = realloc(p, 12);                  /* same class: in place */
	CHECK(q == p && intact(q, 10, 3));
	q = realloc(q, 5000);                               /* to a large block */
	CHECK(q && intact(q, 10, 3));
	fill(q, 5000, 9);
	unsigned char *r = realloc(q, 6000);                /* fits the mapping: in place */
	CHECK(r == q && intact(r, 5000, 9));
	r = realloc(r, 100);                                /* back to small */
	CHECK(r && intact(r, 100, 9));
	CHECK(realloc(r, 0) == NULL);
	/* A refused growth keeps the old block. */
	unsigned char *k = malloc(64);
	fill(k, 64, 1);
	CHECK(realloc(k, 1ULL << 40) == NULL && intact(k, 64, 1));
	free(k);
	printf("ok 2 realloc: in place, across small and large, shrink, refusal keeps the block\n");
}

static void random_run(void)
{
	enum { N = 4096 };
	static unsigned char *ptr[N];
	static size_t len[N];
	uint64_t u0 = unmaps;

	for (int op = 0; op < 100000; op++) {
		int i = (int)(rnd() % N);
		if (ptr[i]) {
			CHECK(intact(ptr[i], len[i], (unsigned)i));
			if (rnd() % 3 == 0) {
				size_t n = rnd() % 4 ? rnd() % 3000 : rnd() % 40000;
				unsigned char *p = realloc(ptr[i], n ? n : 1);
				CHECK(p && (uintptr_t)p % 16 == 0);
				if (!p)
					continue;
				size_t keep = len[i] < n ? len[i] : n;
				CHECK(intact(p, keep ? keep : 0, (unsigned)i));
				ptr[i] = p;
				len[i] = n ? n : 1;
				fill(p, len[i], (unsigned)i);
			} else {
				free(ptr[i]);
				ptr[i] = NULL;
			}
		} else {
			len[i] = rnd() % 8 ? rnd() % 2100 : rnd() % 40000;
			ptr[i] = rnd() % 2 ? malloc(len[i]) : calloc(1, len[i]);
			CHECK(ptr[i] && (uintptr_t)ptr[i] % 16 == 0);
			fill(ptr[i], len[i], (unsigned)i);
		}
		if (failures > 10)
			break;
	}
	struct malloc_stats st;
	for (int i = 0; i < N; i++)
		free(ptr[i]);
	malloc_get_stats(&st);
	CHECK(st.in_use == 0);
	CHECK(st.maps - st.unmaps == st.mapped / MALLOC_CHUNK);   /* only chunks remain */
	CHECK(unmaps > u0);
	printf("ok 3 100000 random malloc/calloc/realloc/free with contents checked\n");
}

static void exhaustion(void)
{
	void *p[64];
	int n = 0;

	while (n < 64 && (p[n] = malloc(16u << 20)))
		n++;
	CHECK(n > 4 && n < 64);
	CHECK(malloc(16u << 20) == NULL);
	while (n)
		free(p[--n]);
	CHECK(malloc(16u << 20) != NULL);
	printf("ok 4 the backend refusing: NULL, and memory usable again after frees\n");
}

int main(void)
{
	printf("TAP version 13\n1..4\n");
	basics();
	reallocs();
	random_run();
	exhaustion();
	if (failures)
		printf("# %d failures\n", failures);
	return failures != 0;
}

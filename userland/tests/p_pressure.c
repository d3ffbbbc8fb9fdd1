/*
 * Helper of t_pressure (memory pressure: reclaim into the compressed
 * store, the OOM killer).  mode=
 *   fill mib=N kind=K seed=S [flag=A]   map N MiB (lazily), set the
 *                shared word A + 8 to 1, wait until word A is not 0, write
 *                every page, then read every byte back; exit = the number
 *                of wrong pages (100: the mapping was refused)
 *   reserve mib=N   map N MiB lazily and unmap it: exit 0 if the mapping
 *                was accepted, 1 if refused with -ENOMEM, 2 otherwise
 *   hold mib=N kind=K seed=S [flag=A]   populate and write N MiB, set the
 *                shared word A to 1, then block forever
 *   take kind=K seed=S [flag=A]   map, populate and write 64 KiB blocks
 *                until the server refuses one (-ENOMEM: memory is gone),
 *                set the shared word A to the number of blocks, block forever
 * kind=text: compressible (a 64-byte record naming the page, repeated;
 * every eighth page same-filled); kind=random: incompressible (xorshift).
 */
#include <libmm/libmm.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PG 4096u

static bool text;            /* kind=text, else random */
static uint64_t seed0 = 1;

/* The 512 words of page @n. */
static void page_fill(uint64_t *w, uint64_t n)
{
	if (text && n % 8 == 7) {
		for (unsigned i = 0; i < PG / 8; i++)
			w[i] = seed0 ^ n;                       /* same-filled */
	} else if (text) {
		char rec[64];
		int len = snprintf(rec, sizeof(rec), "page %010llu of seed %llu: the quick brown fox\n",
				   (unsigned long long)n, (unsigned long long)seed0);
		for (int i = len; i < 64; i++)
			rec[i] = '.';
		for (unsigned off = 0; off < PG; off += 64)
			memcpy((char *)w + off, rec, 64);
	} else {
		uint64_t s = (seed0 * 0x9e3779b97f4a7c15ull) ^ (n + 1) * 0xbf58476d1ce4e5b9ull;
		for (unsigned i = 0; i < PG / 8; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			w[i] = s;
		}
	}
}

/* True if page @n at @w holds what page_fill wrote. */
static bool page_ok(const uint64_t *w, uint64_t n)
{
	static uint64_t want[PG / 8];

	page_fill(want, n);
	return !memcmp((const void *)w, want, PG);
}

static void block(void)
{
	struct mneme_sysret r;
	uint64_t ep = t_endpoint();

	for (;;)
		mneme_recv_r(&r, ep);
}

static int fill(uint64_t mib, volatile uint64_t *flag)
{
	uint64_t pages = mib << 8, bad = 0;
	void *va;

	if (mm_map_anon(NULL, mib << 20, RW, &va))
		return 100;
	if (flag)
		flag[1] = 1;
	while (flag && !*flag)
		mneme_yield();
	for (uint64_t n = 0; n < pages; n++)
		page_fill((uint64_t *)((char *)va + n * PG), n);
	for (uint64_t n = 0; n < pages; n++)
		bad += !page_ok((const uint64_t *)((char *)va + n * PG), n);
	if (bad)
		printf("%s# p_pressure: %llu of %llu pages wrong\n", ktap_indent(ktap_depth),
		       (unsigned long long)bad, (unsigned long long)pages);
	return bad > 99 ? 99 : (int)bad;
}

static int hold(uint64_t mib, volatile uint64_t *flag)
{
	void *va;

	if (mm_map_anon(NULL, mib << 20, RW | MNEME_MM_POPULATE, &va))
		return 100;
	for (uint64_t n = 0; n < mib << 8; n++)
		page_fill((uint64_t *)((char *)va + n * PG), n);
	if (flag)
		*flag = 1;
	block();
	return 0;
}

static int take(volatile uint64_t *flag)
{
	uint64_t n = 0, blocks = 0;
	int64_t st;
	void *va;

	while (!(st = mm_map_anon(NULL, 64 << 10, RW | MNEME_MM_POPULATE, &va))) {
		for (unsigned i = 0; i < 16; i++, n++)
			page_fill((uint64_t *)((char *)va + i * PG), n);
		blocks++;
	}
	printf("%s# p_pressure: took %llu blocks of 64 KiB, then %lld\n", ktap_indent(ktap_depth),
	       (unsigned long long)blocks, (long long)st);
	if (st != -MNEME_ENOMEM)
		return 101;
	if (flag)
		*flag = blocks;
	block();
	return 0;
}

static int reserve(uint64_t mib)
{
	void *va;
	int64_t st = mm_map_anon(NULL, mib << 20, RW, &va);

	if (st)
		printf("%s# p_pressure: %llu MiB refused (%lld)\n", ktap_indent(ktap_depth),
		       (unsigned long long)mib, (long long)st);
	if (!st)
		return mm_unmap(va, mib << 20) ? 2 : 0;
	return st == -MNEME_ENOMEM ? 1 : 2;
}

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode"), *kind = ulib_arg(argc, argv, "kind");
	const char *m = ulib_arg(argc, argv, "mib"), *s = ulib_arg(argc, argv, "seed");
	const char *f = ulib_arg(argc, argv, "flag");
	uint64_t mib = m ? ulib_strtou(m) : 0;
	volatile uint64_t *flag = f ? (volatile uint64_t *)(uintptr_t)ulib_strtou(f) : NULL;

	text = kind && !strcmp(kind, "text");
	seed0 = s ? ulib_strtou(s) : 1;
	if (!mode)
		return 98;
	if (!strcmp(mode, "fill"))
		return fill(mib, flag);
	if (!strcmp(mode, "hold"))
		return hold(mib, flag);
	if (!strcmp(mode, "reserve"))
		return reserve(mib);
	if (!strcmp(mode, "take"))
		return take(flag);
	return 99;
}

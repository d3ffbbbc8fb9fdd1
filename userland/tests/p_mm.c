/*
 * Helper of the memory-service tests (t_mm, t_mm_stress).  mode=
 *   ro_write     write to a page it mapped read-only      (killed; exit 99 if not)
 *   exec_anon    call into an anonymous read-write page   (killed)
 *   unmapped     read an unmapped address of the window   (killed)
 *   after_unmap  touch a page after unmapping it          (killed)
 *   peek addr=A  read the parent's address A              (killed: not mapped here)
 *   meddle addr=A parent=P  unmap / protect / free / share the parent's range
 *                (every request refused: exit 0, else the number of surprises)
 *   shared addr=A  read 0x5a5a at the shared page A, write 0xa5a5 back (exit 0)
 *   exhaust      map and touch 64 KiB blocks until refused; exit 0 if refused cleanly
 *   worker seed=S  allocate, fill, check and free in a loop (exit = bad blocks)
 *   hold mib=N   populate N MiB (0 = nothing), then block forever (bench: exit reclaim)
 */
#include <libmm/libmm.h>
#include <malloc.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)

static volatile uint64_t sink;

static void *anon(size_t len, unsigned pf)
{
	void *va = NULL;

	return mm_map_anon(NULL, len, pf, &va) ? NULL : va;
}

static int meddle(uint64_t addr, uint64_t parent)
{
	int bad = 0;
	uint64_t their;

	bad += mm_unmap((void *)(uintptr_t)addr, 4096) != -MNEME_ENOENT;
	bad += mm_protect((void *)(uintptr_t)addr, 4096, MNEME_PROT_READ) != -MNEME_ENOENT;
	bad += mm_free_pages((void *)(uintptr_t)addr, 0) != -MNEME_ENOENT;
	bad += mm_share((void *)(uintptr_t)addr, 4096, parent, MNEME_PROT_READ, &their) != -MNEME_ENOENT;
	/* its own memory, but to a task that does not exist */
	void *mine = anon(4096, RW);
	bad += !mine || mm_share(mine, 4096, parent + 0x100, MNEME_PROT_READ, &their) != -MNEME_EDEAD;
	return bad;
}

static int exhaust(void)
{
	unsigned n = 0;
	int64_t st;
	void *va;

	for (;;) {
		st = mm_map_anon(NULL, 64 << 10, RW | MNEME_MM_POPULATE, &va);
		if (st)
			break;
		n++;
	}
	/* refused with a clean error, and the server still answers */
	struct mneme_mm_usage u;
	if ((st != -MNEME_EQUOTA && st != -MNEME_ENOMEM) || mm_usage(&u) || !n)
		return 1;
	printf("%s# p_mm: exhausted after %u blocks (%lld), charged %llu of %llu\n",
	       ktap_indent(ktap_depth), n, (long long)st, (unsigned long long)u.charged,
	       (unsigned long long)u.quota);
	return 0;
}

/* A small xorshift generator. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int worker(uint64_t seed)
{
	struct { uint64_t *p; size_t len; uint64_t tag; int kind; } blk[16] = { { 0 } };
	int bad = 0;

	for (unsigned it = 0; it < 300; it++) {
		unsigned i = rnd(&seed) % 16;
		if (blk[i].p) {
			for (size_t w = 0; w < blk[i].len / 8; w += 61)
				bad += blk[i].p[w] != (blk[i].tag ^ w);
			if (blk[i].kind == 0)
				bad += mm_unmap(blk[i].p, blk[i].len) != 0;
			else if (blk[i].kind == 1)
				bad += mm_free_pages(blk[i].p, 1) != 0;
			else
				free(blk[i].p);
			blk[i].p = NULL;
			continue;
		}
		void *va = NULL;
		blk[i].kind = (int)(rnd(&seed) % 3);
		blk[i].tag = rnd(&seed);
		if (blk[i].kind == 0) {
			blk[i].len = (1 + rnd(&seed) % 8) * 4096;
			if (mm_map_anon(NULL, blk[i].len, RW, &va))
				continue;
		} else if (blk[i].kind == 1) {
			blk[i].len = 8192;
			if (mm_alloc_pages(1, RW, &va, NULL))
				continue;
		} else {
			blk[i].len = 8 * (1 + rnd(&seed) % 1000);
			if (!(va = malloc(blk[i].len)))
				continue;
		}
		blk[i].p = va;
		for (size_t w = 0; w < blk[i].len / 8; w += 61)
			blk[i].p[w] = blk[i].tag ^ w;
		if (it % 16 == 0)
			mneme_yield();
	}
	return bad;
}

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");
	const char *a = ulib_arg(argc, argv, "addr"), *par = ulib_arg(argc, argv, "parent");
	const char *sd = ulib_arg(argc, argv, "seed");
	uint64_t addr = a ? ulib_strtou(a) : 0;
	volatile uint64_t *p;

	if (!mode)
		return 100;
	if (!strcmp(mode, "ro_write")) {
		p = anon(4096, MNEME_PROT_READ);
		if (p)
			*p = 1;
	} else if (!strcmp(mode, "exec_anon")) {
		p = anon(4096, RW | MNEME_MM_POPULATE);
		if (p)
			((void (*)(void))(uintptr_t)p)();
	} else if (!strcmp(mode, "unmapped")) {
		sink = *(volatile uint64_t *)(uintptr_t)(MNEME_MM_MAP_BASE + (200ULL << 30));
	} else if (!strcmp(mode, "after_unmap")) {
		p = anon(8192, RW);
		if (p) {
			p[0] = 1;
			mm_unmap((void *)p, 8192);
			sink = p[0];
		}
	} else if (!strcmp(mode, "peek")) {
		sink = *(volatile uint64_t *)(uintptr_t)addr;
	} else if (!strcmp(mode, "meddle")) {
		return meddle(addr, par ? ulib_strtou(par) : 0);
	} else if (!strcmp(mode, "shared")) {
		p = (volatile uint64_t *)(uintptr_t)addr;
		if (*p != 0x5a5a)
			return 2;
		*p = 0xa5a5;
		return 0;
	} else if (!strcmp(mode, "exhaust")) {
		return exhaust();
	} else if (!strcmp(mode, "hold")) {
		const char *m = ulib_arg(argc, argv, "mib");
		uint64_t mib = m ? ulib_strtou(m) : 0;
		void *va;
		if (mib && mm_map_anon(NULL, mib << 20, RW | MNEME_MM_POPULATE, &va))
			return 1;
		struct mneme_sysret r;
		uint64_t ep = t_endpoint();
		for (;;)
			mneme_recv_r(&r, ep);
	} else if (!strcmp(mode, "worker")) {
		return worker(sd ? ulib_strtou(sd) : 1);
	}
	return 99;
}

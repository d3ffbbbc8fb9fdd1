/*
 * Benchmark (not a test; `./mneme bench` boots with -append bench under
 * -icount shift=0), in guest instructions: an IPC round trip (call +
 * reply_recv, empty message, two address spaces); and the memory service
 * end to end: a demand-zero page fault (fault, vm_fault, zeroing,
 * MAP_RESUME), an order-0 ALLOC_PAGES request (request, allocation,
 * mapping, reply), a 2 MiB huge mapping (MAP_ANON HUGE|POPULATE: a zeroed
 * 2 MiB block mapped with one entry) and exit reclaim per MiB held (kill
 * and wait for a task holding 16 MiB minus the same for a task holding
 * nothing, divided by 16); and the memory objects: a read fault on an
 * untouched page (the shared zero page), a copy-on-write fault (a write
 * to a page shared with a clone: a 4 KiB copy), a clone of a space with
 * 64 MiB populated (a second instance of this program does it, with a
 * quota that allows it), and the spawn of a program until it answers its
 * first call, first while no instance of it runs (its pages come from the
 * archive into the page cache) and then beside a running instance (they
 * come from the cache).
 *
 * The counter is the core's (clock_read: TSC / time CSR), read by a
 * syscall so user mode needs no counter access of its own; it is
 * calibrated against a loop of known length (2 instructions per
 * iteration), each figure is the median over many runs of per-run
 * averages after a warm-up, and the cost of the measurement itself (an
 * empty run) is subtracted.
 */
#include <libmm/libmm.h>
#include "common.h"

#define CALIB_ITERS 2000000UL
#define IPC_WARMUP 200
#define RUNS 31
#define IPC_BATCH 200
#define FAULT_BATCH 32

static uint64_t now(void)
{
	struct mneme_sysret r;

	mneme_clock_read_r(&r);
	return r.r[1];
}

static void sort(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static uint64_t median(uint64_t *v, unsigned n)
{
	sort(v, n);
	return v[n / 2];
}

/* Counter ticks for CALIB_ITERS * 2 instructions (median of 5). */
static uint64_t calibrate(void)
{
	uint64_t v[5];

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = now();
		arch_user_spin(CALIB_ITERS);
		v[i] = now() - t0;
	}
	return median(v, 5);
}

/* Instructions for a count of milli-ticks. */
static uint64_t to_insns(uint64_t mticks, uint64_t calib)
{
	return mticks * (2 * CALIB_ITERS) / calib / 1000;
}

/* Milli-ticks per call of @batch calls (median of RUNS); @ep 0 measures an empty loop. */
static uint64_t ipc_run(uint64_t ep, unsigned batch)
{
	uint64_t v[RUNS];
	struct mneme_sysret r;

	for (int run = 0; run < RUNS; run++) {
		uint64_t t0 = now();
		for (unsigned i = 0; i < batch; i++)
			if (ep)
				mneme_call_r(&r, ep, 0, 0, 0, 0, 0, 0);
		v[run] = (now() - t0) * 1000 / batch;
	}
	return median(v, RUNS);
}

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define ALLOC_BATCH 32
#define HUGE_RUNS 9
#define RECLAIM_RUNS 5
#define RECLAIM_MIB 16

static volatile uint8_t *lazy;   /* a lazy anonymous region for the fault runs */

/* Milli-ticks per store (or load) to FAULT_BATCH pages of @heap from @first on (median of RUNS). */
static uint64_t touch_pages(volatile uint8_t *heap, unsigned first, bool load)
{
	uint64_t v[RUNS];
	uint8_t sink = 0;

	for (int run = 0; run < RUNS; run++) {
		unsigned base = first + (unsigned)run * FAULT_BATCH;
		uint64_t t0 = now();
		if (load)
			for (unsigned i = 0; i < FAULT_BATCH; i++)
				sink += heap[(uint64_t)(base + i) * 4096];
		else
			for (unsigned i = 0; i < FAULT_BATCH; i++)
				heap[(uint64_t)(base + i) * 4096] = 1;
		v[run] = (now() - t0) * 1000 / FAULT_BATCH;
	}
	(void)sink;
	return median(v, RUNS);
}

static uint64_t touch_run(unsigned first)
{
	return touch_pages(lazy, first, false);
}

/* Milli-ticks per order-0 ALLOC_PAGES request (median of RUNS runs of ALLOC_BATCH; freed untimed). */
static uint64_t alloc_run(void)
{
	uint64_t v[RUNS];
	void *va[ALLOC_BATCH];

	for (int run = 0; run < RUNS; run++) {
		uint64_t t0 = now();
		for (unsigned i = 0; i < ALLOC_BATCH; i++)
			if (mm_alloc_pages(0, RW, &va[i], NULL))
				va[i] = NULL;
		v[run] = (now() - t0) * 1000 / ALLOC_BATCH;
		for (unsigned i = 0; i < ALLOC_BATCH; i++)
			if (va[i])
				mm_free_pages(va[i], 0);
	}
	return median(v, RUNS);
}

/* Milli-ticks per 2 MiB MAP_ANON HUGE|POPULATE (median of HUGE_RUNS; unmapped untimed). */
static uint64_t huge_run(void)
{
	uint64_t v[HUGE_RUNS];
	void *va;

	for (int run = 0; run < HUGE_RUNS; run++) {
		uint64_t t0 = now();
		int64_t st = mm_map_anon(NULL, 2 << 20, RW | MNEME_MM_HUGE | MNEME_MM_POPULATE, &va);
		v[run] = (now() - t0) * 1000;
		if (!st)
			mm_unmap(va, 2 << 20);
	}
	return median(v, HUGE_RUNS);
}

/* Milli-ticks to kill and reap a task that holds @mib MiB (median of RECLAIM_RUNS). */
static uint64_t reclaim_run(unsigned mib)
{
	uint64_t v[RECLAIM_RUNS];
	char args[32];

	snprintf(args, sizeof(args), "mode=hold mib=%u", mib);
	for (int run = 0; run < RECLAIM_RUNS; run++) {
		uint64_t child = 0, state = 0, st, why;
		if (mm_spawn("p_mm", args, 0, 0, 0, &child))
			return 0;
		/* wait until it has populated and blocked: its usage cannot be read, so yield a while */
		for (int i = 0; i < 200; i++)
			mneme_yield();
		uint64_t t0 = now();
		mm_kill(child);
		while (!mm_status(child, &state, &st, &why) && state != MNEME_MM_STATE_EXITED)
			;
		v[run] = (now() - t0) * 1000;
	}
	return median(v, RECLAIM_RUNS);
}

/* A clone that holds its copy-on-write pages until killed (it waits on an endpoint forever). */
static int hold(void)
{
	struct ulib_msg m;

	for (;;)
		ipc_recv(ulib_start->handles[0], &m);
}

/*
 * Read faults on untouched pages (the zero page), and write faults on
 * pages shared copy-on-write with a clone (each a 4 KiB copy: the clone
 * still maps the page).  Printed in instructions.
 */
static int objects_faults(uint64_t calib)
{
	uint64_t pages = 2 * RUNS * FAULT_BATCH, ep = t_endpoint(), child;
	volatile uint8_t *z, *c;

	if (mm_map_anon(NULL, pages * 4096, RW, (void **)&z) ||
	    mm_map_anon(NULL, pages * 4096, RW | MNEME_MM_POPULATE, (void **)&c))
		return 4;
	touch_pages(z, 0, true);                 /* warm-up: page tables exist afterwards */
	uint64_t zero = touch_pages(z, RUNS * FAULT_BATCH, true), loaded = touch_pages(z, RUNS * FAULT_BATCH, true);
	printf("bench: zero_fault: %llu instructions (first load from an untouched page of a lazy "
	       "MAP_ANON region: the shared zero page mapped read-only; median of %d runs of %d; a load "
	       "from a mapped page costs %llu)\n",
	       (unsigned long long)to_insns(zero - (loaded < zero ? loaded : 0), calib), RUNS,
	       FAULT_BATCH, (unsigned long long)to_insns(loaded, calib));
	for (uint64_t i = 0; i < pages; i++)
		c[i * 4096] = 2;                  /* private frames of this task */
	if (!ep || mm_clone(0, 0, "only=hold", 256ULL << 20, ep, &child))
		return 5;
	touch_pages(c, 0, false);                /* warm-up */
	uint64_t cow = touch_pages(c, RUNS * FAULT_BATCH, false), stored = touch_pages(c, RUNS * FAULT_BATCH, false);
	printf("bench: cow_fault: %llu instructions (first store to a page shared copy-on-write with a "
	       "clone: a new frame, a 4 KiB copy, the old mapping replaced; median of %d runs of %d; a "
	       "store to a mapped page costs %llu)\n",
	       (unsigned long long)to_insns(cow - (stored < cow ? stored : 0), calib), RUNS, FAULT_BATCH,
	       (unsigned long long)to_insns(stored, calib));
	mm_kill(child);
	t_wait(child, NULL);
	mneme_handle_close(ep);
	mm_unmap((void *)z, pages * 4096);
	mm_unmap((void *)c, pages * 4096);
	return 0;
}

#define CLONE_MIB 64
#define CLONE_RUNS 5

/*
 * A second instance of bench with a quota for it: populate 64 MiB, then
 * time SPAWN_CLONE of the whole space (the request until its reply: the
 * child's regions, frame table and reverse map, the parent's pages made
 * copy-on-write).  The clones exit at once.
 */
static int clone_bench(uint64_t calib)
{
	uint64_t v[CLONE_RUNS];
	void *va;

	if (mm_map_anon(NULL, (size_t)CLONE_MIB << 20, RW | MNEME_MM_POPULATE, &va))
		return 6;
	for (int run = 0; run < CLONE_RUNS; run++) {
		uint64_t child = 0;
		/* Writable again, as a task's memory is (a clone write-protects it). */
		for (size_t i = 0; i < ((size_t)CLONE_MIB << 20); i += 4096)
			((volatile uint8_t *)va)[i] = (uint8_t)run;
		uint64_t t0 = now();
		int64_t st = mm_clone(0, 0, "only=exit", 512ULL << 20, 0, &child);
		v[run] = (now() - t0) * 1000;
		if (st)
			return 7;
		t_wait(child, NULL);
	}
	uint64_t m = to_insns(median(v, CLONE_RUNS), calib);
	printf("bench: clone_64m: %llu instructions (SPAWN_CLONE of a space with %d MiB populated: "
	       "%llu per 4 KiB page; median of %d)\n", (unsigned long long)m, CLONE_MIB,
	       (unsigned long long)(m / (CLONE_MIB * 256)), CLONE_RUNS);
	return 0;
}

/* Milli-ticks from SPAWN of p_bench_srv until it answers a first call on a new endpoint. */
static uint64_t spawn_serve(uint64_t *child)
{
	uint64_t ep = t_endpoint(), h = t_mint(ep, 0, MNEME_RIGHTS_ALL);
	struct mneme_sysret r;

	if (!ep || !h)
		return 0;
	uint64_t t0 = now();
	if (mm_spawn("p_bench_srv", NULL, 0, h, 0, child))
		return 0;
	mneme_call_r(&r, ep, 0, 0, 0, 0, 0, 0);
	uint64_t t = (now() - t0) * 1000;
	mneme_handle_close(h);
	mneme_handle_close(ep);
	return t;
}

static int mm_bench(uint64_t calib)
{
	uint64_t a = alloc_run(), h = huge_run();
	uint64_t full = reclaim_run(RECLAIM_MIB), none = reclaim_run(0);

	printf("bench: mm_alloc_order0: %llu instructions (ALLOC_PAGES order 0 end to end: request, "
	       "allocation, mapping, reply; median of %d runs of %d)\n",
	       (unsigned long long)to_insns(a, calib), RUNS, ALLOC_BATCH);
	printf("bench: mm_huge_2m: %llu instructions (MAP_ANON 2 MiB HUGE|POPULATE: zeroed block, one "
	       "2 MiB entry; median of %d)\n", (unsigned long long)to_insns(h, calib), HUGE_RUNS);
	printf("bench: mm_exit_reclaim: %llu instructions per MiB (kill + reap of a task holding %d MiB "
	       "minus one holding none, / %d; medians of %d)\n",
	       (unsigned long long)(full > none ? to_insns(full - none, calib) / RECLAIM_MIB : 0),
	       RECLAIM_MIB, RECLAIM_MIB, RECLAIM_RUNS);
	return 0;
}

/*
 * only=fault: one warm-up store, then one demand-zero fault between two
 * PING requests (markers for a QEMU -d exec trace of the fault path).
 */
static int fault_trace(void)
{
	void *va;

	if (mm_map_anon(NULL, 1 << 20, RW, &va))
		return 1;
	((volatile uint8_t *)va)[0] = 1;
	mm_ping();
	((volatile uint8_t *)va)[4096] = 1;
	mm_ping();
	return 0;
}

/* only=zfault: one read fault on an untouched page between two PINGs (trace markers). */
static int zero_fault_trace(void)
{
	volatile uint8_t *va;

	if (mm_map_anon(NULL, 1 << 20, RW, (void **)&va))
		return 1;
	(void)va[0];
	mm_ping();
	(void)va[4096];
	mm_ping();
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t srv = 0;
	struct mneme_sysret r;
	const char *only = ulib_arg(argc, argv, "only");

	if (only && !strcmp(only, "fault"))
		return fault_trace();
	if (only && !strcmp(only, "zfault"))
		return zero_fault_trace();
	if (only && !strcmp(only, "hold"))
		return hold();
	if (only && !strcmp(only, "exit"))
		return 0;
	if (only && !strcmp(only, "clone"))
		return clone_bench(ulib_strtou(ulib_arg(argc, argv, "calib")));
	uint64_t calib = calibrate();
	mneme_clock_read_r(&r);
	printf("bench: calibration: %lu-iteration loop (%lu instructions) = %llu counter ticks "
	       "(counter %llu Hz)\n", CALIB_ITERS, 2 * CALIB_ITERS, (unsigned long long)calib,
	       (unsigned long long)r.r[2]);
	if (!calib)
		return 1;
	/* The first instance of p_bench_srv: its pages come from the archive into the page cache. */
	uint64_t cold = spawn_serve(&srv);
	if (!cold)
		return 2;
	uint64_t ep = t_endpoint(), h = t_mint(ep, 0, MNEME_RIGHTS_ALL), second[5], other;
	if (!ep || !h || mm_spawn("p_bench_srv", NULL, 0, h, 0, &other))
		return 2;
	mneme_handle_close(h);
	/* More instances beside the running ones: from the page cache. */
	for (int i = 0; i < 5; i++) {
		uint64_t c = 0;
		second[i] = spawn_serve(&c);
		mm_kill(c);
		t_wait(c, NULL);
	}
	printf("bench: spawn_first: %llu instructions (SPAWN of p_bench_srv until it answers a call, no "
	       "instance running: pages from the archive)\n", (unsigned long long)to_insns(cold, calib));
	printf("bench: spawn_second: %llu instructions (the same beside running instances: pages from "
	       "the page cache; median of 5)\n", (unsigned long long)to_insns(median(second, 5), calib));
	mm_kill(srv);
	t_wait(srv, NULL);
	srv = other;
	for (int i = 0; i < IPC_WARMUP; i++)
		mneme_call_r(&r, ep, 0, 0, 0, 0, 0, 0);
	uint64_t empty = ipc_run(0, IPC_BATCH), ipc = ipc_run(ep, IPC_BATCH);
	printf("bench: ipc_roundtrip: %llu instructions (call + reply_recv, empty message, "
	       "two address spaces; median of %d runs of %d)\n",
	       (unsigned long long)to_insns(ipc - (empty < ipc ? empty : 0), calib), RUNS, IPC_BATCH);

	void *region;
	if (mm_map_anon(NULL, 16 << 20, RW, &region))
		return 3;
	lazy = region;
	touch_run(0);   /* warm-up: page tables of the region's first pages exist afterwards */
	uint64_t first = RUNS * FAULT_BATCH;
	uint64_t fault = touch_run(first), mapped = touch_run(first);
	printf("bench: page_fault: %llu instructions (first store to a demand-zero page of a lazy "
	       "MAP_ANON region, resolved by the memory server's vm_fault with MAP_RESUME; median of %d runs of %d; a store to a "
	       "mapped page costs %llu)\n",
	       (unsigned long long)to_insns(fault - (mapped < fault ? mapped : 0), calib), RUNS,
	       FAULT_BATCH, (unsigned long long)to_insns(mapped, calib));
	mm_kill(srv);
	t_wait(srv, NULL);
	int err = mm_bench(calib);
	if (!err)
		err = objects_faults(calib);
	mm_unmap(region, 16 << 20);
	char args[48];
	uint64_t helper;
	snprintf(args, sizeof(args), "only=clone calib=%llu", (unsigned long long)calib);
	if (!err && !mm_spawn_quota("bench", args, 0, 0, 0, 1ULL << 30, &helper))
		err = (int)t_wait(helper, NULL);
	return err;
}

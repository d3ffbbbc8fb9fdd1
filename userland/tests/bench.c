/*
 * Benchmark (not a test; `./mneme bench` boots with -append bench under
 * -icount shift=0): the cost of an IPC round trip (call + reply_recv, empty
 * message, two address spaces) and of a page fault resolved by the memory
 * server's user-mode pager, in guest instructions.
 *
 * The counter is the core's (clock_read: TSC / time CSR), read by a
 * syscall so user mode needs no counter access of its own; it is
 * calibrated against a loop of known length (2 instructions per
 * iteration), each figure is the median over many runs of per-run
 * averages after a warm-up, and the cost of the measurement itself (an
 * empty run) is subtracted.
 */
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

/* Milli-ticks per store to FAULT_BATCH pages from @first on (median of RUNS). */
static uint64_t touch_run(unsigned first)
{
	volatile uint8_t *heap = (volatile uint8_t *)(uintptr_t)ULIB_HEAP_BASE;
	uint64_t v[RUNS];

	for (int run = 0; run < RUNS; run++) {
		unsigned base = first + (unsigned)run * FAULT_BATCH;
		uint64_t t0 = now();
		for (unsigned i = 0; i < FAULT_BATCH; i++)
			heap[(uint64_t)(base + i) * 4096] = 1;
		v[run] = (now() - t0) * 1000 / FAULT_BATCH;
	}
	return median(v, RUNS);
}

int main(int argc, char **argv)
{
	uint64_t srv = 0;
	struct mneme_sysret r;

	(void)argc, (void)argv;
	uint64_t calib = calibrate();
	mneme_clock_read_r(&r);
	printf("bench: calibration: %lu-iteration loop (%lu instructions) = %llu counter ticks "
	       "(counter %llu Hz)\n", CALIB_ITERS, 2 * CALIB_ITERS, (unsigned long long)calib,
	       (unsigned long long)r.r[2]);
	if (!calib)
		return 1;
	uint64_t ep = t_endpoint(), h = t_mint(ep, 0, MNEME_RIGHTS_ALL);
	if (!ep || !h || mm_spawn("p_bench_srv", NULL, 0, h, 0, &srv))
		return 2;
	mneme_handle_close(h);
	for (int i = 0; i < IPC_WARMUP; i++)
		mneme_call_r(&r, ep, 0, 0, 0, 0, 0, 0);
	uint64_t empty = ipc_run(0, IPC_BATCH), ipc = ipc_run(ep, IPC_BATCH);
	printf("bench: ipc_roundtrip: %llu instructions (call + reply_recv, empty message, "
	       "two address spaces; median of %d runs of %d)\n",
	       (unsigned long long)to_insns(ipc - (empty < ipc ? empty : 0), calib), RUNS, IPC_BATCH);

	touch_run(0);   /* warm-up: page tables of the heap's first pages exist afterwards */
	uint64_t first = RUNS * FAULT_BATCH;
	uint64_t fault = touch_run(first), mapped = touch_run(first);
	printf("bench: page_fault: %llu instructions (first store to a demand-zero page, resolved "
	       "by the memory server's pager with MAP_RESUME; median of %d runs of %d; a store to a "
	       "mapped page costs %llu)\n",
	       (unsigned long long)to_insns(fault - (mapped < fault ? mapped : 0), calib), RUNS,
	       FAULT_BATCH, (unsigned long long)to_insns(mapped, calib));
	mm_kill(srv);
	return 0;
}

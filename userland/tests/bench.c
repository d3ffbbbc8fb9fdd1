/*
 * Benchmark (not a test; `./mneme bench` boots with -append bench under
 * -icount shift=0): the cost of an IPC round trip (call + reply_recv, empty
 * message, two address spaces) and of a page fault resolved by the memory
 * server's user-mode pager, in guest instructions.
 *
 * The counter (TSC / time CSR) is calibrated against a loop of known
 * length (2 instructions per iteration), and the figures are medians of
 * many runs after a warm-up.
 */
#include "common.h"

#define CALIB_ITERS 2000000UL
#define IPC_WARMUP 200
#define IPC_RUNS 41
#define IPC_BATCH 200
#define FAULT_PAGES 512

static uint64_t samples[FAULT_PAGES];

static void sort(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Counter ticks for CALIB_ITERS * 2 instructions (median of 5). */
static uint64_t calibrate(void)
{
	uint64_t v[5];

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = arch_user_cycles();
		arch_user_spin(CALIB_ITERS);
		v[i] = arch_user_cycles() - t0;
	}
	sort(v, 5);
	return v[2];
}

/* Instructions (x1000 for precision) per counter tick measurement. */
static uint64_t to_insns(uint64_t ticks_x1000, uint64_t calib)
{
	return ticks_x1000 * (2 * CALIB_ITERS) / calib / 1000;
}

static uint64_t bench_ipc(uint64_t ep, uint64_t calib)
{
	uint64_t v[IPC_RUNS];
	struct mneme_sysret r;

	for (int i = 0; i < IPC_WARMUP; i++)
		mneme_call_r(&r, ep, 0, 0, 0, 0, 0, 0);
	for (int run = 0; run < IPC_RUNS; run++) {
		uint64_t t0 = arch_user_cycles();
		for (int i = 0; i < IPC_BATCH; i++)
			mneme_call_r(&r, ep, 0, 0, 0, 0, 0, 0);
		v[run] = (arch_user_cycles() - t0) * 1000 / IPC_BATCH;
	}
	sort(v, IPC_RUNS);
	return to_insns(v[IPC_RUNS / 2], calib);
}

/* Touch fresh demand-zero heap pages: each first touch is a fault the server resolves. */
static uint64_t bench_fault(uint64_t calib, uint64_t *loop_insns)
{
	volatile uint8_t *heap = (volatile uint8_t *)(uintptr_t)ULIB_HEAP_BASE;

	for (unsigned i = 0; i < 16; i++)   /* warm-up */
		heap[i * 4096] = 1;
	for (unsigned i = 0; i < FAULT_PAGES; i++) {
		uint64_t t0 = arch_user_cycles();
		heap[(16 + i) * 4096] = 1;
		samples[i] = (arch_user_cycles() - t0) * 1000;
	}
	sort(samples, FAULT_PAGES);
	/* The same store to a mapped page: the measurement's own cost. */
	uint64_t t0 = arch_user_cycles();
	for (unsigned i = 0; i < FAULT_PAGES; i++)
		heap[(16 + i) * 4096] = 2;
	*loop_insns = to_insns((arch_user_cycles() - t0) * 1000 / FAULT_PAGES, calib);
	return to_insns(samples[FAULT_PAGES / 2], calib);
}

int main(int argc, char **argv)
{
	uint64_t srv = 0, loop = 0;

	(void)argc, (void)argv;
	uint64_t calib = calibrate();
	printf("bench: calibration: %lu-iteration loop (%lu instructions) = %llu counter ticks\n",
	       CALIB_ITERS, 2 * CALIB_ITERS, (unsigned long long)calib);
	if (!calib)
		return 1;
	uint64_t ep = t_endpoint(), h = t_mint(ep, 0, MNEME_RIGHTS_ALL);
	if (!ep || !h || mm_spawn("p_bench_srv", NULL, 0, h, 0, &srv))
		return 2;
	mneme_handle_close(h);
	uint64_t ipc = bench_ipc(ep, calib);
	printf("bench: ipc_roundtrip: %llu instructions (call + reply_recv, empty message, "
	       "two address spaces; median of %d runs of %d)\n", (unsigned long long)ipc, IPC_RUNS,
	       IPC_BATCH);
	uint64_t fault = bench_fault(calib, &loop);
	printf("bench: page_fault: %llu instructions (demand-zero page mapped by the memory "
	       "server's pager; median of %d; the store itself costs %llu)\n",
	       (unsigned long long)fault, FAULT_PAGES, (unsigned long long)loop);
	mm_kill(srv);
	return 0;
}

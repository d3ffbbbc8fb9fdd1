/*
 * Host timings of the vm module's request paths (not a test): the real mm
 * core built with -O2 (mmcore_fast) and the fake core of vm_env.c (whose
 * hash-table page table is part of every figure).  The guest figures of
 * the issue (instructions under -icount) come from QEMU; these show where
 * the server's own time goes.  Run: ninja vm-bench && bench/vm-bench
 */
#include <time.h>
#include "vm_env.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t xbuf[MNEME_IPC_BUFFER_WORDS];

static struct vm_reply request(struct fake_task *t, uint32_t label, uint64_t w0, uint64_t w1,
			       uint64_t w2, uint64_t w3)
{
	struct vm_msg m = { .label = label, .w = { w0, w1, w2, w3 } };
	struct vm_reply r = { .x = xbuf };

	vm_request(t->space, &m, &r);
	return r;
}

int main(void)
{
	enum { N = 20000 };

	if (vm_env_init())
		return 1;
	struct fake_task *t = fake_task_new(1ULL << 34);
	/* ALLOC_PAGES order 0 (+ the UNMAP giving it back, timed apart). */
	double a = 0, u = 0;
	for (int i = 0; i < N; i++) {
		double t0 = now_ns();
		struct vm_reply r = request(t, MNEME_MM_ALLOC_PAGES, 0, RW, 0, 0);
		double t1 = now_ns();
		request(t, MNEME_MM_UNMAP, r.w[0], VM_PAGE_SIZE, 0, 0);
		a += t1 - t0;
		u += now_ns() - t1;
	}
	printf("vm: ALLOC_PAGES order 0     %8.0f ns/request\n", a / N);
	printf("vm: UNMAP of one page       %8.0f ns/request\n", u / N);
	/* Demand-zero faults, page by page (the second round runs on warm host memory). */
	struct vm_reply r;
	struct vm_fault_result res;
	for (int round = 0; round < 2; round++) {
		r = request(t, MNEME_MM_MAP_ANON, 0, (uint64_t)N * VM_PAGE_SIZE, RW, 0);
		double t0 = now_ns(), tf = 0;
		for (int i = 0; i < N; i++) {
			double t1 = now_ns();
			vm_fault(t->space, r.w[0] + (uint64_t)i * VM_PAGE_SIZE, MNEME_PROT_WRITE, &res);
			tf += now_ns() - t1;
			vm_backend_map(t->space, res.va, res.pa, res.shift, res.prot);
		}
		if (round)
			printf("vm: demand-zero fault       %8.0f ns/fault in vm_fault, %.0f with the fake map\n",
			       tf / N, (now_ns() - t0) / N);
		double t2 = now_ns();
		request(t, MNEME_MM_UNMAP, r.w[0], (uint64_t)N * VM_PAGE_SIZE, 0, 0);
		if (round)
			printf("vm: UNMAP of %d pages    %8.0f ns/page\n", N, (now_ns() - t2) / N);
	}
	/* One 2 MiB mapping, populated (and its unmap). */
	a = u = 0;
	for (int i = 0; i < 500; i++) {
		double t1 = now_ns();
		r = request(t, MNEME_MM_MAP_ANON, 0, VM_HUGE_SIZE, RW | MNEME_MM_HUGE | MNEME_MM_POPULATE, 0);
		double t2 = now_ns();
		request(t, MNEME_MM_UNMAP, r.w[0], VM_HUGE_SIZE, 0, 0);
		a += t2 - t1;
		u += now_ns() - t2;
	}
	printf("vm: 2 MiB huge mapping      %8.0f ns/request (populated; zeroing 2 MiB included)\n", a / 500);
	fake_task_free(t);
	/* Exit reclaim per MiB: a task with 64 MiB of touched 4 KiB pages. */
	double rec = 0;
	for (int i = 0; i < 5; i++) {
		t = fake_task_new(1ULL << 34);
		request(t, MNEME_MM_MAP_ANON, 0, 64ULL << 20, RW | MNEME_MM_POPULATE, 0);
		double t1 = now_ns();
		vm_space_destroy(t->space);
		rec += now_ns() - t1;
		t->space = vm_space_create(1000 + i, t, 0);
		fake_task_free(t);
	}
	printf("vm: exit reclaim            %8.0f ns/MiB (4 KiB pages)\n", rec / 5 / 64);
	return 0;
}

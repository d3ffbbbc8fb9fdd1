/*
 * Benchmark of the core on several CPUs (not a test: `./mneme bench`
 * boots it with run=bench_smp, -smp 4 and -icount shift=0), in guest
 * instructions.  Under -icount the counter (TSC / time CSR) follows the
 * instructions of every CPU together (QEMU runs them in turn; a halted
 * CPU adds nothing), so each figure is the count over a window divided by
 * the operations done in it, every CPU's share of the work included:
 *
 *   ipc_cross_cpu     a call and its reply between a thread on CPU 0 and
 *                     a server task's thread on CPU 1 (IPIs, remote
 *                     wake-ups, both CPUs halting between messages)
 *   ipc_pairs_N       N client/server pairs at once, pair i on CPU i, each
 *                     a client thread of this task and its own server
 *                     task: instructions per round trip per pair (the goal:
 *                     the one-pair figure whatever N)
 *   unmap_page_N      the UNMAP of one populated page by a task whose
 *   unmap_range_N     threads have run on N CPUs (they wait there, blocked,
 *                     with its address space active), so the unmap is shot
 *                     down on N - 1 others; and the same for a 64-page
 *                     range: still one shootdown (median of single
 *                     requests, the mapping made outside the measurement)
 *   fault_tasks_N     N tasks at once, task i on CPU i, each writing to
 *                     FAULT_PAGES untouched pages of its own lazy region
 *                     in a scattered order (no fault-around): instructions
 *                     per demand-zero fault, the server's work and every
 *                     CPU's included (the goal: the one-task figure
 *                     whatever N)
 *
 * Windows are opened once every thread involved is blocked in the core
 * (waiting costs nothing), and closed by the last one to finish.
 */
#include <libmm/libmm.h>
#include <ulib/thread.h>
#include "common.h"

#define CALIB_ITERS 2000000UL
#define ROUNDS 2000
#define UNMAP_ROUNDS 200
#define MAX_PAIRS 4
#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)

static uint64_t now(void)
{
	struct mneme_sysret r;

	mneme_clock_read_r(&r);
	return r.r[1];
}

/* Counter ticks for CALIB_ITERS * 2 instructions (the least of 3: nothing else runs). */
static uint64_t calibrate(void)
{
	uint64_t best = ~0ULL;

	for (int i = 0; i < 3; i++) {
		uint64_t t0 = now();
		arch_user_spin(CALIB_ITERS);
		uint64_t t = now() - t0;
		best = t < best ? t : best;
	}
	return best;
}

static uint64_t calib;

/* Instructions for @ticks counter ticks over @ops operations. */
static uint64_t per_op(uint64_t ticks, uint64_t ops)
{
	return ticks * (2 * CALIB_ITERS) / calib / ops;
}

/* A p_bench_srv on CPU @cpu answering calls on a new endpoint: the client's handle, or 0. */
static uint64_t server_on(unsigned cpu, uint64_t *child)
{
	char args[32];
	uint64_t ep = t_endpoint(), h = ep ? t_mint(ep, 0, MNEME_RIGHTS_ALL) : 0;

	snprintf(args, sizeof(args), "cpu=%u", cpu);
	if (!h || mm_spawn("p_bench_srv", args, 0, h, 0, child))
		return 0;
	mneme_handle_close(h);
	return ep;
}

static void call_n(uint64_t ep, unsigned n)
{
	struct mneme_sysret r;

	for (unsigned i = 0; i < n; i++)
		mneme_call_r(&r, ep, 0, 0, 0, 0, 0, 0);
}

/* ---- pairs -------------------------------------------------------------- */

struct pair {
	struct ulib_thread t;
	uint64_t ep, child, park;
	unsigned cpu;
};

static struct pair pairs[MAX_PAIRS * 2];
static uint64_t ready_ep, start_ep, done_ep;

/*
 * A client: pinned, warmed up, says it is ready, waits for the start
 * call, calls its server, reports, and then waits for good (the task's
 * end takes it).  No step spins: under -icount QEMU 7.2 lets a spinning
 * CPU starve the others.
 */
static int client(void *arg)
{
	struct pair *p = arg;
	struct ulib_msg in, out = { .info = t_info(0) }, note = { .info = t_info(1) };

	if (ulib_thread_pin(0, (int)p->cpu))
		return 1;
	call_n(p->ep, 50);                      /* warm: the server thread lives here now */
	if (ipc_send(ready_ep, &note) || ipc_recv(start_ep, &in))
		return 2;
	ipc_reply(&out);
	call_n(p->ep, ROUNDS);
	if (ipc_send(done_ep, &note))
		return 3;
	ipc_recv(p->park, &in);                 /* never answered: -MNEME_EDEAD when it closes */
	return 0;
}

/* Instructions per round trip per pair with @n pairs running at once. */
static uint64_t pairs_run(unsigned n, struct pair *set)
{
	struct ulib_msg m = { .info = t_info(0) }, in, r;

	ready_ep = t_endpoint();
	start_ep = t_endpoint();
	done_ep = t_endpoint();
	uint64_t h = t_mint(start_ep, 0, MNEME_RIGHT_SEND);
	for (unsigned i = 0; i < n; i++) {
		set[i].cpu = i;
		set[i].ep = server_on(i, &set[i].child);
		set[i].park = t_endpoint();
		if (!set[i].ep || ulib_thread_create(&set[i].t, client, &set[i], MNEME_PRIO_DEFAULT))
			return 0;
	}
	for (unsigned i = 0; i < n; i++)
		if (ipc_recv(ready_ep, &in))
			return 0;
	/*
	 * The window: each start call sets one client going; it closes when
	 * the last one reports.  The n start calls and reports are in it too:
	 * negligible beside n * ROUNDS round trips.
	 */
	uint64_t t0 = now();
	for (unsigned i = 0; i < n; i++)
		if (ipc_call(h, &m, &r))
			return 0;
	for (unsigned i = 0; i < n; i++)
		if (ipc_recv(done_ep, &in))
			return 0;
	uint64_t t = now() - t0;
	/* endpoints are few per task: give them back (a parked client wakes and ends) */
	for (unsigned i = 0; i < n; i++) {
		mm_kill(set[i].child);
		mneme_handle_close(set[i].ep);
		mneme_handle_close(set[i].park);
	}
	mneme_handle_close(h);
	mneme_handle_close(ready_ep);
	mneme_handle_close(start_ep);
	mneme_handle_close(done_ep);
	return per_op(t, (uint64_t)n * ROUNDS);
}

/* ---- unmap with threads on N CPUs ---------------------------------------- */

static volatile uint8_t *touch_va;
static uint64_t touched_ep, park_ep;

/* Run on CPU @arg, read the task's page (this CPU now holds translations of it), say so, park. */
static int toucher(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	struct ulib_msg m = { .info = t_info((uint32_t)touch_va[0]) }, in;

	if (ulib_thread_pin(0, (int)cpu))
		return 1;
	m.w[0] = touch_va[0];
	if (ipc_send(touched_ep, &m))
		return 2;
	ipc_recv(park_ep, &in);                 /* never answered: blocked, its CPU halts */
	return 0;
}

/* Instructions per (map + unmap) of @pages populated pages, this task having run on @n CPUs. */
static uint64_t unmap_run(unsigned n, unsigned pages)
{
	static struct ulib_thread t[MAX_PAIRS];
	struct ulib_msg in;
	void *va;

	touched_ep = t_endpoint();
	park_ep = t_endpoint();
	if (mm_map_anon(NULL, 4096, RW | MNEME_MM_POPULATE, &va))
		return 0;
	touch_va = va;
	for (unsigned i = 1; i < n; i++)
		if (ulib_thread_create(&t[i], toucher, (void *)(uintptr_t)i, MNEME_PRIO_DEFAULT) ||
		    ipc_recv(touched_ep, &in))
			return 0;
	static uint64_t v[UNMAP_ROUNDS];
	for (unsigned r = 0; r < UNMAP_ROUNDS; r++) {
		if (mm_map_anon(NULL, (size_t)pages * 4096, RW | MNEME_MM_POPULATE, &va))
			return 0;
		uint64_t t0 = now();
		if (mm_unmap(va, (size_t)pages * 4096))
			return 0;
		v[r] = now() - t0;
	}
	/* the median of single UNMAPs: batches would mix in the allocator's refill rhythm */
	for (unsigned i = 1; i < UNMAP_ROUNDS; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return per_op(v[UNMAP_ROUNDS / 2] * 1, 1);
}

/* ---- demand-zero faults in N tasks at once --------------------------------- */

#define FAULT_PAGES 256
#define FAULT_STEP 97                   /* odd: i * 97 mod 256 visits every page once */

struct faulter {
	struct ulib_thread t;
	uint64_t ep, child;
	unsigned cpu;
};

static struct faulter faulters[MAX_PAIRS];

/*
 * The parent's agent for one faulting task, pinned to its CPU: it takes
 * the task's "ready" call, waits for the start (a send), answers the call
 * (the task starts faulting) and passes the task's "done" on.  A thread per
 * task, because a thread holds one reply at a time.
 */
static int faulter_agent(void *arg)
{
	struct faulter *f = arg;
	struct ulib_msg in, out = { .info = t_info(0) }, note = { .info = t_info(1) };

	if (ulib_thread_pin(0, (int)f->cpu))
		return 1;
	if (ipc_recv(f->ep, &in) || ipc_send(ready_ep, &note) || ipc_recv(start_ep, &in))
		return 2;
	ipc_reply(&out);
	if (ipc_recv(f->ep, &in))
		return 3;
	return ipc_send(done_ep, &note) ? 4 : 0;
}

/* only=fault cpu=C: map a lazy region, say ready, fault it in when told, check it, report. */
static int fault_child(unsigned cpu)
{
	struct ulib_msg m = { .info = t_info(0) }, r, in;
	uint64_t h = ulib_start->handles[0];
	volatile uint8_t *p;
	void *va, *warm;
	uint64_t bad = 0;

	if (ulib_thread_pin(0, (int)cpu) || mm_map_anon(NULL, FAULT_PAGES * 4096, RW, &va) ||
	    mm_map_anon(NULL, 16 * 4096, RW, &warm))
		return 1;
	for (unsigned i = 0; i < 16; i++)       /* warm: the fault path's code and tables */
		((volatile uint8_t *)warm)[i * 4096] = 1;
	if (ipc_call(h, &m, &r))
		return 2;
	p = va;
	for (unsigned i = 0, pg = 0; i < FAULT_PAGES; i++, pg = (pg + FAULT_STEP) % FAULT_PAGES)
		p[pg * 4096 + 8] = (uint8_t)(pg | 1);
	if (ipc_send(h, &m))                    /* the window closes with the last of these */
		return 3;
	/* checked outside the window: every page written once, the rest of it zero */
	for (unsigned pg = 0; pg < FAULT_PAGES; pg++)
		bad += p[pg * 4096 + 8] != (uint8_t)(pg | 1) || p[pg * 4096] != 0;
	if (bad)
		printf("bench_smp: fault child on CPU %u: %llu pages wrong\n", cpu,
		       (unsigned long long)bad);
	ipc_recv(t_endpoint(), &in);            /* parked until the parent kills this task */
	return 0;
}

/* Instructions per demand-zero fault with @n tasks faulting at once, task i on CPU i. */
static uint64_t fault_run(unsigned n)
{
	struct ulib_msg in, note = { .info = t_info(0) };

	ready_ep = t_endpoint();
	start_ep = t_endpoint();
	done_ep = t_endpoint();
	for (unsigned i = 0; i < n; i++) {
		char args[48];
		struct faulter *f = &faulters[i];
		f->cpu = i;
		f->ep = t_endpoint();
		uint64_t h = f->ep ? t_mint(f->ep, 0, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT) : 0;
		snprintf(args, sizeof(args), "only=fault cpu=%u", i);
		if (!h || mm_spawn("bench_smp", args, 0, h, 0, &f->child) ||
		    ulib_thread_create(&f->t, faulter_agent, f, MNEME_PRIO_DEFAULT))
			return 0;
	}
	for (unsigned i = 0; i < n; i++)
		if (ipc_recv(ready_ep, &in))
			return 0;
	uint64_t t0 = now();
	for (unsigned i = 0; i < n; i++)
		if (ipc_send(start_ep, &note))
			return 0;
	for (unsigned i = 0; i < n; i++)
		if (ipc_recv(done_ep, &in))
			return 0;
	uint64_t t = now() - t0;
	for (unsigned i = 0; i < n; i++) {
		ulib_thread_join(&faulters[i].t, NULL);
		mm_kill(faulters[i].child);
		mneme_handle_close(faulters[i].ep);
	}
	mneme_handle_close(ready_ep);
	mneme_handle_close(start_ep);
	mneme_handle_close(done_ep);
	return per_op(t, (uint64_t)n * FAULT_PAGES);
}

/*
 * only=unmap n=N: a fresh task (its set of CPUs that may hold its
 * translations starts empty) runs threads on N CPUs, then measures.
 */
static int unmap_child(unsigned n)
{
	uint64_t one = unmap_run(n, 1);
	uint64_t range = unmap_run(1, 64);      /* the threads from the first run still park on n CPUs */

	printf("bench: unmap_page_%u: %llu instructions (MAP_ANON of 1 populated page + its UNMAP, "
	       "the task having run on %u CPU%s)\n", n, (unsigned long long)one, n, n > 1 ? "s" : "");
	printf("bench: unmap_range_%u: %llu instructions (UNMAP of 64 populated pages: one unmap_range, "
	       "one shootdown)\n", n, (unsigned long long)range);
	return !one || !range;
}

int main(int argc, char **argv)
{
	const char *only = ulib_arg(argc, argv, "only");
	unsigned ncpu = ulib_cpus();

	if (ulib_thread_pin(0, 0))
		return 1;
	if (only && !strcmp(only, "unmap")) {
		struct ulib_msg done = { .info = t_info(0) };
		calib = ulib_strtou(ulib_arg(argc, argv, "calib"));
		done.w[0] = (uint64_t)unmap_child((unsigned)ulib_strtou(ulib_arg(argc, argv, "n")));
		ipc_send(ulib_start->handles[0], &done);   /* the parent waits in recv, not spinning */
		struct ulib_msg in;
		ipc_recv(t_endpoint(), &in);             /* parked until the parent kills this task */
		return 0;
	}
	if (only && !strcmp(only, "fault"))
		return fault_child((unsigned)ulib_strtou(ulib_arg(argc, argv, "cpu")));
	calib = calibrate();
	printf("bench_smp: %u CPUs; calibration %llu counter ticks for %lu instructions\n", ncpu,
	       (unsigned long long)calib, 2 * CALIB_ITERS);
	if (ncpu < 2 || !calib)
		return 2;

	uint64_t child, ep = server_on(1, &child);
	if (!ep)
		return 3;
	call_n(ep, 50);
	uint64_t t0 = now();
	call_n(ep, ROUNDS);
	printf("bench: ipc_cross_cpu: %llu instructions (call + reply between CPU 0 and a server "
	       "task on CPU 1, both CPUs' work; %u round trips)\n",
	       (unsigned long long)per_op(now() - t0, ROUNDS), ROUNDS);
	mm_kill(child);
	mneme_handle_close(ep);

	struct pair *set = pairs;
	for (unsigned n = 1; n <= ncpu && n <= MAX_PAIRS; n *= 2, set += n / 2)
		printf("bench: ipc_pairs_%u: %llu instructions per round trip per pair (%u pairs at once, "
		       "pair i on CPU i, %u round trips each)\n", n, (unsigned long long)pairs_run(n, set),
		       n, ROUNDS);
	for (unsigned n = 1; n <= ncpu && n <= MAX_PAIRS; n *= 2)
		printf("bench: fault_tasks_%u: %llu instructions per demand-zero fault (%u tasks at once, "
		       "task i on CPU i, %u faults each; the memory server's work included)\n", n,
		       (unsigned long long)fault_run(n), n, FAULT_PAGES);
	/* each in a fresh task, whose threads run on n CPUs: the report's lines come from there */
	int err = 0;
	for (unsigned n = 1; n <= ncpu && n <= MAX_PAIRS; n *= 2) {
		char args[64];
		struct ulib_msg in;
		snprintf(args, sizeof(args), "only=unmap n=%u calib=%llu", n, (unsigned long long)calib);
		uint64_t rep = t_endpoint(), h = t_mint(rep, 0, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
		if (mm_spawn("bench_smp", args, 0, h, 0, &child) || ipc_recv(rep, &in) || in.w[0])
			err = 4;
		mneme_handle_close(h);
		mneme_handle_close(rep);
		mm_kill(child);
	}
	return err;
}

/*
 * Many CPUs at once: threads of one task on every CPU, IPC across CPUs,
 * TLB shootdown judged by what a reader on another CPU can still see,
 * concurrent map/touch/unmap/exit, and a task killed while its threads run
 * on every CPU.  Every verdict is an outcome (values seen, counts, exit
 * reasons), never a time; waits are bounded by iteration counts only so a
 * broken kernel fails instead of hanging.
 *
 * Arguments: rounds=N (shootdown rounds per variant, default 2000),
 * workers=N and iters=N (the stress), kills=N.
 */
#include <libmm/libmm.h>
#include <ulib/thread.h>
#include "common.h"
#include "smp_shared.h"

#define WAIT_LIMIT 200000000ULL      /* spins before a wait is declared hopeless */

static struct smp_shared shared __attribute__((aligned(4096)));
static unsigned ncpu;

/* ---- 1. every CPU runs a thread, and each reports where it runs ---------- */

static volatile uint64_t counters[SMP_MAX_CPUS];
static volatile uint64_t misplaced[SMP_MAX_CPUS];
static volatile uint32_t stop_spin;

static int spin_on(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	if (ulib_thread_pin(0, (int)cpu))
		return 1;
	while (!stop_spin) {
		if ((counters[cpu] & 1023) == 0 && ulib_cpu() != cpu)
			misplaced[cpu]++;
		counters[cpu]++;
	}
	return ulib_cpu() == cpu ? 0 : 2;
}

static void test_every_cpu(struct ktap *k)
{
	static struct ulib_thread t[SMP_MAX_CPUS];
	unsigned started = 0;

	for (unsigned i = 0; i < ncpu; i++)
		started += ulib_thread_create(&t[i], spin_on, (void *)(uintptr_t)i,
					      MNEME_PRIO_DEFAULT) == 0;
	KTAP_EXPECT_EQ(k, started, ncpu);
	/* everyone must make progress at once: wait until each counted 100000 */
	uint64_t spins = 0;
	for (unsigned i = 0; i < ncpu && spins < WAIT_LIMIT; i++)
		while (counters[i] < 100000 && ++spins < WAIT_LIMIT)
			mneme_yield();
	stop_spin = 1;
	for (unsigned i = 0; i < ncpu; i++) {
		int result = -1;
		KTAP_EXPECT_EQ(k, ulib_thread_join(&t[i], &result), 0);
		KTAP_EXPECT_EQ(k, result, 0);
		KTAP_EXPECT(k, counters[i] >= 100000);
		KTAP_EXPECT_EQ(k, misplaced[i], 0);
	}
	ktap_diag(k, "%u CPUs, a pinned thread on each made progress on its own CPU", ncpu);
}

/* ---- 2. IPC ping-pong between two CPUs ----------------------------------- */

#define PONG_BADGE 0x5eedULL
static uint64_t pong_ep;
static volatile uint64_t pong_bad;

static int pong(void *arg)
{
	struct ulib_msg in, out;
	unsigned cpu = (unsigned)(uintptr_t)arg;
	int64_t st;

	if (ulib_thread_pin(0, (int)cpu))
		return 1;
	st = ipc_recv(pong_ep, &in);
	for (;;) {
		if (st) {
			pong_bad++;
			return 2;
		}
		if (in.badge != PONG_BADGE || ulib_cpu() != cpu)
			pong_bad++;
		if (in.w[0] == ~0ULL)
			break;
		out = (struct ulib_msg){ .info = in.info + 1 };
		for (int i = 0; i < 4; i++)
			out.w[i] = in.w[i] ^ (0x1111111111111111ULL << i);
		st = ipc_reply_recv(pong_ep, &out, &in);
	}
	out = (struct ulib_msg){ .info = 0 };
	ipc_reply(&out);
	return 0;
}

static void test_ping_pong(struct ktap *k, uint64_t rounds)
{
	struct ulib_thread t;
	unsigned far = ncpu - 1;
	uint64_t bad = 0;

	pong_ep = t_endpoint();
	uint64_t send = t_mint(pong_ep, PONG_BADGE, MNEME_RIGHT_SEND);
	KTAP_EXPECT(k, pong_ep && send);
	KTAP_EXPECT_EQ(k, ulib_thread_pin(0, 0), 0);
	KTAP_EXPECT_EQ(k, ulib_thread_create(&t, pong, (void *)(uintptr_t)far, MNEME_PRIO_DEFAULT), 0);
	for (uint64_t r = 0; r < rounds; r++) {
		struct ulib_msg m = { .info = t_info(0x100 + (uint32_t)(r & 0xffff)) }, reply;
		for (int i = 0; i < 4; i++)
			m.w[i] = r * 4 + (uint64_t)i;
		if (ipc_call(send, &m, &reply)) {
			bad++;
			break;
		}
		bad += mneme_msginfo_label(reply.info) != mneme_msginfo_label(m.info) + 1;
		for (int i = 0; i < 4; i++)
			bad += reply.w[i] != (m.w[i] ^ (0x1111111111111111ULL << i));
		bad += ulib_cpu() != 0;
	}
	struct ulib_msg end = { .info = t_info(1), .w = { ~0ULL } }, reply;
	KTAP_EXPECT_EQ(k, ipc_call(send, &end, &reply), 0);
	int result = -1;
	KTAP_EXPECT_EQ(k, ulib_thread_join(&t, &result), 0);
	KTAP_EXPECT_EQ(k, result, 0);
	KTAP_EXPECT_EQ(k, bad, 0);
	KTAP_EXPECT_EQ(k, pong_bad, 0);
	mneme_handle_close(send);
	mneme_handle_close(pong_ep);
	ulib_thread_pin(0, -1);
	ktap_diag(k, "%llu round trips between CPU 0 and CPU %u, every word and badge checked",
		    (unsigned long long)rounds, far);
}

/*
 * Callers on every CPU, the server thread's own included, call one
 * server thread (pong) at once: each reply must be the answer to that
 * caller's own message.  A server's reply_recv that takes the fast path puts the
 * server on the receive queue while a caller on another CPU may already
 * be sending to it: the reply in flight must not be replaced by that
 * message (it was, on x86_64, before the fast path delivered the reply
 * first).
 */
#define MANY_ROUNDS 4000
static uint64_t many_send;
static volatile uint64_t many_bad;

static int many_caller(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;

	if (ulib_thread_pin(0, (int)(id % ncpu)))
		return 1;
	for (uint64_t r = 0; r < MANY_ROUNDS; r++) {
		struct ulib_msg m = { .info = t_info(0x200 + id) }, reply;
		for (int i = 0; i < 4; i++)
			m.w[i] = (uint64_t)id << 48 | r << 2 | (uint64_t)i;
		if (ipc_call(many_send, &m, &reply))
			return 2;
		if (mneme_msginfo_label(reply.info) != mneme_msginfo_label(m.info) + 1)
			many_bad++;
		for (int i = 0; i < 4; i++)
			if (reply.w[i] != (m.w[i] ^ (0x1111111111111111ULL << i)))
				many_bad++;
	}
	return 0;
}

static void test_many_callers(struct ktap *k)
{
	struct ulib_thread server, callers[SMP_MAX_CPUS];
	unsigned far = ncpu - 1, n = ncpu;

	pong_ep = t_endpoint();
	many_send = t_mint(pong_ep, PONG_BADGE, MNEME_RIGHT_SEND);
	many_bad = 0;
	pong_bad = 0;
	KTAP_EXPECT(k, pong_ep && many_send);
	KTAP_EXPECT_EQ(k, ulib_thread_create(&server, pong, (void *)(uintptr_t)far,
					     MNEME_PRIO_DEFAULT), 0);
	for (unsigned i = 0; i < n; i++)
		KTAP_EXPECT_EQ(k, ulib_thread_create(&callers[i], many_caller, (void *)(uintptr_t)i,
						     MNEME_PRIO_DEFAULT), 0);
	for (unsigned i = 0; i < n; i++) {
		int result = -1;
		KTAP_EXPECT_EQ(k, ulib_thread_join(&callers[i], &result), 0);
		KTAP_EXPECT_EQ(k, result, 0);
	}
	struct ulib_msg end = { .info = t_info(1), .w = { ~0ULL } }, reply;
	KTAP_EXPECT_EQ(k, ipc_call(many_send, &end, &reply), 0);
	int result = -1;
	KTAP_EXPECT_EQ(k, ulib_thread_join(&server, &result), 0);
	KTAP_EXPECT_EQ(k, result, 0);
	KTAP_EXPECT_EQ(k, many_bad, 0);
	KTAP_EXPECT_EQ(k, pong_bad, 0);
	mneme_handle_close(many_send);
	mneme_handle_close(pong_ep);
	ktap_diag(k, "%u callers on %u CPUs, %u calls each to one server thread on CPU %u, "
		  "every reply the caller's own", n, ncpu, MANY_ROUNDS, far);
}

/* ---- 3. shootdown: a child on another CPU, paged by a thread of ours ---- */

/*
 * The pager thread takes the child's faults and reports each; the main
 * thread decides the answer.  pager_state: 0 waiting for a fault, 1 a
 * fault is in, 2 answered (resume), 3 stop.
 */
static uint64_t pager_ep;
static volatile uint32_t pager_state;
static volatile uint64_t fault_addr, fault_access, faults;

static int pager(void *arg)
{
	struct ulib_msg in, out = { .info = t_info(MNEME_LABEL_RESUME) };

	(void)arg;
	if (ulib_thread_pin(0, 0))
		return 1;
	for (;;) {
		if (ipc_recv(pager_ep, &in))
			return 2;
		if (mneme_msginfo_label(in.info) != MNEME_LABEL_FAULT)
			return 3;
		fault_addr = in.w[0];
		fault_access = in.w[1];
		faults++;
		__atomic_store_n(&pager_state, 1, __ATOMIC_RELEASE);
		uint32_t s;
		while ((s = __atomic_load_n(&pager_state, __ATOMIC_ACQUIRE)) == 1)
			mneme_yield();
		if (s == 3)
			return 0;
		__atomic_store_n(&pager_state, 0, __ATOMIC_RELEASE);
		if (ipc_reply(&out))
			return 4;
	}
}

/* Wait for the child's next fault; false (and *why) if it ran on where it must not. */
static bool await_fault(uint64_t iter_limit, const char **why)
{
	for (uint64_t spins = 0; spins < WAIT_LIMIT; spins++) {
		if (__atomic_load_n(&pager_state, __ATOMIC_ACQUIRE) == 1)
			return true;
		if (shared.violations) {
			*why = "the child read the poison through a stale translation";
			return false;
		}
		if (iter_limit && shared.iter > iter_limit) {
			*why = "the child went on using the page after the shootdown";
			return false;
		}
		mneme_yield();
	}
	*why = "no fault came";
	return false;
}

static void answer_fault(void)
{
	__atomic_store_n(&pager_state, 2, __ATOMIC_RELEASE);
	while (__atomic_load_n(&pager_state, __ATOMIC_ACQUIRE) == 2)
		mneme_yield();
}

/* Wait until the child did @n more iterations (it runs with the page mapped). */
static bool await_progress(uint64_t n)
{
	uint64_t from = shared.iter;

	for (uint64_t spins = 0; spins < WAIT_LIMIT; spins++) {
		if (shared.iter >= from + n)
			return true;
		mneme_yield();
	}
	return false;
}

static uint64_t fill_word(unsigned byte)
{
	return 0x0101010101010101ULL * byte;
}

static bool start_child(struct ktap *k, const char *mode, struct ulib_thread *pt, uint64_t *child)
{
	char args[48];

	memset((void *)&shared, 0, sizeof(shared));
	shared.poison = fill_word(0xbb);
	pager_state = 0;
	pager_ep = t_endpoint();
	uint64_t handle = t_mint(pager_ep, 0xfa17, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	snprintf(args, sizeof(args), "mode=%s cpu=%u", mode, ncpu - 1);
	KTAP_EXPECT(k, pager_ep && handle);
	KTAP_EXPECT_EQ(k, ulib_thread_create(pt, pager, NULL, MNEME_PRIO_DEFAULT), 0);
	int64_t st = mm_spawn("p_smp", args, MNEME_MM_SPAWN_PAGER | MNEME_MM_SPAWN_SHARE, handle,
			      (uintptr_t)&shared, child);
	mneme_handle_close(handle);
	KTAP_EXPECT_EQ(k, st, 0);
	return st == 0;
}

static void stop_child(struct ktap *k, struct ulib_thread *pt, uint64_t child)
{
	shared.stop = 1;
	KTAP_EXPECT_EQ(k, mm_kill(child), 0);
	int64_t status;
	uint64_t reason;
	KTAP_EXPECT_EQ(k, t_join(child, &status, &reason), 0);
	pager_state = 3;
	mneme_handle_close(pager_ep);      /* the pager thread's recv ends with EDEAD */
	ulib_thread_join(pt, NULL);
}

/*
 * Unmap: the child reads its page in a loop on the last CPU.  Each round
 * we unmap it (the server frees the frame), take frames at once and fill
 * them with the poison (the freed frame is usually among them: the
 * allocator hands out the last freed first), and wait for the child's
 * fault.  It may finish the one read in flight; it must never read the
 * poison and never get two iterations past the moment the unmap returned.
 */
static void test_shootdown_unmap(struct ktap *k, uint64_t rounds)
{
	struct ulib_thread pt;
	uint64_t child, done = 0;
	const char *why = NULL;

	if (!start_child(k, "reader", &pt, &child))
		return;
	for (uint64_t r = 0; r < rounds; r++) {
		if (!await_fault(0, &why))
			break;
		if (fault_addr != ULIB_NOWHERE_VA || !(fault_access & MNEME_PROT_READ)) {
			why = "unexpected fault";
			break;
		}
		unsigned fill = 0x10 + (unsigned)(r % 0x80);
		if (mm_map(child, ULIB_NOWHERE_VA, MNEME_PROT_READ, fill)) {
			why = "MAP_CHILD failed";
			break;
		}
		answer_fault();
		if (!await_progress(64)) {
			why = "the child does not run";
			break;
		}
		if (mm_protect_child(child, ULIB_NOWHERE_VA, 0)) {
			why = "PROTECT_CHILD 0 failed";
			break;
		}
		uint64_t iter = shared.iter;
		void *va[4];
		uint64_t pa;
		unsigned got = 0;
		for (unsigned i = 0; i < 4; i++)
			if (!mm_alloc_pages(0, MNEME_PROT_READ | MNEME_PROT_WRITE, &va[got], &pa)) {
				memset(va[got], 0xbb, 4096);
				got++;
			}
		bool ok = await_fault(iter + 2, &why);
		for (unsigned i = 0; i < got; i++)
			mm_free_pages(va[i], 0);
		if (!ok)
			break;
		done++;
	}
	KTAP_EXPECT_EQ(k, done, rounds);
	if (why)
		ktap_diag(k, "round %llu: %s", (unsigned long long)done, why);
	KTAP_EXPECT_EQ(k, shared.violations, 0);
	KTAP_EXPECT_EQ(k, shared.cpu, ncpu - 1);
	stop_child(k, &pt, child);
	ktap_diag(k, "%llu unmaps while a reader on CPU %u used the page; it never saw a reused frame",
		    (unsigned long long)done, ncpu - 1);
}

/*
 * Write-protect: the child increments the word on its page in a loop and
 * logs each value it wrote.  Each round we take write access away and
 * wait for its write fault: it may finish the one write in flight, no
 * more.
 */
static void test_shootdown_protect(struct ktap *k, uint64_t rounds)
{
	struct ulib_thread pt;
	uint64_t child, done = 0;
	const char *why = NULL;
	bool mapped = false;

	if (!start_child(k, "writer", &pt, &child))
		return;
	for (uint64_t r = 0; r < rounds; r++) {
		if (!await_fault(0, &why))
			break;
		if (fault_addr != ULIB_NOWHERE_VA) {
			why = "unexpected fault";
			break;
		}
		int64_t st = mapped ? mm_protect_child(child, ULIB_NOWHERE_VA,
						       MNEME_PROT_READ | MNEME_PROT_WRITE)
				    : mm_map(child, ULIB_NOWHERE_VA, MNEME_PROT_READ | MNEME_PROT_WRITE, 0);
		if (st) {
			why = "giving write access back failed";
			break;
		}
		mapped = true;
		answer_fault();
		if (!await_progress(64)) {
			why = "the child does not run";
			break;
		}
		if (mm_protect_child(child, ULIB_NOWHERE_VA, MNEME_PROT_READ)) {
			why = "PROTECT_CHILD READ failed";
			break;
		}
		uint64_t iter = shared.iter;
		if (!await_fault(iter + 2, &why))
			break;
		if (!(fault_access & MNEME_PROT_WRITE)) {
			why = "the fault was not a write";
			break;
		}
		done++;
	}
	KTAP_EXPECT_EQ(k, done, rounds);
	if (why)
		ktap_diag(k, "round %llu: %s", (unsigned long long)done, why);
	stop_child(k, &pt, child);
	ktap_diag(k, "%llu write-protects while a writer on CPU %u wrote; its next write always faulted",
		    (unsigned long long)done, ncpu - 1);
}

/* ---- 4. stress: map, touch, check, unmap, exit on every CPU at once ---- */

static volatile uint64_t stress_bad, stress_pages;
static uint64_t stress_iters;

static int stress_worker(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;

	for (uint64_t it = 0; it < stress_iters; it++) {
		void *va;
		unsigned pages = 1 + (unsigned)((id * 7 + it) % 16);
		if (mm_map_anon(NULL, (size_t)pages * 4096, MNEME_PROT_READ | MNEME_PROT_WRITE, &va)) {
			__atomic_fetch_add(&stress_bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		volatile uint64_t *w = va;
		for (unsigned p = 0; p < pages; p++)           /* fault every page in */
			for (unsigned i = 0; i < 512; i += 64)
				w[p * 512 + i] = id << 40 | it << 16 | p << 8 | i;
		for (unsigned p = 0; p < pages; p++)           /* no frame is anyone else's */
			for (unsigned i = 0; i < 512; i += 64)
				if (w[p * 512 + i] != (id << 40 | it << 16 | p << 8 | i) ||
				    w[p * 512 + i + 1] != 0)
					__atomic_fetch_add(&stress_bad, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&stress_pages, pages, __ATOMIC_RELAXED);
		if (mm_unmap(va, (size_t)pages * 4096))
			__atomic_fetch_add(&stress_bad, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static void test_stress(struct ktap *k, unsigned workers, uint64_t iters)
{
	enum { LIVE = 8 };
	static struct ulib_thread t[LIVE];
	bool live[LIVE] = { false };
	unsigned next = 0, finished = 0, children = 0, child_bad = 0;

	stress_iters = iters;
	while (finished < workers) {
		for (unsigned s = 0; s < LIVE && next < workers; s++) {
			if (live[s])
				continue;
			if (ulib_thread_create(&t[s], stress_worker, (void *)(uintptr_t)next,
					       MNEME_PRIO_DEFAULT))
				break;
			live[s] = true;
			next++;
		}
		/* a child comes and goes meanwhile: tasks are made and reclaimed concurrently */
		uint64_t child;
		if (!mm_spawn("p_smp", "mode=exit", 0, 0, 0, &child)) {
			children++;
			child_bad += t_wait(child, NULL) != 7;
		}
		for (unsigned s = 0; s < LIVE; s++) {
			if (live[s] && t[s].done) {
				ulib_thread_join(&t[s], NULL);
				live[s] = false;
				finished++;
			}
		}
	}
	KTAP_EXPECT_EQ(k, stress_bad, 0);
	KTAP_EXPECT_EQ(k, child_bad, 0);
	ktap_diag(k, "%u threads (up to %u at once) mapped, touched, checked and unmapped %llu pages; "
		    "%u children came and went", workers, (unsigned)LIVE,
		    (unsigned long long)stress_pages, children);
}

/* ---- 5. a task killed while its threads run on every CPU ---------------- */

static void test_kill_everywhere(struct ktap *k, unsigned kills)
{
	unsigned ok = 0;

	for (unsigned n = 0; n < kills; n++) {
		uint64_t child;
		memset((void *)&shared, 0, sizeof(shared));
		if (mm_spawn("p_smp", "mode=spin", MNEME_MM_SPAWN_SHARE, 0, (uintptr_t)&shared, &child))
			break;
		/* until a thread of the child runs on every CPU */
		bool all = false;
		for (uint64_t spins = 0; spins < WAIT_LIMIT && !all; spins++) {
			all = true;
			for (unsigned i = 0; i < ncpu; i++)
				all &= shared.count[i] > 1000;
			if (!all)
				mneme_yield();
		}
		int64_t status;
		uint64_t reason = 0;
		bool placed = true;
		for (unsigned i = 0; i < ncpu; i++)
			placed &= shared.cpu_seen[i] == 1ULL << i;
		if (mm_kill(child) || t_join(child, &status, &reason))
			break;
		ok += all && placed && reason == MNEME_EXIT_DESTROYED;
	}
	KTAP_EXPECT_EQ(k, ok, kills);
	ktap_diag(k, "%u tasks killed with a thread running on each of %u CPUs", ok, ncpu);
}

int main(int argc, char **argv)
{
	struct ktap k;
	const char *a;
	uint64_t rounds = (a = ulib_arg(argc, argv, "rounds")) ? ulib_strtou(a) : 2000;
	unsigned workers = (a = ulib_arg(argc, argv, "workers")) ? (unsigned)ulib_strtou(a) : 32;
	uint64_t iters = (a = ulib_arg(argc, argv, "iters")) ? ulib_strtou(a) : 64;
	unsigned kills = (a = ulib_arg(argc, argv, "kills")) ? (unsigned)ulib_strtou(a) : 20;

	ncpu = ulib_cpus();
	if (ncpu > SMP_MAX_CPUS)
		ncpu = SMP_MAX_CPUS;
	ktap_begin(&k, "smp", 7);
	test_every_cpu(&k);
	ktap_result(&k, "every_cpu_runs_a_pinned_thread");
	test_ping_pong(&k, 20000);
	ktap_result(&k, "ipc_ping_pong_across_cpus");
	test_many_callers(&k);
	ktap_result(&k, "ipc_many_callers_one_server");
	test_shootdown_unmap(&k, rounds);
	ktap_result(&k, "shootdown_unmap");
	test_shootdown_protect(&k, rounds);
	ktap_result(&k, "shootdown_write_protect");
	test_stress(&k, workers, iters);
	ktap_result(&k, "stress_map_touch_unmap_exit");
	test_kill_everywhere(&k, kills);
	ktap_result(&k, "kill_while_running_everywhere");
	return ktap_end(&k);
}

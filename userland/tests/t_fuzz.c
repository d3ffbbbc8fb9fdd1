/*
 * Syscall fuzzer: many random syscalls with random arguments (seeded, so a
 * failure can be replayed with seed= and count=).  The core must stay up
 * and answer every call with 0 or one of its error codes; memory-server
 * calls must be refused; unknown numbers must get -MNEME_ENOSYS.
 *
 * Three phases.  First children (p_fuzz) make calls with no taming, only
 * shutdown left out: a child that exits or blocks forever is replaced by
 * the next (blocked ones are killed once they make no progress), until
 * the count is reached.  Then pairs of children fuzz one endpoint of ours
 * together (both hold it, or one is the other's pager and faults now and
 * then), so they call, receive, reply, transfer handles and die while
 * blocked on each other in every IPC state (count/8 calls, or pairs=).  Then the test itself makes as many calls again,
 * leaving out only thread_exit (it would end the fuzzer) and IPC on
 * handles it holds (a receive there would wait forever); threads it
 * spawns in itself start where they end at once.
 */
#include "common.h"

#define DEFAULT_COUNT 100000
#define DEFAULT_SEED  0x6d6e656d65ULL

static uint64_t live;   /* bit n: handle slot n names something we hold */
static uint64_t rng;

static const uint64_t any_calls[] = {
	MNEME_SYS_debug_write, MNEME_SYS_call, MNEME_SYS_reply_recv, MNEME_SYS_send,
	MNEME_SYS_recv, MNEME_SYS_reply, MNEME_SYS_yield, MNEME_SYS_ipc_buffer_set,
	MNEME_SYS_endpoint_create, MNEME_SYS_handle_close, MNEME_SYS_handle_mint,
	MNEME_SYS_clock_read, MNEME_SYS_thread_spawn, MNEME_SYS_thread_set_affinity,
	MNEME_SYS_cpu_current,
};

/* Where a thread the fuzzer spawns in itself runs: it ends at once (the stack is shared: it only pushes). */
static uint64_t spawn_stack[64] __attribute__((aligned(16)));

static void spawned_thread(void)
{
	mneme_thread_exit(0);
}

static uint64_t random_number(void)
{
	uint64_t r = ulib_rand(&rng);

	switch (r % 8) {
	case 0: return (r >> 8) % 70;
	case 1: return (r >> 8) % MNEME_SYS_NR_MAX;
	default: return any_calls[(r >> 8) % (sizeof(any_calls) / sizeof(any_calls[0]))];
	}
}

static uint64_t random_arg(void)
{
	uint64_t r = ulib_rand(&rng), v = ulib_rand(&rng);

	switch (r % 10) {
	case 0: return 0;
	case 1: return v % 80;                              /* handle-like */
	case 2: return (uint64_t)-1 - v % 4;
	case 3: return ARCH_USER_CORE_VA + (v & 0xffff000);  /* core addresses */
	case 4: return MNEME_LAYOUT_IMAGE_BASE + (v & 0xfffff);
	case 5: return v & ~0xfffULL;                        /* page-aligned anywhere */
	case 6: return mneme_msginfo((uint32_t)v, (unsigned)(v >> 32) % 130, (unsigned)(v >> 40));
	case 7: return 1ULL << (v % 64);
	default: return v;
	}
}

/* Keep the call from blocking forever or ending us; returns false to skip it. */
static bool tame(uint64_t nr, uint64_t a[7])
{
	switch (nr) {
	case MNEME_SYS_thread_exit:
		return false;
	case MNEME_SYS_thread_spawn:   /* a thread of ours at a random address would end us */
		a[0] = (uint64_t)(uintptr_t)spawned_thread;
		a[1] = (uint64_t)(uintptr_t)&spawn_stack[64];
		return true;
	case MNEME_SYS_call:
	case MNEME_SYS_reply_recv:
	case MNEME_SYS_send:
	case MNEME_SYS_recv:
		if (a[0] < 64 && (live >> a[0] & 1))
			a[0] = 64 + a[0];
		return true;
	case MNEME_SYS_handle_close:   /* keep the handle to the memory server for phase two */
		if (a[0] == ulib_start->server_ep)
			a[0] += 64;
		return true;
	case MNEME_SYS_debug_write:
		if (a[0] >= MNEME_LAYOUT_IMAGE_BASE && a[0] < MNEME_LAYOUT_END)
			a[1] = 0;   /* no console garbage from our own memory */
		return true;
	}
	return true;
}

/* Track handles we gain and lose. */
static void account(uint64_t nr, const uint64_t a[7], const struct mneme_sysret *r)
{
	if (r->r[0])
		return;
	if ((nr == MNEME_SYS_endpoint_create || nr == MNEME_SYS_handle_mint) && r->r[1] < 64)
		live |= 1ULL << r->r[1];
	if (nr == MNEME_SYS_handle_close && a[0] < 64)
		live &= ~(1ULL << a[0]);
}

static volatile uint64_t shared[512] __attribute__((aligned(4096)));
static uint64_t reasons[8];   /* children's exit reasons (MNEME_EXIT_*) */

/* Run one p_fuzz child to its end (or kill it once it stops making calls); returns its calls. */
static uint64_t fuzz_child(struct ktap *k, uint64_t seed, uint64_t count, uint64_t *bad, bool *killed)
{
	char args[64];
	uint64_t child = 0, state = 0, last = 0, idle = 0;

	*killed = false;
	for (int i = 0; i < 4; i++)
		shared[i] = 0;
	snprintf(args, sizeof(args), "seed=%llu count=%llu", (unsigned long long)seed,
		 (unsigned long long)count);
	if (mm_spawn("p_fuzz", args, MNEME_MM_SPAWN_SHARE, 0, (uintptr_t)shared, &child)) {
		ktap_fail(k, __FILE__, __LINE__, "cannot start p_fuzz");
		return count;
	}
	uint64_t status = 0, reason = 0;
	while (mm_status(child, &state, &status, &reason) == 0 && state == MNEME_MM_STATE_RUNNING) {
		idle = shared[0] == last ? idle + 1 : 0;
		last = shared[0];
		if (idle > 300) {
			mm_kill(child);
			*killed = true;
			idle = 0;
		}
		mneme_yield();
	}
	*bad += shared[1] + shared[2] + shared[3];
	if (reason < 8)
		reasons[reason]++;
	return shared[0];
}

static void fuzz_children(struct ktap *k, uint64_t count, uint64_t seed)
{
	uint64_t made = 0, bad = 0, children = 0, killed = 0;

	while (made < count && children < 20000) {
		bool was_killed;
		made += fuzz_child(k, seed + children, count - made, &bad, &was_killed);
		children++;
		killed += was_killed;
	}
	ktap_diag(k, "%llu calls by %llu children (%llu killed when they stopped); exits: %llu normal, "
		  "%llu fault, %llu killed by pager, %llu destroyed", (unsigned long long)made,
		  (unsigned long long)children, (unsigned long long)killed,
		  (unsigned long long)reasons[MNEME_EXIT_NORMAL], (unsigned long long)reasons[MNEME_EXIT_FAULT],
		  (unsigned long long)reasons[MNEME_EXIT_KILLED], (unsigned long long)reasons[MNEME_EXIT_DESTROYED]);
	KTAP_EXPECT(k, made >= count);
	KTAP_EXPECT_EQ(k, bad, 0);
	KTAP_EXPECT_EQ(k, mm_ping(), 0);
}

/* Per-child shared pages of the pair phase (each child counts in its own). */
static volatile uint64_t shared_pair[2][512] __attribute__((aligned(4096)));

struct pair_child {
	uint64_t id, last, idle;
	bool running;
};

/* Spawn p_fuzz child @i of a pair with @handle (its handles[0], or its pager with @flags PAGER). */
static bool pair_spawn(struct ktap *k, struct pair_child *c, unsigned i, uint64_t seed,
		       uint64_t count, unsigned flags, uint64_t handle, bool touch)
{
	char args[80];

	for (int w = 0; w < 4; w++)
		shared_pair[i][w] = 0;
	snprintf(args, sizeof(args), "seed=%llu count=%llu touch=%u", (unsigned long long)seed,
		 (unsigned long long)count, touch ? 1u : 0u);
	*c = (struct pair_child){ .running = true };
	if (mm_spawn("p_fuzz", args, flags | MNEME_MM_SPAWN_SHARE, handle,
		     (uintptr_t)shared_pair[i], &c->id)) {
		ktap_fail(k, __FILE__, __LINE__, "cannot start p_fuzz");
		c->running = false;
		return false;
	}
	return true;
}

/*
 * One pair on endpoint @ep: even pairs both hold @ep; odd pairs have the
 * first child paged by @pager (a SEND handle to @ep) and the second hold
 * @ep, so the faults of one arrive at the other.  Returns the calls made.
 */
static uint64_t fuzz_pair(struct ktap *k, unsigned n, uint64_t ep, uint64_t pager, uint64_t seed,
			  uint64_t count, uint64_t *bad)
{
	struct pair_child c[2];
	bool paged = n % 2;

	pair_spawn(k, &c[0], 0, seed, count, paged ? MNEME_MM_SPAWN_PAGER : 0, paged ? pager : ep,
		   paged);
	pair_spawn(k, &c[1], 1, seed ^ 0x5a5a, count, 0, ep, false);
	while (c[0].running || c[1].running) {
		for (unsigned i = 0; i < 2; i++) {
			uint64_t state = 0, status = 0, reason = 0;
			if (!c[i].running)
				continue;
			if (mm_status(c[i].id, &state, &status, &reason) || state != MNEME_MM_STATE_RUNNING) {
				c[i].running = false;
				if (reason < 8)
					reasons[reason]++;
				continue;
			}
			c[i].idle = shared_pair[i][0] == c[i].last ? c[i].idle + 1 : 0;
			c[i].last = shared_pair[i][0];
			if (c[i].idle > 300) {
				mm_kill(c[i].id);
				c[i].idle = 0;
			}
		}
		mneme_yield();
	}
	for (unsigned i = 0; i < 2; i++)
		*bad += shared_pair[i][1] + shared_pair[i][2] + shared_pair[i][3];
	return shared_pair[0][0] + shared_pair[1][0];
}

static void fuzz_pairs(struct ktap *k, uint64_t count, uint64_t seed)
{
	uint64_t ep = t_endpoint();
	uint64_t pager = ep ? t_mint(ep, 0xfa17, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT) : 0;
	uint64_t made = 0, bad = 0, pairs = 0;

	KTAP_EXPECT(k, ep && pager);
	for (unsigned i = 0; i < 8; i++)
		reasons[i] = 0;
	while (ep && pager && made < count && pairs < 5000) {
		made += fuzz_pair(k, (unsigned)pairs, ep, pager, seed + 7919 * pairs, (count - made) / 2 + 1,
				  &bad);
		pairs++;
	}
	ktap_diag(k, "%llu calls by %llu pairs on one endpoint; exits: %llu normal, %llu fault, "
		  "%llu killed by pager, %llu destroyed", (unsigned long long)made,
		  (unsigned long long)pairs, (unsigned long long)reasons[MNEME_EXIT_NORMAL],
		  (unsigned long long)reasons[MNEME_EXIT_FAULT], (unsigned long long)reasons[MNEME_EXIT_KILLED],
		  (unsigned long long)reasons[MNEME_EXIT_DESTROYED]);
	KTAP_EXPECT(k, made >= count);
	KTAP_EXPECT_EQ(k, bad, 0);
	KTAP_EXPECT_EQ(k, mm_ping(), 0);
	/* the endpoint they fought over still works: nothing is queued on it any more */
	KTAP_EXPECT_EQ(k, mneme_handle_close(pager), 0);
	KTAP_EXPECT_EQ(k, mneme_handle_close(ep), 0);
}

int main(int argc, char **argv)
{
	struct ktap k;
	const char *c = ulib_arg(argc, argv, "count"), *s = ulib_arg(argc, argv, "seed");
	uint64_t count = c ? ulib_strtou(c) : DEFAULT_COUNT, made = 0, ok = 0;
	const char *pc = ulib_arg(argc, argv, "pairs");
	uint64_t pairs_count = pc ? ulib_strtou(pc) : count / 8;
	unsigned bad_status = 0, bad_perm = 0, bad_nosys = 0, bad_ipc = 0;
	struct mneme_sysret r;

	rng = s ? ulib_strtou(s) : DEFAULT_SEED;
	live = 1ULL << ulib_start->server_ep;
	ktap_begin(&k, "fuzz", 4);
	ktap_diag(&k, "seed 0x%llx, %llu calls", (unsigned long long)rng, (unsigned long long)count);
	/* Children first: the in-process phase leaves its endpoints allocated until it exits. */
	fuzz_children(&k, count, rng);
	ktap_result(&k, "untamed_children");
	fuzz_pairs(&k, pairs_count, rng ^ 0x9e3779b97f4a7c15ULL);
	ktap_result(&k, "pairs_on_one_endpoint");
	while (made < count) {
		uint64_t nr = random_number(), a[7];
		for (int i = 0; i < 7; i++)
			a[i] = random_arg();
		if (!tame(nr, a))
			continue;
		int64_t st = mneme_syscall_raw(nr, a, &r);
		made++;
		ok += st == 0;
		bad_status += st > 0 || st <= -MNEME_ERROR_MAX;
		bad_perm += t_sys_server_only(nr) && st != -MNEME_EPERM;
		bad_nosys += !t_sys_known(nr) && st != -MNEME_ENOSYS;
		bad_ipc += (nr == MNEME_SYS_recv || nr == MNEME_SYS_call) && st == 0;
		account(nr, a, &r);
	}
	mneme_ipc_buffer_set((uintptr_t)ulib_ipc_buffer);
	ktap_diag(&k, "%llu calls made, %llu succeeded", (unsigned long long)made, (unsigned long long)ok);
	KTAP_EXPECT_EQ(&k, bad_status, 0);
	KTAP_EXPECT_EQ(&k, bad_perm, 0);
	KTAP_EXPECT_EQ(&k, bad_nosys, 0);
	KTAP_EXPECT_EQ(&k, bad_ipc, 0);
	KTAP_EXPECT(&k, made >= count);
	ktap_result(&k, "random_syscalls");
	/* Still alive and still served: */
	KTAP_EXPECT_EQ(&k, mneme_yield(), 0);
	KTAP_EXPECT_EQ(&k, mneme_clock_read(), 0);
	ktap_result(&k, "core_still_answers");
	return ktap_end(&k);
}

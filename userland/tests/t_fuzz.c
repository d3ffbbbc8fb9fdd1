/*
 * Syscall fuzzer: many random syscalls with random arguments (seeded, so a
 * failure can be replayed with seed= and count=).  The core must stay up
 * and answer every call with 0 or one of its error codes; memory-server
 * calls must be refused; unknown numbers must get -MNEME_ENOSYS.
 *
 * Two phases.  First children (p_fuzz) make calls with no taming, only
 * shutdown left out: a child that exits or blocks forever is replaced by
 * the next (blocked ones are killed once they make no progress), until
 * the count is reached.  Then the test itself makes as many calls again,
 * leaving out only thread_exit (it would end the fuzzer) and IPC on
 * handles it holds (a receive there would wait forever).
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
	MNEME_SYS_clock_read,
};

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

int main(int argc, char **argv)
{
	struct ktap k;
	const char *c = ulib_arg(argc, argv, "count"), *s = ulib_arg(argc, argv, "seed");
	uint64_t count = c ? ulib_strtou(c) : DEFAULT_COUNT, made = 0, ok = 0;
	unsigned bad_status = 0, bad_perm = 0, bad_nosys = 0, bad_ipc = 0;
	struct mneme_sysret r;

	rng = s ? ulib_strtou(s) : DEFAULT_SEED;
	live = 1ULL << ulib_start->server_ep;
	ktap_begin(&k, "fuzz", 3);
	ktap_diag(&k, "seed 0x%llx, %llu calls", (unsigned long long)rng, (unsigned long long)count);
	/* Children first: the in-process phase leaves its endpoints allocated until it exits. */
	fuzz_children(&k, count, rng);
	ktap_result(&k, "untamed_children");
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

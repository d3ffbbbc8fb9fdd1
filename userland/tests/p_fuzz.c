/*
 * Helper of t_fuzz: random syscalls with random arguments and no taming at
 * all except shutdown: it may exit itself, block forever in a receive, or
 * close its own handles; the test watches its progress through the shared
 * page and kills it once it stops.  shared[0] = calls made, shared[1] =
 * results that are not 0 or an error code, shared[2] = server-only calls
 * not refused, shared[3] = unknown numbers not refused.  With touch=1 it
 * also reads unmapped memory now and then (its faults go to its pager,
 * which t_fuzz's pair phase makes another fuzzing child).  A handle from
 * the parent (handles[0]) is the first argument of half the calls.
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *c = ulib_arg(argc, argv, "count"), *s = ulib_arg(argc, argv, "seed");
	const char *t = ulib_arg(argc, argv, "touch");
	bool touch = t && ulib_strtou(t);
	uint64_t peer = ulib_start->handles[0];
	volatile uint64_t *shared = (volatile uint64_t *)(uintptr_t)ULIB_SHARED_VA;
	uint64_t count = c ? ulib_strtou(c) : 1000, rng = s ? ulib_strtou(s) : 1;
	struct mneme_sysret r;

	for (uint64_t i = 0; i < count; i++) {
		uint64_t v = ulib_rand(&rng), a[7];
		uint64_t nr = v % 4 == 0 ? (v >> 8) % 70 : (v >> 8) % 13;   /* mostly the calls anyone may make */
		if (nr == MNEME_SYS_thread_exit && (v >> 40) % 16)
			nr = MNEME_SYS_endpoint_create;   /* live longer, hold endpoints: more ways to block */
		for (int j = 0; j < 7; j++) {
			uint64_t x = ulib_rand(&rng);
			a[j] = x % 3 == 0 ? (x >> 8) % 8 : x % 3 == 1 ? x >> (x % 64) : x;   /* 1/3 handle-like */
		}
		if (peer && (v >> 44) % 2)
			a[0] = peer;   /* the endpoint shared with another fuzzing child */
		if (nr == MNEME_SYS_shutdown)
			continue;
		if (nr == MNEME_SYS_debug_write && a[0] >= MNEME_LAYOUT_IMAGE_BASE && a[0] < MNEME_LAYOUT_END)
			a[1] = 0;   /* no console garbage from our own memory */
		shared[0]++;   /* counted before: a call that never returns was made too */
		if (touch && (v >> 48) % 32 == 0)
			(void)*(volatile uint64_t *)(uintptr_t)(ULIB_NOWHERE_VA + ((v >> 20) % 64) * 4096);
		int64_t st = mneme_syscall_raw(nr, a, &r);
		shared[1] += st > 0 || st <= -MNEME_ERROR_MAX;
		shared[2] += t_sys_server_only(nr) && st != -MNEME_EPERM;
		shared[3] += !t_sys_known(nr) && st != -MNEME_ENOSYS;
	}
	return 0;
}

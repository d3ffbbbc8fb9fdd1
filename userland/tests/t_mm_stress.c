/*
 * The memory service under pressure: a child that allocates until it is
 * refused (its own quota, then its tree's) gets a clean error while the
 * others keep working; several children allocate, touch, check and
 * free at once under preemption (contents checked: no frame is ever
 * handed out twice).  The server checks after the program that every
 * frame came back and its invariants hold.
 */
#include <libmm/libmm.h>
#include "common.h"

#define WORKERS 4

/* Spawn p_mm with @args and @quota (bytes); returns the child id or 0. */
static uint64_t start(struct ktap *k, const char *args, uint64_t quota)
{
	uint64_t child = 0;

	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_mm", args, 0, 0, 0, quota, &child), 0);
	return child;
}

static void join_ok(struct ktap *k, uint64_t child, const char *what)
{
	int64_t st = -1;
	uint64_t reason = ~0ULL;

	KTAP_EXPECT_EQ(k, t_join(child, &st, &reason), 0);
	if (reason != MNEME_EXIT_NORMAL || st != 0)
		ktap_fail(k, __FILE__, __LINE__, "%s: reason %llu status %lld", what,
			  (unsigned long long)reason, (long long)st);
}

int main(int argc, char **argv)
{
	struct ktap k;
	char args[48];
	uint64_t w[WORKERS];

	(void)argc, (void)argv;
	ktap_begin(&k, "mm_stress", 3);

	/* by quota: 24 MiB */
	join_ok(&k, start(&k, "mode=exhaust", 24 << 20), "exhaust by quota");
	ktap_result(&k, "exhaustion_by_quota_refused_cleanly");

	/*
	 * By the tree's pool: workers with quotas of their own (carved out of
	 * ours) keep working while a hog drawing on our pool takes all of it.
	 * A quota larger than ours is refused at once: a tree never holds more
	 * than its root was given.
	 */
	uint64_t none = 0;
	KTAP_EXPECT_EQ(&k, mm_spawn_quota("p_mm", "mode=exhaust", 0, 0, 0, 1ULL << 40, &none),
		       -MNEME_EQUOTA);
	for (unsigned i = 0; i < 2; i++) {
		snprintf(args, sizeof(args), "mode=worker seed=%u", 7 + i);
		w[i] = start(&k, args, 8 << 20);
	}
	uint64_t hog = start(&k, "mode=exhaust", 0);
	join_ok(&k, hog, "exhaust the tree's pool");
	for (unsigned i = 0; i < 2; i++)
		join_ok(&k, w[i], "worker beside the hog");
	KTAP_EXPECT_EQ(&k, mm_ping(), 0);
	ktap_result(&k, "exhaustion_of_the_tree_others_keep_working");

	for (unsigned i = 0; i < WORKERS; i++) {
		snprintf(args, sizeof(args), "mode=worker seed=%u", 100 + i);
		w[i] = start(&k, args, 0);
	}
	for (unsigned i = 0; i < WORKERS; i++)
		join_ok(&k, w[i], "concurrent worker");
	ktap_result(&k, "concurrent_tasks_contents_checked");
	return ktap_end(&k);
}

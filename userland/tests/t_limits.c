/*
 * Isolation of resources (issue 12): what one task does cannot take memory,
 * core objects or time from tasks it does not own, and a refused request
 * changes nothing.  Each case is one an attacker showed on the old tree:
 *   failed_map_child_changes_nothing  MAP_CHILD refused with EBUSY upgraded
 *                                     the page anyway; refused rights stayed
 *   child_quota_carved_from_parent    a child could be given any quota
 *   share_charged_on_accept           a child's SHAREs were charged to the
 *                                     receiving parent, 62 MiB of its 64
 *   core_objects_for_everyone         17 children with 16 endpoints each
 *                                     filled the core's endpoint table
 *   resumed_breakpoint_continues      a pager's RESUME after a breakpoint
 *                                     ran ebreak again forever (riscv64)
 * Helpers: p_limits (the hostile children), p_mm (mode=hold).
 */
#include <libmm/libmm.h>
#include <ulib/thread.h>
#include "common.h"

#define PG  4096ULL
#define MiB (1ULL << 20)
#define RW  (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PAGER_BADGE 0x11a1ULL

/* What our pool is charged: our own memory, children drawing on it, quotas carved from it. */
static uint64_t charged(void)
{
	struct mneme_mm_usage u;

	return mm_usage(&u) ? ~0ULL : u.pool_charged;
}

static void failed_map_child(struct ktap *k)
{
	static const unsigned bad_rights[] = { MNEME_PROT_WRITE, MNEME_PROT_EXEC,
					       MNEME_PROT_WRITE | MNEME_PROT_EXEC,
					       RW | MNEME_PROT_EXEC };
	uint64_t ep = t_endpoint(), child = 0, reason = 0;
	uint64_t pager = t_mint(ep, PAGER_BADGE, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	unsigned writes = 0, reads = 0, other = 0, done = 0;
	int64_t status = -1;

	KTAP_EXPECT(k, ep && pager);
	KTAP_EXPECT_EQ(k, mm_spawn("p_limits", "mode=refused", MNEME_MM_SPAWN_PAGER, pager, 0, &child), 0);
	mneme_handle_close(pager);
	/*
	 * The child reads the page, then writes it (exactly one read and one write fault there),
	 * then reads two pages further (the end: a refused request that changed the page would
	 * let the write through, and this still comes).
	 */
	while (!done && !other) {
		struct ulib_msg in, out = { .info = t_info(MNEME_LABEL_RESUME) };
		KTAP_EXPECT_EQ(k, ipc_recv(ep, &in), 0);
		uint64_t va = in.w[0] & ~(PG - 1);
		if (mneme_msginfo_label(in.info) == MNEME_LABEL_FAULT && va == ULIB_NOWHERE_VA + 2 * PG) {
			done++;
			KTAP_EXPECT_EQ(k, mm_map(child, va, MNEME_PROT_READ, 0x44), 0);
		} else if (mneme_msginfo_label(in.info) != MNEME_LABEL_FAULT || va != ULIB_NOWHERE_VA) {
			other++;
			ktap_diag(k, "unexpected message %#llx at %#llx",
				  (unsigned long long)mneme_msginfo_label(in.info), (unsigned long long)va);
			break;
		} else if (in.w[1] & MNEME_PROT_WRITE) {
			writes++;                       /* the refused RW really was refused */
			KTAP_EXPECT_EQ(k, mm_protect_child(child, va, RW), 0);
		} else {
			reads++;
			KTAP_EXPECT_EQ(k, mm_map(child, va, MNEME_PROT_READ, 0x11), 0);
			KTAP_EXPECT_EQ(k, mm_map(child, va, RW, 0x22), -MNEME_EBUSY);
			for (unsigned i = 0; i < sizeof(bad_rights) / sizeof(bad_rights[0]); i++) {
				KTAP_EXPECT_EQ(k, mm_map(child, va + PG, bad_rights[i], 0x22), -MNEME_EINVAL);
				KTAP_EXPECT_EQ(k, mm_protect_child(child, va + PG, bad_rights[i]), -MNEME_EINVAL);
			}
		}
		KTAP_EXPECT_EQ(k, ipc_reply(&out), 0);
	}
	KTAP_EXPECT_EQ(k, reads, 1);
	KTAP_EXPECT_EQ(k, writes, 1);
	if (other)
		mm_kill(child);
	KTAP_EXPECT_EQ(k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(k, reason, MNEME_EXIT_NORMAL);
	KTAP_EXPECT_EQ(k, status, 0);                       /* its MAPS showed nothing changed */
	if (status)
		ktap_diag(k, "child saw %lld (1: contents, 2: page upgraded, 4: next page's rights, 8: write, 16: end)",
			  (long long)status);
	mneme_handle_close(ep);
	ktap_result(k, "failed_map_child_changes_nothing");
}

static void child_quotas(struct ktap *k)
{
	struct mneme_mm_usage u;
	uint64_t child = 0, reason = 0, before = charged();
	int64_t status = -1;

	KTAP_EXPECT_EQ(k, mm_usage(&u), 0);
	/* more than we have: refused, nothing taken */
	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_mm", "mode=hold", 0, 0, 0, 0xffffffffULL * PG, &child),
		       -MNEME_EQUOTA);
	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_mm", "mode=hold", 0, 0, 0, u.quota - u.pool_charged + PG, &child),
		       -MNEME_EQUOTA);
	KTAP_EXPECT_EQ(k, charged(), before);
	/* 8 MiB carved out of ours while the child lives, whatever it does with it */
	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_mm", "mode=hold mib=2", 0, 0, 0, 8 * MiB, &child), 0);
	KTAP_EXPECT_EQ(k, charged(), before + 8 * MiB);
	uint64_t second = 0;
	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_mm", "mode=hold", 0, 0, 0, u.quota - before - 8 * MiB + PG,
					 &second), -MNEME_EQUOTA);
	KTAP_EXPECT_EQ(k, mm_kill(child), 0);
	KTAP_EXPECT_EQ(k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(k, charged(), before);               /* given back when it ended */
	/* a child exhausting its own quota stops at it: ours is untouched */
	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_mm", "mode=exhaust", 0, 0, 0, 4 * MiB, &child), 0);
	KTAP_EXPECT_EQ(k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(k, reason, MNEME_EXIT_NORMAL);
	KTAP_EXPECT_EQ(k, status, 0);
	KTAP_EXPECT_EQ(k, charged(), before);
	ktap_result(k, "child_quota_carved_from_parent");
}

static void share_on_accept(struct ktap *k)
{
	char args[64];
	uint64_t ep = t_endpoint(), child = 0, reason = 0, before = charged();
	uint64_t send = t_mint(ep, 0x5ea, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	int64_t status = -1;
	struct ulib_msg in, out = { .info = t_info(0) };

	KTAP_EXPECT(k, ep && send);
	snprintf(args, sizeof(args), "mode=reshare parent=%llu", (unsigned long long)ulib_start->task_id);
	KTAP_EXPECT_EQ(k, mm_spawn_quota("p_limits", args, 0, send, 0, 8 * MiB, &child), 0);
	mneme_handle_close(send);
	KTAP_EXPECT_EQ(k, ipc_recv(ep, &in), 0);            /* 62 offers made; the last one's number */
	KTAP_EXPECT_EQ(k, charged(), before + 8 * MiB);     /* the carve, and nothing for the offers */
	void *va = NULL;
	size_t len = 0;
	unsigned prot = 0;
	KTAP_EXPECT_EQ(k, mm_share_accept(in.w[0], &va, &len, &prot), 0);
	KTAP_EXPECT_EQ(k, len, MiB);
	KTAP_EXPECT_EQ(k, prot, MNEME_PROT_READ);
	KTAP_EXPECT(k, charged() > before + 8 * MiB);        /* accepted: ours to pay for */
	KTAP_EXPECT_EQ(k, mm_share_accept(in.w[0], &va, &len, &prot), -MNEME_ENOENT);
	out.w[0] = va ? *(volatile uint64_t *)va : 0;
	KTAP_EXPECT_EQ(k, ipc_reply(&out), 0);
	KTAP_EXPECT_EQ(k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(k, reason, MNEME_EXIT_NORMAL);
	KTAP_EXPECT_EQ(k, status, 0);
	KTAP_EXPECT_EQ(k, *(volatile uint64_t *)va, 0x5ea5ea);   /* outlives the sharer */
	KTAP_EXPECT_EQ(k, mm_unmap(va, len), 0);
	KTAP_EXPECT_EQ(k, charged(), before);               /* the 61 offers never taken cost nothing */
	mneme_handle_close(ep);
	ktap_result(k, "share_charged_on_accept");
}

static int quick(void *arg)
{
	return (int)(uintptr_t)arg;
}

/*
 * Children that each take every endpoint and thread they may: each gets its
 * full share, and so do we afterwards (the core's tables hold every task's).
 */
static void core_objects(struct ktap *k)
{
	enum { HOGS = 20 };
	static uint64_t kids[HOGS];
	uint64_t ep = t_endpoint(), reason;
	uint64_t send = t_mint(ep, 0x406, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	unsigned n = 0, eps = 0, threads = 0;

	KTAP_EXPECT(k, ep && send);
	for (unsigned i = 0; i < HOGS; i++)
		n += !mm_spawn("p_limits", "mode=hog", 0, send, 0, &kids[i]);
	mneme_handle_close(send);
	KTAP_EXPECT_EQ(k, n, HOGS);
	for (unsigned i = 0; i < n; i++) {
		struct ulib_msg in;
		KTAP_EXPECT_EQ(k, ipc_recv(ep, &in), 0);
		eps += (unsigned)in.w[0];
		threads += (unsigned)in.w[1];
	}
	KTAP_EXPECT_EQ(k, eps, n * MNEME_MAX_ENDPOINTS_PER_TASK);
	KTAP_EXPECT_EQ(k, threads, n * MNEME_MAX_THREADS_PER_TASK);
	uint64_t mine = t_endpoint();
	KTAP_EXPECT(k, mine != 0);
	struct ulib_thread t;
	int result = 0;
	KTAP_EXPECT_EQ(k, ulib_thread_create(&t, quick, (void *)(uintptr_t)7, MNEME_PRIO_DEFAULT), 0);
	KTAP_EXPECT_EQ(k, ulib_thread_join(&t, &result), 0);
	KTAP_EXPECT_EQ(k, result, 7);
	for (unsigned i = 0; i < n; i++) {
		KTAP_EXPECT_EQ(k, mm_kill(kids[i]), 0);
		KTAP_EXPECT_EQ(k, t_join(kids[i], NULL, &reason), 0);
	}
	if (mine)
		mneme_handle_close(mine);
	mneme_handle_close(ep);
	ktap_result(k, "core_objects_for_everyone");
}

/* A child's breakpoint, resumed by us as its pager, is not taken again: it goes on past it. */
static void resumed_breakpoint(struct ktap *k)
{
	uint64_t ep = t_endpoint(), child = 0, reason = 0;
	uint64_t pager = t_mint(ep, PAGER_BADGE, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	unsigned breaks = 0, done = 0;
	int64_t status = -1;

	KTAP_EXPECT(k, ep && pager);
	KTAP_EXPECT_EQ(k, mm_spawn("p_limits", "mode=breakpoint", MNEME_MM_SPAWN_PAGER, pager, 0, &child), 0);
	mneme_handle_close(pager);
	while (!done && breaks < 4) {
		struct ulib_msg in, out = { .info = t_info(MNEME_LABEL_RESUME) };
		KTAP_EXPECT_EQ(k, ipc_recv(ep, &in), 0);
		if (mneme_msginfo_label(in.info) != MNEME_LABEL_FAULT)
			break;
		if (in.w[3] == MNEME_FAULT_BREAKPOINT) {
			breaks++;
		} else if (in.w[3] == MNEME_FAULT_PAGE && (in.w[0] & ~(PG - 1)) == ULIB_NOWHERE_VA) {
			done++;
			KTAP_EXPECT_EQ(k, mm_map(child, ULIB_NOWHERE_VA, MNEME_PROT_READ, 0x55), 0);
		} else {
			ktap_diag(k, "unexpected fault kind %llu at %#llx", (unsigned long long)in.w[3],
				  (unsigned long long)in.w[0]);
			break;
		}
		KTAP_EXPECT_EQ(k, ipc_reply(&out), 0);
	}
	KTAP_EXPECT_EQ(k, breaks, 1);
	KTAP_EXPECT_EQ(k, done, 1);
	if (!done)
		mm_kill(child);
	KTAP_EXPECT_EQ(k, t_join(child, &status, &reason), 0);
	KTAP_EXPECT_EQ(k, reason, done ? MNEME_EXIT_NORMAL : MNEME_EXIT_DESTROYED);
	KTAP_EXPECT_EQ(k, status, 0);
	mneme_handle_close(ep);
	ktap_result(k, "resumed_breakpoint_continues");
}

int main(int argc, char **argv)
{
	struct ktap k;

	(void)argc, (void)argv;
	ktap_begin(&k, "limits", 5);
	failed_map_child(&k);
	child_quotas(&k);
	share_on_accept(&k);
	core_objects(&k);
	resumed_breakpoint(&k);
	return ktap_end(&k);
}

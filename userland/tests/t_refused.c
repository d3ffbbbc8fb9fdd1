/*
 * A refused request changes nothing (issue 12, docs/ipc.md "Rules common
 * to every request"): every memory-server request and every core
 * syscall a task can make is sent here with arguments it must refuse,
 * and after each the caller and its child are compared with how they
 * were: the caller's MAPS text, its usage (charge, quota, resident
 * pages, regions, mapped bytes, page tables, metadata, shared and huge
 * pages, its pool's charge), every task's line of the server's task
 * table (the child's resident memory, charge and quota), and the
 * caller's handle table (each slot's type, probed with handle_mint).
 * The caller has something of everything first: touched and lazy anonymous
 * memory, a 2 MiB page, a read-only region, a file mapping, a memory
 * object, a pending SHARE grant, a child holding memory.
 */
#include "common.h"
#include <libmm/libmm.h>
#include <stdio.h>
#include <string.h>

#define PG  4096ULL
#define MiB (1ULL << 20)
#define RW  (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define RO  MNEME_PROT_READ
#define TEXT 6144

struct snap {
	char maps[TEXT];
	char tasks[TEXT];
	uint64_t usage[10];
	uint64_t handles[MNEME_HANDLES_PER_TASK];
};

static struct snap before, now;
static uint64_t child;

static void snap_take(struct snap *s)
{
	struct mneme_mm_usage u;

	memset(s, 0, sizeof(*s));
	if (mm_stats_read(MNEME_MM_STAT_MAPS, s->maps, sizeof(s->maps)) < 0)
		strcpy(s->maps, "(MAPS refused)");
	if (mm_stats_read(MNEME_MM_STAT_TASKS, s->tasks, sizeof(s->tasks)) < 0)
		strcpy(s->tasks, "(TASKS refused)");
	if (mm_usage(&u) == 0) {
		uint64_t v[10] = { u.charged, u.quota, u.resident, u.regions, u.mapped, u.pt_pages,
				   u.meta_bytes, u.shared, u.huge, u.pool_charged };
		memcpy(s->usage, v, sizeof(v));
	}
	/* a slot's type: minting a copy works only for a live handle (the copy goes at once) */
	for (uint64_t h = 1; h < MNEME_HANDLES_PER_TASK; h++) {
		struct mneme_sysret r;
		if (!mneme_handle_mint_r(&r, h, 0, MNEME_RIGHT_SEND)) {
			s->handles[h] = 1;
			mneme_handle_close(r.r[1]);
		}
	}
}

static unsigned checked, changed, accepted;
static bool warm = true;
static void *anon, *huge, *ro, *file;
static uint64_t obj, grant;

/* Request @what returned @st: it must be an error, and everything as it was. */
static void judge(struct ktap *k, const char *what, int64_t st)
{
	if (warm) {
		if (st >= 0)
			snap_take(&before);
		return;
	}
	checked++;
	if (st >= 0) {
		accepted++;
		ktap_diag(k, "%s: accepted (%lld), expected a refusal", what, (long long)st);
		/* until the child has populated what it holds: two snapshots alike, some yields apart */
	snap_take(&before);
	for (unsigned tries = 0; tries < 200; tries++) {
		for (unsigned i = 0; i < 20; i++)
			mneme_yield();
		snap_take(&now);
		if (!memcmp(&now, &before, sizeof(now)))
			break;
		before = now;
	}
		return;
	}
	snap_take(&now);
	const char *diff = strcmp(now.maps, before.maps) ? "MAPS" :
			   strcmp(now.tasks, before.tasks) ? "task table" :
			   memcmp(now.usage, before.usage, sizeof(now.usage)) ? "usage" :
			   memcmp(now.handles, before.handles, sizeof(now.handles)) ? "handles" : NULL;
	if (diff) {
		changed++;
		ktap_diag(k, "%s: refused with %lld but changed the caller's %s", what, (long long)st, diff);
		if (diff[0] == 't')
			printf("before:\n%s\nafter:\n%s\n", before.tasks, now.tasks);
		before = now;
	}
}

static int64_t raw(uint32_t label, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	uint64_t w[4] = { w0, w1, w2, w3 }, r[4];

	return mm_request_raw(label, w, 0, r);
}

/* Every refusal, judged unless this is the rehearsal. */
static void refusals(struct ktap *k)
{
	char *a = anon, *hg = huge;
	uint64_t nowhere = ULIB_NOWHERE_VA, dead = ulib_start->task_id + 0x1000, pa, h, x;
	struct mm_page_info info;
	void *va;

	/* ALLOC_PAGES / free */
	judge(k, "ALLOC_PAGES order too big", mm_alloc_pages(MNEME_MM_MAX_ORDER + 1, RW, &va, &pa));
	judge(k, "ALLOC_PAGES rights 0", mm_alloc_pages(0, 0, &va, &pa));
	judge(k, "ALLOC_PAGES unknown flag", mm_alloc_pages(0, RW | 0x80000000u, &va, &pa));
	judge(k, "free_pages not allocated", mm_free_pages((void *)(uintptr_t)nowhere, 0));
	/* MAP_ANON */
	judge(k, "MAP_ANON length 0", mm_map_anon(NULL, 0, RW, &va));
	judge(k, "MAP_ANON misaligned length", mm_map_anon(NULL, PG + 1, RW, &va));
	judge(k, "MAP_ANON misaligned hint", mm_map_anon((void *)(uintptr_t)(MNEME_MM_MAP_BASE + 1), PG, RW, &va));
	judge(k, "MAP_ANON W only", mm_map_anon(NULL, PG, MNEME_PROT_WRITE, &va));
	judge(k, "MAP_ANON unknown flag", mm_map_anon(NULL, PG, RW | 0x40000000u, &va));
	judge(k, "MAP_ANON FIXED over a mapping", mm_map_anon(a, PG, RW | MNEME_MM_FIXED, &va));
	judge(k, "MAP_ANON FIXED straddling a mapping", mm_map_anon(a - PG, 2 * PG, RW | MNEME_MM_FIXED, &va));
	judge(k, "MAP_ANON FIXED below the window", mm_map_anon((void *)(uintptr_t)(MNEME_MM_MAP_BASE - PG), PG,
								   RW | MNEME_MM_FIXED, &va));
	judge(k, "MAP_ANON FIXED across the window's end",
	      mm_map_anon((void *)(uintptr_t)(MNEME_MM_MAP_END - PG), 2 * PG, RW | MNEME_MM_FIXED, &va));
	judge(k, "MAP_ANON POPULATE past the quota", mm_map_anon(NULL, 1ULL << 30, RW | MNEME_MM_POPULATE, &va));
	judge(k, "MAP_ANON huge length", mm_map_anon(NULL, 1ULL << 46, RW, &va));
	judge(k, "MAP_ANON nodes none", mm_map_anon_nodes(NULL, PG, RW, 0, &va));
	judge(k, "MAP_ANON nodes unknown", mm_map_anon_nodes(NULL, PG, RW, 1ULL << 63, &va));
	/* MAP_CONTIG */
	judge(k, "MAP_CONTIG length 0", mm_map_contig(0, 0, 0, RW, &va, &pa));
	judge(k, "MAP_CONTIG alignment not a power of two", mm_map_contig(PG, 0, 3 * PG, RW, &va, &pa));
	judge(k, "MAP_CONTIG past the quota", mm_map_contig(64 * MiB, 0, 0, RW, &va, &pa));
	judge(k, "MAP_CONTIG below 4 KiB of physical memory", mm_map_contig(PG, PG, 0, RW, &va, &pa));
	/* UNMAP */
	judge(k, "UNMAP nothing there", mm_unmap((void *)(uintptr_t)nowhere, PG));
	judge(k, "UNMAP with a hole", mm_unmap(a + 7 * PG, 2 * PG));
	judge(k, "UNMAP misaligned", mm_unmap(a + 1, PG));
	judge(k, "UNMAP length 0", mm_unmap(a, 0));
	judge(k, "UNMAP outside the window", mm_unmap((void *)(uintptr_t)PG, PG));
	/* PROTECT */
	judge(k, "PROTECT a hole", mm_protect(a + 7 * PG, 2 * PG, RO));
	judge(k, "PROTECT W only", mm_protect(a, PG, MNEME_PROT_WRITE));
	judge(k, "PROTECT file above its rights", mm_protect(file, PG, RW));
	judge(k, "PROTECT misaligned", mm_protect(a + 1, PG, RO));
	judge(k, "PROTECT huge page partly, with a hole", mm_protect(hg + 2 * MiB - PG, 2 * PG, RO));
	/* SHARE, SHARE_ACCEPT */
	judge(k, "SHARE to a dead task", mm_share(a, PG, dead, RO, &x));
	judge(k, "SHARE a hole", mm_share(a + 7 * PG, 2 * PG, child, RO, &x));
	judge(k, "SHARE rights beyond ours", mm_share(ro, PG, child, RW, &x));
	judge(k, "SHARE rights 0", mm_share(a, PG, child, 0, &x));
	judge(k, "SHARE_ACCEPT no grant", mm_share_accept(grant + 77, &va, NULL, NULL));
	judge(k, "SHARE_ACCEPT our own offer", mm_share_accept(grant, &va, NULL, NULL));
	judge(k, "SHARE_ACCEPT grant 0", mm_share_accept(0, &va, NULL, NULL));
	/* STATS, USAGE, QUERY, CHECK-like reads */
	judge(k, "STATS unknown view", raw(MNEME_MM_STATS, MNEME_MM_STAT_MAX + 1, 0, 0, 0));
	judge(k, "STATS offset past the end", raw(MNEME_MM_STATS, MNEME_MM_STAT_MAPS, 1ULL << 40, 0, 0));
	judge(k, "STATS node offline", raw(MNEME_MM_STATS, MNEME_MM_STAT_NODE_MEMINFO | (63u << MNEME_MM_STAT_NODE_SHIFT), 0, 0, 0));
	judge(k, "USAGE with words", raw(MNEME_MM_USAGE, 1, 2, 3, 4));
	judge(k, "QUERY unmapped", mm_query((void *)(uintptr_t)nowhere, &info));
	/* MAP_FILE */
	judge(k, "MAP_FILE no such file", mm_map_file("no_such_file", 0, PG, RO, NULL, &va, NULL));
	judge(k, "MAP_FILE shared writable", mm_map_file("p_spin", 0, PG, RW, NULL, &va, NULL));
	judge(k, "MAP_FILE past the end", mm_map_file("p_spin", 1ULL << 30, PG, RO, NULL, &va, NULL));
	judge(k, "MAP_FILE misaligned offset", mm_map_file("p_spin", 8, PG, RO, NULL, &va, NULL));
	judge(k, "MAP_FILE FIXED over a mapping", mm_map_file("p_spin", 0, PG, RO | MNEME_MM_FIXED, a, &va, NULL));
	/* memory objects */
	judge(k, "OBJ_CREATE size 0", mm_obj_create(0, RW, &h));
	judge(k, "OBJ_CREATE too big", mm_obj_create(MNEME_MM_OBJ_MAX_SIZE + PG, RW, &h));
	judge(k, "OBJ_CREATE misaligned", mm_obj_create(PG + 8, RW, &h));
	judge(k, "OBJ_MAP no such handle", mm_obj_map(obj + 1000, 0, PG, RW, NULL, &va));
	judge(k, "OBJ_MAP past the end", mm_obj_map(obj, 4 * PG, PG, RW, NULL, &va));
	judge(k, "OBJ_MAP FIXED over a mapping", mm_obj_map(obj, 0, PG, RW | MNEME_MM_FIXED, a, &va));
	judge(k, "OBJ_CLOSE no such handle", mm_obj_close(obj + 1000));
	judge(k, "OBJ_GRANT to a dead task", mm_obj_grant(obj, RW, dead, &x));
	judge(k, "OBJ_GRANT rights 0", mm_obj_grant(obj, 0, child, &x));
	judge(k, "OBJ_GRANT no such handle", mm_obj_grant(obj + 1000, RW, child, &x));
	judge(k, "OBJ_ACCEPT no grant", mm_obj_accept(12345, &h, NULL, NULL));
	/* memory policy */
	judge(k, "SET_MEMPOLICY unknown mode", mm_set_mempolicy(99, 1));
	judge(k, "SET_MEMPOLICY bind to no node", mm_set_mempolicy(MNEME_MM_MPOL_BIND, 0));
	judge(k, "SET_MEMPOLICY offline node", mm_set_mempolicy(MNEME_MM_MPOL_BIND, 1ULL << 63));
	judge(k, "MBIND a hole", mm_mbind(a + 7 * PG, 2 * PG, MNEME_MM_MPOL_LOCAL, 0));
	judge(k, "MBIND unknown mode", mm_mbind(a, PG, 99, 1));
	judge(k, "GET_MEMPOLICY unknown flags", raw(MNEME_MM_GET_MEMPOLICY, 0x80, 0, 0, 0));
	/* tasks: spawn, status, kill, pagers' requests */
	judge(k, "SPAWN no such program", mm_spawn("no_such_prog", NULL, 0, 0, 0, &x));
	judge(k, "SPAWN unknown flag", mm_spawn("p_spin", NULL, 0x80000000u, 0, 0, &x));
	judge(k, "SPAWN PAGER without a handle", mm_spawn("p_spin", NULL, MNEME_MM_SPAWN_PAGER, 0, 0, &x));
	judge(k, "SPAWN SHARE of a hole", mm_spawn("p_spin", NULL, MNEME_MM_SPAWN_SHARE, 0, nowhere, &x));
	judge(k, "SPAWN quota above ours", mm_spawn_quota("p_spin", NULL, 0, 0, 0, 1ULL << 40, &x));
	judge(k, "SPAWN_CLONE of a hole", mm_clone(nowhere, PG, NULL, 0, 0, &x));
	judge(k, "STATUS of a stranger", mm_status(dead, &x, &x, &x));
	judge(k, "KILL a stranger", mm_kill(dead));
	judge(k, "MAP_CHILD of a child we do not page", mm_map(child, nowhere, RO, 0x11));
	judge(k, "PROTECT_CHILD of a child we do not page", mm_protect_child(child, nowhere, RO));
	judge(k, "unknown request", raw(0x6d6d00ffu, 0, 0, 0, 0));
	/* core syscalls */
	judge(k, "handle_mint of no handle", mneme_handle_mint(MNEME_HANDLES_PER_TASK - 1, 0, MNEME_RIGHT_SEND));
	judge(k, "handle_mint out of range", mneme_handle_mint(1ULL << 40, 0, MNEME_RIGHT_SEND));
	judge(k, "handle_close of no handle", mneme_handle_close(MNEME_HANDLES_PER_TASK - 1));
	judge(k, "call on no handle", mneme_call(MNEME_HANDLES_PER_TASK - 1, 0, 0, 0, 0, 0, 0));
	judge(k, "send too many extra words", mneme_send(ulib_start->server_ep,
		mneme_msginfo(MNEME_MM_PING, MNEME_IPC_BUFFER_WORDS + 1, 0), 0, 0, 0, 0, 0));
	judge(k, "reply with no caller", mneme_reply(0, 0, 0, 0, 0, 0, 0));
	judge(k, "thread_spawn above our priority", mneme_thread_spawn((uint64_t)(uintptr_t)a, (uint64_t)(uintptr_t)a,
									  0, 0, MNEME_PRIO_MAX));
	judge(k, "thread_set_affinity no CPU", mneme_thread_set_affinity(0, 0));
	for (unsigned i = 0; i < 40; i++) {
		char name[32];
		snprintf(name, sizeof(name), "server-only syscall %u", i);
		if (t_sys_known(i) && t_sys_server_only(i)) {
			uint64_t w[7] = { 0 };
			struct mneme_sysret r;
			judge(k, name, mneme_syscall_raw(i, w, &r));
		}
	}
}

int main(int argc, char **argv)
{
	struct ktap k;
	void *lazy = NULL, *obj_va = NULL;

	(void)argc, (void)argv;
	ktap_begin(&k, "refused", 2);
	/* at a fixed place with nothing after it: [anon + 7 pages, + 2 pages) has a hole */
	KTAP_EXPECT_EQ(&k, mm_map_anon((void *)(uintptr_t)(MNEME_MM_MAP_BASE + (64ULL << 30)), 8 * PG,
				       RW | MNEME_MM_POPULATE | MNEME_MM_FIXED, &anon), 0);
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, 16 * PG, RW, &lazy), 0);
	((volatile char *)lazy)[0] = 1;
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, 2 * MiB, RW | MNEME_MM_HUGE | MNEME_MM_POPULATE, &huge), 0);
	KTAP_EXPECT_EQ(&k, mm_map_anon(NULL, 4 * PG, RW | MNEME_MM_POPULATE, &ro), 0);
	KTAP_EXPECT_EQ(&k, mm_protect(ro, 4 * PG, RO), 0);
	KTAP_EXPECT_EQ(&k, mm_map_file("p_spin", 0, PG, RO, NULL, &file, NULL), 0);
	KTAP_EXPECT_EQ(&k, mm_obj_create(4 * PG, RW, &obj), 0);
	KTAP_EXPECT_EQ(&k, mm_obj_map(obj, 0, 4 * PG, RW, NULL, &obj_va), 0);
	KTAP_EXPECT_EQ(&k, mm_spawn("p_mm", "mode=hold mib=1", 0, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(&k, mm_share(anon, PG, child, RO, &grant), 0);
	ktap_result(&k, "setup");

	snap_take(&before);

	snap_take(&now);        /* its pages, and in the rehearsal our code and stack, fault in now */
	refusals(&k);
	warm = false;
	snap_take(&before);
	refusals(&k);
	ktap_diag(&k, "%u refusals checked: %u changed something, %u were accepted", checked, changed, accepted);
	KTAP_EXPECT_EQ(&k, changed, 0);
	KTAP_EXPECT_EQ(&k, accepted, 0);
	ktap_result(&k, "refused_requests_change_nothing");

	uint64_t reason;
	mm_kill(child);
	t_join(child, NULL, &reason);
	return ktap_end(&k);
}

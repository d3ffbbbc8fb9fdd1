/*
 * Background reclaim, kswapd, one per node: the server's answer to "a
 * reclaim thread needs the server's data structures safe with two
 * threads".  The reclaim itself runs on the server's own thread, as a
 * work item between requests, so the vm module stays single-threaded;
 * the kswapd thread only asks for it.
 *
 *   kswapd thread (one per node)          the server's thread
 *   call(server, KSWAPD)  ----------->    vm_kswapd_work(node): one slice,
 *                                         up to 32 pages; reply "more" or
 *                         <-----------    "sleep" (the node is above its
 *   more: call again                      target, or reclaim gave up)
 *   sleep: recv(own endpoint) <-------    send(WAKE) once an allocation
 *                                         took the node below its wake mark
 *
 * A kswapd call queues behind the requests already waiting (the endpoint
 * is FIFO), so background reclaim interleaves with the tasks' work in
 * slices instead of holding the server; and it goes on while the server
 * has nothing else to do, which a loop that reclaimed "between requests"
 * could not (the server sleeps in recv then).  The server sends WAKE only
 * to a kswapd it told to sleep and only once that reply is delivered
 * (mm_serve_until replies first), so the kswapd is in its recv or on the
 * way there with nothing to wait for: the send cannot block for long.
 *
 * When the server gets a thread per CPU, the work item is a request like
 * any other: whichever server thread takes it runs the slice under the
 * vm module's locks.
 */
#include <mm/gfp.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mneme/error.h>
#include <ulib/ipc.h>
#include <ulib/thread.h>
#include <ulib/ulib.h>
#include "kswapd.h"
#include "task.h"
#include "vm.h"
#include "vm_internal.h"

#define KSWAPD_STACK_ORDER 2          /* 16 KiB, the server's own memory */
#define KSWAPD_PRIO 20                /* the server's */
#define LABEL_WAKE 1

struct kswapd {
	struct ulib_thread t;
	uint64_t call_ep;                 /* the server's endpoint, badged with the node */
	uint64_t sleep_ep;                /* its own: it waits here while asleep */
	bool exists, sleeping;
};

static struct kswapd kswapd[MM_MAX_NUMNODES];

void _ulib_thread_start(void);

static int kswapd_main(void *arg)
{
	struct kswapd *k = arg;
	struct ulib_msg work = { .info = mneme_msginfo(MM_LABEL_KSWAPD, 0, 0) }, got;

	for (;;) {
		if (ipc_call(k->call_ep, &work, &got) == 0 && got.w[0])
			continue;               /* more to do: the next slice */
		ipc_recv(k->sleep_ep, &got);    /* asleep until WAKE */
	}
}

/* The value of "key=" in the boot command line (empty if absent). */
static bool boot_value(const char *key, char *buf, size_t size)
{
	const char *p = ulib_boot_info->cmdline;
	size_t n = strlen(key);

	buf[0] = '\0';
	for (; *p; p++) {
		if ((p == ulib_boot_info->cmdline || p[-1] == ' ') && !strncmp(p, key, n) && p[n] == '=') {
			size_t i = 0;
			for (p += n + 1; *p && *p != ' ' && i + 1 < size; p++)
				buf[i++] = *p;
			buf[i] = '\0';
			return true;
		}
	}
	return false;
}

/* "123", "64K", "256M", "2G" (bytes) or "25%" (of memory): pages.  False if malformed. */
static bool parse_pages(const char *v, uint64_t total, uint64_t *pages)
{
	uint64_t n = 0;
	const char *p = v;

	if (!*p)
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	if (p == v || (p[0] && p[1]))
		return false;
	switch (*p) {
	case '\0': *pages = n / PAGE_SIZE; return true;
	case '%':  *pages = total * n / 100; return true;
	case 'K': case 'k': *pages = (n << 10) / PAGE_SIZE; return true;
	case 'M': case 'm': *pages = (n << 20) / PAGE_SIZE; return true;
	case 'G': case 'g': *pages = (n << 30) / PAGE_SIZE; return true;
	default: return false;
	}
}

/* The compressed store: its size (default 25% of memory) and pool limit (default 20%). */
static void store_configure(void)
{
	uint64_t total = totalram_pages(), store = total / 4, pool_pct = 20, pool;
	char v[32];

	if (boot_value("zstore", v, sizeof(v)) && !parse_pages(v, total, &store)) {
		if (strcmp(v, "off"))
			printf("mmserver: zstore=%s not understood (SIZE[K|M|G], N%% or off)\n", v);
		store = strcmp(v, "off") ? total / 4 : 0;
	}
	if (boot_value("zstore.max_pool_percent", v, sizeof(v)) && !parse_pages(v, 100 * PAGE_SIZE, &pool_pct))
		printf("mmserver: zstore.max_pool_percent=%s not understood\n", v);
	pool_pct = pool_pct > 100 ? 100 : pool_pct;
	pool = total * pool_pct / 100;
	vm_reclaim_configure(store, pool);
	printf("zswap: compressed store of %llu MiB (pool at most %llu MiB, %llu%% of memory), lz\n",
	       (unsigned long long)(store >> 8), (unsigned long long)(pool >> 8),
	       (unsigned long long)pool_pct);
}

/* The commit policy: overcommit=heuristic|always|never (or 0|1|2), overcommit_ratio=N. */
static void commit_configure(void)
{
	static const char *const names[] = { "heuristic", "always", "never" };
	char v[32];
	unsigned mode = VM_OVERCOMMIT_GUESS, ratio = 50;

	if (boot_value("overcommit", v, sizeof(v))) {
		for (mode = 0; mode < 3; mode++)
			if (!strcmp(v, names[mode]) || (v[0] == (char)('0' + mode) && !v[1]))
				break;
		if (mode == 3) {
			printf("mmserver: overcommit=%s not understood (heuristic, always or never)\n", v);
			mode = VM_OVERCOMMIT_GUESS;
		}
	}
	if (boot_value("overcommit_ratio", v, sizeof(v))) {
		char *end;
		unsigned long r = strtoul(v, &end, 10);
		if (end == v || *end || r > 100)
			printf("mmserver: overcommit_ratio=%s not understood (0..100)\n", v);
		else
			ratio = (unsigned)r;
	}
	vm_commit_configure((enum vm_overcommit)mode, ratio);
	printf("mmserver: overcommit %s, CommitLimit %llu kB\n", names[mode],
	       (unsigned long long)vm_commit_limit() * (PAGE_SIZE / 1024));
}

static int start_one(int nid)
{
	struct kswapd *k = &kswapd[nid];
	struct mneme_sysret r;
	struct page *stack = alloc_pages_node(nid, GFP_KERNEL | __GFP_ZERO, KSWAPD_STACK_ORDER);

	if (!stack)
		return -MNEME_ENOMEM;
	if (mneme_endpoint_create_r(&r))
		return -MNEME_ENOMEM;
	k->sleep_ep = r.r[1];
	if (mneme_handle_mint_r(&r, mm_server.ep, MM_BADGE_KSWAPD | (uint64_t)nid, MNEME_RIGHT_SEND))
		return -MNEME_ENOMEM;
	k->call_ep = r.r[1];
	k->t = (struct ulib_thread){ .fn = kswapd_main, .arg = k };
	uint64_t top = (uint64_t)(uintptr_t)page_address(stack) + (PAGE_SIZE << KSWAPD_STACK_ORDER);
	int64_t st = mneme_thread_spawn_r(&r, (uint64_t)(uintptr_t)_ulib_thread_start, top,
					  (uint64_t)(uintptr_t)&k->t, 0, KSWAPD_PRIO);
	if (st)
		return (int)st;
	k->t.handle = r.r[1];
	k->exists = true;
	return 0;
}

int mm_kswapd_start(void)
{
	int nid, err = 0;

	store_configure();
	commit_configure();
	for_each_online_node(nid) {
		if ((err = start_one(nid))) {
			printf("mmserver: kswapd%d: cannot start (%s)\n", nid, mneme_error_name(err));
			return err;
		}
	}
	return 0;
}

void mm_kswapd_handle(const struct ulib_msg *in, struct ulib_msg *out)
{
	uint64_t nid = in->badge & 0xff;
	bool more = nid < MM_MAX_NUMNODES && kswapd[nid].exists && vm_kswapd_work((int)nid);

	if (!more && nid < MM_MAX_NUMNODES)
		kswapd[nid].sleeping = true;
	*out = (struct ulib_msg){ .info = mneme_msginfo(0, 0, 0), .w = { more } };
}

void mm_kswapd_wake(void)
{
	uint64_t kick = vm_kswapd_kick;
	struct ulib_msg wake = { .info = mneme_msginfo(LABEL_WAKE, 0, 0) };

	for (int nid = 0; kick && nid < MM_MAX_NUMNODES; nid++, kick >>= 1) {
		if (!(kick & 1))
			continue;
		vm_kswapd_kick &= ~(1ull << nid);
		struct kswapd *k = &kswapd[nid];
		if (!k->exists || !k->sleeping || !vm_kswapd_wanted(nid))
			continue;
		k->sleeping = false;
		vm_vmstat.kswapd_wake++;
		ipc_send(k->sleep_ep, &wake);
	}
}

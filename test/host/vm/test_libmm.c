/*
 * The client library end to end on the host: userland/libmm/libmm.c,
 * compiled unchanged, makes its call() syscalls into a stand-in that does
 * what the core and the server will do (copy words and extra words, run
 * vm_request() for the calling task, return the status label and the
 * reply), over the real mm core and the fake page table.  Checks that
 * every function encodes its request and decodes its reply as
 * docs/ipc.md says.
 */
#include "vm_env.h"
#include <mneme/ipc.h>
#include <mneme/syscall.h>
#include <ulib/start.h>
#include <libmm/libmm.h>

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define MiB (1ULL << 20)

/* What the runtime provides in a task. */
const struct ulib_start_info *ulib_start;
struct mneme_ipc_buffer *ulib_ipc_buffer;

static struct ulib_start_info start = { .magic = ULIB_START_MAGIC, .server_ep = 5 };
static struct mneme_ipc_buffer ipcbuf;
static struct fake_task *me, *peer, *cur;
static uint64_t calls, last_label;

void fake_user_syscall(uint64_t nr, const uint64_t a[7], uint64_t r[7])
{
	uint64_t server_buf[MNEME_IPC_BUFFER_WORDS];
	memset(r, 0, 7 * sizeof(uint64_t));
	if (nr != MNEME_SYS_call || a[0] != start.server_ep) {
		r[0] = (uint64_t)-MNEME_ENOSYS;
		return;
	}
	calls++;
	unsigned extra = mneme_msginfo_extra(a[1]);
	struct vm_msg m = { .label = mneme_msginfo_label(a[1]), .extra = extra,
			    .handle = (mneme_msginfo_flags(a[1]) & MNEME_MSG_HANDLE) != 0,
			    .w = { a[2], a[3], a[4], a[5] }, .x = ipcbuf.words };
	struct vm_reply rep = { .x = server_buf };
	last_label = m.label;
	vm_request(cur->space, &m, &rep);
	memcpy(ipcbuf.words, server_buf, rep.extra * 8);           /* the core copies the extras */
	r[2] = mneme_msginfo((uint32_t)rep.status, rep.extra, 0);
	for (int i = 0; i < 4; i++)
		r[3 + i] = rep.w[i];
}

int main(void)
{
	if (vm_env_init())
		return 1;
	me = cur = fake_task_new(256 * MiB);
	peer = fake_task_new(0);
	printf("TAP version 13\n1..1\n");

	/* Without a start block: no server handle. */
	void *va;
	uint64_t pa;
	CHECK_EQ(mm_map_anon(NULL, 4096, RW, &va), -MNEME_EBADH);
	ulib_start = &start;
	ulib_ipc_buffer = &ipcbuf;

	CHECK_EQ(mm_alloc_pages(3, RW | MNEME_MM_ZONE_DMA32, &va, &pa), 0);
	CHECK_EQ(last_label, MNEME_MM_ALLOC_PAGES);
	CHECK_EQ((uintptr_t)va % (8 * 4096), 0);
	CHECK_EQ(fake_lookup(me, (uintptr_t)va, NULL, NULL), pa);
	CHECK(pa + 8 * 4096 <= (1ULL << 32));
	CHECK_EQ(mm_alloc_pages(11, RW, &va, &pa), -MNEME_ERANGE);
	CHECK_EQ(mm_free_pages(va, 3), 0);
	CHECK_EQ(vm_region_find(me->space, (uintptr_t)va), NULL);

	void *anon;
	CHECK_EQ(mm_map_anon((void *)(uintptr_t)(MNEME_MM_MAP_BASE + 64 * MiB), 16 * 4096,
			     RW | MNEME_MM_FIXED, &anon), 0);
	CHECK_EQ((uintptr_t)anon, MNEME_MM_MAP_BASE + 64 * MiB);
	CHECK_EQ(mm_map_anon(anon, 4096, RW | MNEME_MM_FIXED, &va), -MNEME_EBUSY);
	CHECK_EQ(mm_protect(anon, 4096, MNEME_PROT_READ), 0);
	CHECK_EQ(vm_region_find(me->space, (uintptr_t)anon)->prot, MNEME_PROT_READ);
	uint64_t grant;
	CHECK_EQ(mm_share(anon, 4096, peer->id, RW, &grant), -MNEME_EPERM);
	CHECK_EQ(mm_share(anon, 8192, peer->id, MNEME_PROT_READ, &grant), 0);
	CHECK_EQ(last_label, MNEME_MM_SHARE);
	void *theirs;
	size_t len;
	unsigned prot;
	CHECK_EQ(mm_share_accept(grant, &theirs, &len, &prot), -MNEME_ENOENT);  /* me: not the receiver */
	CHECK_EQ(last_label, MNEME_MM_SHARE_ACCEPT);
	cur = peer;                                      /* the receiver accepts */
	CHECK_EQ(mm_share_accept(grant, &theirs, &len, &prot), 0);
	cur = me;
	CHECK_EQ(len, 8192);
	CHECK_EQ(prot, MNEME_PROT_READ);
	CHECK(vm_region_find(peer->space, (uintptr_t)theirs) != NULL);
	CHECK_EQ(ft_lookup(peer->space, (uintptr_t)theirs), ft_lookup(me->space, (uintptr_t)anon));
	CHECK_EQ(mm_unmap(anon, 16 * 4096), 0);
	CHECK_EQ(mm_unmap(anon, 4096), -MNEME_ENOENT);

	void *dma;
	CHECK_EQ(mm_map_contig(64 * 1024, 16 * MiB, 64 * 1024, RW, &dma, &pa), 0);
	CHECK_EQ(pa % (64 * 1024), 0);
	CHECK(pa + 64 * 1024 <= 16 * MiB);

	struct mneme_mm_usage u;
	CHECK_EQ(mm_usage(&u), 0);
	CHECK_EQ(u.quota, 256 * MiB);
	CHECK_EQ(u.regions, me->space->nr_regions);
	CHECK_EQ(u.charged, me->space->acct.charged);
	CHECK_EQ(u.resident, 16);

	char text[16384];
	int64_t n = mm_stats_read(MNEME_MM_STAT_ZONEINFO, text, sizeof(text));
	CHECK(n > MNEME_MM_STATS_CHUNK);                 /* read in several chunks */
	CHECK_EQ((int64_t)strlen(text), n < (int64_t)sizeof(text) ? n : (int64_t)sizeof(text) - 1);
	CHECK(strstr(text, "Node 0, zone") != NULL);
	char small[10];
	CHECK(mm_stats_read(MNEME_MM_STAT_MEMINFO, small, sizeof(small)) > 9);
	CHECK_EQ(strlen(small), 9);
	CHECK_EQ(mm_stats_read(MNEME_MM_STAT_MAX + 1, text, sizeof(text)), -MNEME_EINVAL);
	n = mm_stats_read(MNEME_MM_STAT_MAPS, text, sizeof(text));
	CHECK(n > 0 && strstr(text, "block") != NULL);
	CHECK_EQ(mm_stats_print(MNEME_MM_STAT_BUDDYINFO), 0);

	/* Memory objects: create, map at an offset (an extra word), grant, accept in the peer. */
	uint64_t h, g, hb, osize;
	unsigned rights;
	void *ov, *pv;
	CHECK_EQ(mm_obj_create(8 * 4096, RW, &h), 0);
	CHECK_EQ(last_label, MNEME_MM_OBJ_CREATE);
	CHECK_EQ(mm_obj_map(h, 4096, 4 * 4096, RW, NULL, &ov), 0);
	CHECK_EQ(mm_obj_map(h, 4096, 8 * 4096, RW, NULL, &pv), -MNEME_ERANGE);
	uint8_t v = 0x42;
	CHECK_EQ(fake_touch(me, (uintptr_t)ov, MNEME_PROT_WRITE, &v), 0);
	CHECK_EQ(mm_obj_grant(h, MNEME_PROT_READ, peer->id, &g), 0);
	cur = peer;
	CHECK_EQ(mm_obj_accept(g, &hb, &osize, &rights), 0);
	CHECK(osize == 8 * 4096 && rights == MNEME_PROT_READ);
	CHECK_EQ(mm_obj_map(hb, 0, 8 * 4096, RW, NULL, &pv), -MNEME_EPERM);
	CHECK_EQ(mm_obj_map(hb, 0, 8 * 4096, MNEME_PROT_READ, NULL, &pv), 0);
	CHECK_EQ(fake_touch(peer, (uintptr_t)pv + 4096, MNEME_PROT_READ, &v), 0);
	CHECK_EQ(v, 0x42);
	struct mm_page_info qi;
	CHECK_EQ(mm_query((char *)pv + 4096 + 17, &qi), 0);
	CHECK_EQ(last_label, MNEME_MM_QUERY);
	CHECK_EQ(qi.flags, MNEME_MM_Q_OBJECT | MNEME_MM_Q_SHARED);
	CHECK_EQ(qi.mapcount, 2);
	CHECK_EQ(qi.pa, fake_lookup(peer, (uintptr_t)pv + 4096 + 17, NULL, NULL));
	CHECK_EQ(mm_obj_close(hb), 0);
	cur = me;
	CHECK_EQ(mm_obj_close(h), 0);
	CHECK_EQ(mm_obj_close(h), -MNEME_EBADH);
	/* A file of the (fake) archive; the checker. */
	static const char ftext[] = "a file of the archive";
	void *fv;
	uint64_t fsize;
	fake_file_add("libmm_file", ftext, sizeof(ftext));
	CHECK_EQ(mm_map_file("libmm_file", 0, 4096, MNEME_PROT_READ, NULL, &fv, &fsize), 0);
	CHECK_EQ(fsize, sizeof(ftext));
	CHECK_EQ(fake_touch(me, (uintptr_t)fv + 2, MNEME_PROT_READ, &v), 0);
	CHECK_EQ(v, 'f');
	CHECK_EQ(mm_map_file("libmm_file", 0, 4096, RW, NULL, &fv, NULL), -MNEME_EPERM);
	CHECK_EQ(mm_map_file("", 0, 4096, MNEME_PROT_READ, NULL, &fv, NULL), -MNEME_EINVAL);
	CHECK_EQ(mm_check(), 0);
	CHECK_EQ(last_label, MNEME_MM_CHECK);

	uint64_t w[4] = { 0 };
	CHECK_EQ(mm_request_raw(0x6d6d00ff, w, 0, NULL), -MNEME_ENOSYS);
	CHECK_OK(me);
	CHECK_OK(peer);
	fake_task_free(me);
	fake_task_free(peer);
	printf("%s 1 libmm: %llu requests encoded and decoded as the protocol says\n",
	       vm_test_failures ? "not ok" : "ok", (unsigned long long)calls);
	return vm_test_failures != 0;
}

/*
 * Memory objects end to end (docs/ipc.md): the shared zero page,
 * copy-on-write clones (SPAWN_CLONE: a whole space, a clone of a clone,
 * 2 MiB pages, a range), program images shared through the page cache
 * (two instances of this very program), MAP_FILE, and memory objects
 * passed by grant between two unrelated tasks.  Children are clones or
 * new instances of this program, told their part by "role=..."; a child
 * reports through its exit status (0: every check held) and "#" lines.
 * QUERY tells where each page lives; after the program the server checks
 * that every frame came back and every invariant (the reverse map against
 * every page table among them) holds.
 */
#include <libmm/libmm.h>
#include "common.h"

#define RW (MNEME_PROT_READ | MNEME_PROT_WRITE)
#define PG 4096UL
#define MiB (1UL << 20)
#define COW_PAGES 256

/* Inherited by whole clones: where the parent's memory is and what it held. */
static volatile uint8_t *cow_buf;
static uint64_t cow_pa[COW_PAGES];
static volatile uint8_t *huge_buf;
static uint64_t huge_pa;
/* Initialized data: a page of it is the program's, copy-on-write from the page cache. */
static volatile uint32_t image_data[2048] = { 0x600dda7a };

static int fails;
#define CHILD_EXPECT(c) do { if (!(c)) { printf("%s# %s:%d: %s failed\n", ktap_indent(ktap_depth), __FILE__, __LINE__, #c); fails++; } } while (0)

static struct mm_page_info query(const volatile void *va)
{
	struct mm_page_info i = { 0 };

	if (mm_query((const void *)va, &i))
		i.pa = ~0ULL;
	return i;
}

/* Where @word starts in @text, or NULL. */
static const char *find(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (; *text; text++)
		if (!strncmp(text, word, n))
			return text;
	return NULL;
}

static uint64_t arg_u(int argc, char **argv, const char *key)
{
	const char *v = ulib_arg(argc, argv, key);

	return v ? ulib_strtou(v) : 0;
}

/* Run a clone with @args to its end; its exit status, or a large negative number. */
static int64_t clone_run(const char *args, uint64_t start, size_t len)
{
	uint64_t child;
	int64_t st = mm_clone(start, len, args, 0, 0, &child);   /* on our quota */

	return st ? -1000 + st : t_wait(child, NULL);
}

/* ---- Children -------------------------------------------------------------- */

/* A read of an untouched page: the zero page, at @zpa as in the parent. */
static int child_zero(uint64_t zpa)
{
	void *va;

	CHILD_EXPECT(!mm_map_anon(NULL, 4 * PG, RW, &va));
	CHILD_EXPECT(((volatile uint8_t *)va)[3 * PG] == 0);
	struct mm_page_info i = query((uint8_t *)va + 3 * PG);
	CHILD_EXPECT(i.pa == zpa && (i.flags & MNEME_MM_Q_ZERO));
	return fails;
}

/* The clone's view of the parent's pages, then its own writes to pages [0, 64). */
static int child_cow(bool grand)
{
	unsigned shared = 0;

	for (unsigned i = 0; i < COW_PAGES; i++) {
		uint8_t want = (uint8_t)(grand && i < 64 ? 100 + i : i);
		CHILD_EXPECT(cow_buf[i * PG] == want);
		CHILD_EXPECT(cow_buf[i * PG + PG - 1] == (uint8_t)~i);
	}
	for (unsigned i = 0; i < 64; i++) {
		cow_buf[i * PG] = (uint8_t)(grand ? 50 + i : 100 + i);
		CHILD_EXPECT(query(cow_buf + i * PG).pa != cow_pa[i]);   /* a copy of its own */
	}
	for (unsigned i = 0; i < 64; i++)
		CHILD_EXPECT(cow_buf[i * PG] == (uint8_t)(grand ? 50 + i : 100 + i));
	/* Pages [64, 128) and [192, 256): nobody writes them; still the parent's frames. */
	for (unsigned i = 64; i < COW_PAGES; i++) {
		if (i >= 128 && i < 192)
			continue;
		struct mm_page_info q = query(cow_buf + i * PG);
		shared += q.pa == cow_pa[i] && q.mapcount >= 2 && (q.flags & MNEME_MM_Q_COW);
	}
	CHILD_EXPECT(shared == 128);
	printf("%s# %s: %u pages still shared copy-on-write\n", ktap_indent(ktap_depth),
	       grand ? "grandchild" : "child", shared);
	if (!grand)   /* a clone of the clone sees this clone's writes, and three map what nobody wrote */
		CHILD_EXPECT(clone_run("role=cow2", 0, 0) == 0);
	if (grand)
		CHILD_EXPECT(query(cow_buf + 100 * PG).mapcount >= 3);
	return fails;
}

/* One write to a 2 MiB chunk shared with the parent: that page is copied, its neighbour stays shared. */
static int child_huge(void)
{
	CHILD_EXPECT(huge_buf[5 * PG] == 5);
	struct mm_page_info i = query(huge_buf + 6 * PG);
	CHILD_EXPECT((i.flags & (MNEME_MM_Q_HUGE | MNEME_MM_Q_COW)) == (MNEME_MM_Q_HUGE | MNEME_MM_Q_COW));
	CHILD_EXPECT(i.pa == huge_pa + 6 * PG);
	huge_buf[5 * PG] = 55;
	CHILD_EXPECT(query(huge_buf + 5 * PG).pa != huge_pa + 5 * PG);
	i = query(huge_buf + 6 * PG);
	CHILD_EXPECT(i.pa == huge_pa + 6 * PG && (i.flags & MNEME_MM_Q_COW));
	CHILD_EXPECT(huge_buf[5 * PG] == 55 && huge_buf[6 * PG] == 6);
	return fails;
}

/* A range clone: the parent's range is here, its other memory is not (a fresh image). */
static int child_range(uint64_t addr, uint64_t other)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;
	struct mm_page_info i;

	for (unsigned k = 0; k < 16; k++)
		CHILD_EXPECT(p[k * PG] == (uint8_t)k);
	CHILD_EXPECT(mm_query((void *)(uintptr_t)other, &i) == -MNEME_ENOENT);
	CHILD_EXPECT(cow_buf == NULL);   /* globals start afresh */
	return fails;
}

/* A second instance of this program: the same text frame, its own data once written. */
static int child_image(uint64_t text_pa, uint64_t data_pa)
{
	struct mm_page_info t = query((const void *)(uintptr_t)&child_image);
	CHILD_EXPECT(t.pa == text_pa && (t.flags & MNEME_MM_Q_FILE) && t.mapcount >= 2);
	CHILD_EXPECT(image_data[0] == 0x600dda7a);
	image_data[0] = 0xc0b1;
	struct mm_page_info d = query(image_data);
	CHILD_EXPECT(d.pa != data_pa && !(d.flags & MNEME_MM_Q_FILE) && d.mapcount == 1);
	return fails;
}

/*
 * The memory-object creator: learn the receiver's id from its first
 * call, create an object, write it, grant it read-only, drop its own
 * handle and mapping (the grant keeps the object), answer with the grant;
 * when the receiver says it is done with it, the charge must be back.
 */
static int child_creator(uint64_t ep)
{
	struct ulib_msg in, out = { 0 };
	struct mneme_mm_usage u0, u1;
	uint64_t h, g;
	void *va;

	CHILD_EXPECT(ipc_recv(ep, &in) == 0);
	uint64_t peer = in.w[0];
	CHILD_EXPECT(!mm_usage(&u0));
	CHILD_EXPECT(!mm_obj_create(16 * PG, RW, &h));
	CHILD_EXPECT(!mm_usage(&u1) && u1.charged >= u0.charged + 16 * PG);   /* the creator pays */
	CHILD_EXPECT(!mm_obj_map(h, 0, 16 * PG, RW, NULL, &va));
	for (unsigned i = 0; i < 16; i++)
		((volatile uint8_t *)va)[i * PG + 1] = (uint8_t)(0xa0 + i);
	CHILD_EXPECT(mm_obj_grant(h, RW | MNEME_PROT_EXEC, peer, &g) == -MNEME_EPERM);
	CHILD_EXPECT(mm_obj_grant(h, MNEME_PROT_READ, 0x12345, &g) == -MNEME_EDEAD);
	CHILD_EXPECT(!mm_obj_grant(h, MNEME_PROT_READ, peer, &g));
	CHILD_EXPECT(!mm_obj_close(h) && !mm_unmap(va, 16 * PG));
	CHILD_EXPECT(mm_obj_close(h) == -MNEME_EBADH);
	out.w[0] = g;
	CHILD_EXPECT(ipc_reply_recv(ep, &out, &in) == 0);   /* the receiver's "done" */
	/* The object is gone: its frames and metadata are no longer charged (page tables may stay). */
	CHILD_EXPECT(!mm_usage(&u1) && u1.charged < u0.charged + 16 * PG);
	out.w[0] = (uint64_t)fails;
	ipc_reply(&out);
	return fails;
}

/* The receiver: accept the creator's grant, map it read-only, see the writes, let go. */
static int child_receiver(uint64_t ep)
{
	struct ulib_msg out = { .w = { ulib_start->task_id } }, in;
	uint64_t h, size, child;
	unsigned rights;
	void *va;

	CHILD_EXPECT(ipc_call(ep, &out, &in) == 0);
	uint64_t g = in.w[0];
	CHILD_EXPECT(!mm_obj_accept(g, &h, &size, &rights));
	CHILD_EXPECT(size == 16 * PG && rights == MNEME_PROT_READ);
	CHILD_EXPECT(mm_obj_accept(g, &h, &size, &rights) == -MNEME_ENOENT);   /* used up */
	CHILD_EXPECT(mm_obj_map(h, 0, 16 * PG, RW, NULL, &va) == -MNEME_EPERM);
	CHILD_EXPECT(mm_obj_map(h, 0, 32 * PG, MNEME_PROT_READ, NULL, &va) == -MNEME_ERANGE);
	CHILD_EXPECT(!mm_obj_map(h, 4 * PG, 12 * PG, MNEME_PROT_READ, NULL, &va));
	for (unsigned i = 0; i < 12; i++)
		CHILD_EXPECT(((volatile uint8_t *)va)[i * PG + 1] == (uint8_t)(0xa4 + i));
	struct mm_page_info q = query(va);
	CHILD_EXPECT((q.flags & (MNEME_MM_Q_OBJECT | MNEME_MM_Q_SHARED)) == (MNEME_MM_Q_OBJECT | MNEME_MM_Q_SHARED));
	CHILD_EXPECT(q.prot == MNEME_PROT_READ);
	CHILD_EXPECT(mm_protect(va, PG, RW) == -MNEME_EPERM);
	/* A clone takes the mapping along; writing it is a rights violation and kills only the clone. */
	cow_buf = va;
	uint64_t reason = 0;
	CHILD_EXPECT(!mm_clone(0, 0, "role=write_ro", 0, 0, &child));
	CHILD_EXPECT(t_wait(child, &reason) != 0 && reason == MNEME_EXIT_KILLED);
	CHILD_EXPECT(((volatile uint8_t *)va)[1] == 0xa4);
	CHILD_EXPECT(!mm_obj_close(h) && !mm_unmap(va, 12 * PG));
	out.w[0] = 1;
	CHILD_EXPECT(ipc_call(ep, &out, &in) == 0 && in.w[0] == 0);   /* the creator's checks held */
	return fails;
}

static int child_main(const char *role, int argc, char **argv)
{
	if (!strcmp(role, "zero"))
		return child_zero(arg_u(argc, argv, "zpa"));
	if (!strcmp(role, "cow") || !strcmp(role, "cow2"))
		return child_cow(!strcmp(role, "cow2"));
	if (!strcmp(role, "huge"))
		return child_huge();
	if (!strcmp(role, "range"))
		return child_range(arg_u(argc, argv, "addr"), arg_u(argc, argv, "other"));
	if (!strcmp(role, "image"))
		return child_image(arg_u(argc, argv, "text"), arg_u(argc, argv, "data"));
	if (!strcmp(role, "creator"))
		return child_creator(ulib_start->handles[0]);
	if (!strcmp(role, "receiver"))
		return child_receiver(ulib_start->handles[0]);
	if (!strcmp(role, "write_ro")) {
		cow_buf[1] = 1;                 /* killed here */
		return 99;
	}
	return 100;
}

/* ---- The tests ------------------------------------------------------------------- */

static void test_zero_page(struct ktap *k)
{
	volatile uint8_t *p;
	char args[64];

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 16 * PG, RW, (void **)&p), 0);
	KTAP_EXPECT_EQ(k, p[5 * PG + 3], 0);
	struct mm_page_info z = query(p + 5 * PG);
	KTAP_EXPECT_EQ(k, z.flags, MNEME_MM_Q_ZERO | MNEME_MM_Q_COW);
	KTAP_EXPECT_EQ(k, z.prot, MNEME_PROT_READ);
	KTAP_EXPECT_EQ(k, query(p + 6 * PG).pa, 0);         /* untouched: nothing yet */
	KTAP_EXPECT_EQ(k, p[9 * PG], 0);
	KTAP_EXPECT_EQ(k, query(p + 9 * PG).pa, z.pa);      /* one zero page */
	snprintf(args, sizeof(args), "role=zero zpa=%llu", (unsigned long long)z.pa);
	uint64_t child;
	KTAP_EXPECT_EQ(k, mm_spawn("t_objects", args, 0, 0, 0, &child), 0);   /* another task: same frame */
	KTAP_EXPECT_EQ(k, t_wait(child, NULL), 0);
	p[5 * PG + 3] = 7;                                   /* a write: a private zeroed frame */
	struct mm_page_info w = query(p + 5 * PG);
	KTAP_EXPECT(k, w.pa != z.pa && w.flags == 0 && w.prot == RW && w.mapcount == 1);
	KTAP_EXPECT(k, p[5 * PG + 3] == 7 && p[5 * PG + 4] == 0);
	KTAP_EXPECT_EQ(k, p[9 * PG + 3], 0);                 /* the zero page stays zero */
	KTAP_EXPECT_EQ(k, mm_unmap((void *)p, 16 * PG), 0);
	ktap_result(k, "zero_page_shared_by_reads_private_on_write");
}

static void test_cow(struct ktap *k)
{
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, COW_PAGES * PG, RW | MNEME_MM_POPULATE, (void **)&cow_buf), 0);
	for (unsigned i = 0; i < COW_PAGES; i++) {
		cow_buf[i * PG] = (uint8_t)i;
		cow_buf[i * PG + PG - 1] = (uint8_t)~i;
		cow_pa[i] = query(cow_buf + i * PG).pa;
	}
	uint64_t child;
	KTAP_EXPECT_EQ(k, mm_clone(0, 0, "role=cow", 0, 0, &child), 0);
	/* The parent writes pages [128, 192) while the clone runs: copies, invisible to it. */
	for (unsigned i = 128; i < 192; i++)
		cow_buf[i * PG] = (uint8_t)(200 + i);
	KTAP_EXPECT_EQ(k, t_wait(child, NULL), 0);
	/* The clone (and its clone) ended: what they shared is the parent's alone, and intact. */
	unsigned ok = 0;
	for (unsigned i = 0; i < COW_PAGES; i++) {
		uint8_t want = (uint8_t)(i >= 128 && i < 192 ? 200 + i : i);
		ok += cow_buf[i * PG] == want && cow_buf[i * PG + PG - 1] == (uint8_t)~i;
	}
	KTAP_EXPECT_EQ(k, ok, COW_PAGES);
	/* Page 0 was copied by the clone: the parent is its only mapper and takes it in place. */
	struct mm_page_info q = query(cow_buf);
	KTAP_EXPECT(k, q.pa == cow_pa[0] && q.mapcount == 1 && (q.flags & MNEME_MM_Q_COW));
	cow_buf[0] = 1;
	q = query(cow_buf);
	KTAP_EXPECT(k, q.pa == cow_pa[0] && !(q.flags & MNEME_MM_Q_COW) && q.prot == RW);
	ktap_result(k, "clone_copy_on_write_both_ways_shared_pages_counted_clone_of_clone");
}

static void test_cow_huge(struct ktap *k)
{
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 2 * MiB, RW | MNEME_MM_HUGE | MNEME_MM_POPULATE,
				      (void **)&huge_buf), 0);
	for (unsigned i = 0; i < 512; i++)
		huge_buf[i * PG] = (uint8_t)i;
	struct mm_page_info q = query(huge_buf);
	huge_pa = q.pa;
	KTAP_EXPECT(k, q.flags & MNEME_MM_Q_HUGE);
	KTAP_EXPECT_EQ(k, clone_run("role=huge", 0, 0), 0);
	/* The clone ended: the chunk is the parent's alone, still 2 MiB, written in place. */
	huge_buf[5 * PG] = 9;
	q = query(huge_buf + 5 * PG);
	KTAP_EXPECT(k, q.pa == huge_pa + 5 * PG && (q.flags & MNEME_MM_Q_HUGE) && !(q.flags & MNEME_MM_Q_COW));
	KTAP_EXPECT_EQ(k, mm_unmap((void *)huge_buf, 2 * MiB), 0);
	ktap_result(k, "clone_of_a_2mib_page_split_on_write_one_page_copied");
}

static void test_clone_range(struct ktap *k)
{
	volatile uint8_t *p, *other;
	char args[96];

	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, 16 * PG, RW, (void **)&p), 0);
	KTAP_EXPECT_EQ(k, mm_map_anon(NULL, PG, RW | MNEME_MM_POPULATE, (void **)&other), 0);
	for (unsigned i = 0; i < 16; i++)
		p[i * PG] = (uint8_t)i;
	snprintf(args, sizeof(args), "role=range addr=%llu other=%llu", (unsigned long long)(uintptr_t)p,
		 (unsigned long long)(uintptr_t)other);
	KTAP_EXPECT_EQ(k, clone_run(args, (uintptr_t)p, 16 * PG), 0);
	uint64_t child;
	KTAP_EXPECT_EQ(k, mm_clone((uintptr_t)p + 1, PG, NULL, 0, 0, &child), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_clone(0x1000, PG, NULL, 0, 0, &child), -MNEME_ERANGE);
	KTAP_EXPECT_EQ(k, mm_clone(0, 0, NULL, 64 * 1024, 0, &child), -MNEME_EQUOTA);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)p, 16 * PG), 0);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)other, PG), 0);
	ktap_result(k, "clone_of_a_range_and_refusals");
}

static void test_image(struct ktap *k)
{
	char args[96], text[4096];
	struct mm_page_info t = query((const void *)(uintptr_t)&child_image), d = query(image_data);
	uint64_t child;

	KTAP_EXPECT(k, (t.flags & MNEME_MM_Q_FILE) && t.prot == (MNEME_PROT_READ | MNEME_PROT_EXEC));
	KTAP_EXPECT_EQ(k, image_data[0], 0x600dda7a);
	snprintf(args, sizeof(args), "role=image text=%llu data=%llu", (unsigned long long)t.pa,
		 (unsigned long long)d.pa);
	KTAP_EXPECT_EQ(k, mm_spawn("t_objects", args, 0, 0, 0, &child), 0);
	KTAP_EXPECT_EQ(k, t_wait(child, NULL), 0);
	KTAP_EXPECT_EQ(k, image_data[0], 0x600dda7a);          /* its write was its own */
	KTAP_EXPECT(k, mm_stats_read(MNEME_MM_STAT_PAGECACHE, text, sizeof(text)) > 0 &&
		       find(text, "t_objects") != NULL);
	KTAP_EXPECT(k, mm_stats_read(MNEME_MM_STAT_MEMINFO, text, sizeof(text)) > 0);
	const char *c = find(text, "Cached:");
	if (c)
		for (c += 7; *c == ' '; c++)
			;
	KTAP_EXPECT(k, c && ulib_strtou(c) > 0);
	ktap_result(k, "two_instances_share_text_frames_data_private");
}

static void test_map_file(struct ktap *k)
{
	volatile uint8_t *s, *p;
	uint64_t size;
	const char *self = "t_objects";

	KTAP_EXPECT_EQ(k, mm_map_file(self, 0, PG, MNEME_PROT_READ, NULL, (void **)&s, &size), 0);
	KTAP_EXPECT(k, size > PG && s[0] == 0x7f && s[1] == 'E' && s[2] == 'L' && s[3] == 'F');
	KTAP_EXPECT_EQ(k, mm_map_file(self, 0, PG, RW | MNEME_MM_PRIVATE, NULL, (void **)&p, NULL), 0);
	KTAP_EXPECT_EQ(k, query(p).pa, 0);
	KTAP_EXPECT_EQ(k, p[1], 'E');
	KTAP_EXPECT_EQ(k, query(p).pa, query(s).pa);            /* one cached page */
	p[1] = 'X';
	KTAP_EXPECT(k, p[1] == 'X' && s[1] == 'E' && query(p).pa != query(s).pa);
	void *va;
	KTAP_EXPECT_EQ(k, mm_map_file(self, 0, PG, RW, NULL, &va, NULL), -MNEME_EPERM);
	KTAP_EXPECT_EQ(k, mm_map_file("no_such_file", 0, PG, MNEME_PROT_READ, NULL, &va, NULL), -MNEME_ENOENT);
	KTAP_EXPECT_EQ(k, mm_map_file(self, (size + PG) & ~(PG - 1), PG, MNEME_PROT_READ, NULL, &va, NULL),
		       -MNEME_ERANGE);
	KTAP_EXPECT_EQ(k, mm_protect((void *)s, PG, RW), -MNEME_EPERM);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)s, PG), 0);
	KTAP_EXPECT_EQ(k, mm_unmap((void *)p, PG), 0);
	ktap_result(k, "map_file_shared_read_only_and_private_copy_on_write");
}

static void test_objects(struct ktap *k)
{
	uint64_t ep = t_endpoint(), send = t_mint(ep, 0, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	uint64_t creator = 0, receiver = 0;

	KTAP_EXPECT(k, ep && send);
	/* Two clones of this task: siblings, neither the other's parent or child. */
	KTAP_EXPECT_EQ(k, mm_clone(0, 0, "role=creator", 0, ep, &creator), 0);
	KTAP_EXPECT_EQ(k, mm_clone(0, 0, "role=receiver", 0, send, &receiver), 0);
	KTAP_EXPECT_EQ(k, t_wait(receiver, NULL), 0);
	KTAP_EXPECT_EQ(k, t_wait(creator, NULL), 0);
	mneme_handle_close(send);
	mneme_handle_close(ep);
	uint64_t h;
	KTAP_EXPECT_EQ(k, mm_obj_create(0, RW, &h), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_obj_create(PG, MNEME_PROT_WRITE, &h), -MNEME_EINVAL);
	KTAP_EXPECT_EQ(k, mm_obj_create(MNEME_MM_OBJ_MAX_SIZE + PG, RW, &h), -MNEME_ERANGE);
	KTAP_EXPECT_EQ(k, mm_obj_create(256 * MiB, RW, &h), -MNEME_EQUOTA);
	KTAP_EXPECT_EQ(k, mm_obj_create(PG, RW, &h), 0);       /* left open: the task's end closes it */
	ktap_result(k, "memory_object_granted_to_an_unrelated_task_read_only_frames_back");
}

static void test_check(struct ktap *k)
{
	KTAP_EXPECT_EQ(k, mm_check(), 0);
	ktap_result(k, "invariants_hold");
}

int main(int argc, char **argv)
{
	const char *role = ulib_arg(argc, argv, "role");
	struct ktap k;

	if (role)
		return child_main(role, argc, argv);
	ktap_begin(&k, "objects", 8);
	test_zero_page(&k);
	test_cow(&k);
	test_cow_huge(&k);
	test_clone_range(&k);
	test_image(&k);
	test_map_file(&k);
	test_objects(&k);
	test_check(&k);
	return ktap_end(&k);
}

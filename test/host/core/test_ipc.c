/*
 * Host tests: IPC in every blocking order, badges, long messages, handle
 * transfer, dead endpoints and partners, faults to pagers, task death and
 * EXIT messages, server-only syscalls.  "User" threads are driven by
 * calling core_syscall() on their registers.
 */
#include <string.h>
#include <core/ipc.h>
#include <core/task.h>
#include <core/vm.h>
#include "harness.h"

#define SYS(t, nr, ...) h_sys(t, MNEME_SYS_##nr, __VA_ARGS__)
#define SYS0(t, nr) h_sys(t, MNEME_SYS_##nr, 0, 0, 0, 0, 0, 0, 0)

struct pair {
	struct task *server_task, *stask, *ctask;
	struct thread *s, *c;
	struct endpoint *ep;
	int s_ep, c_ep;       /* handle slots */
};

static void pair_init(struct pair *p, uint64_t badge)
{
	h_init();
	p->server_task = h_task(true);
	p->stask = h_task(false);
	p->ctask = h_task(false);
	p->s = h_thread(p->stask, 10);
	p->c = h_thread(p->ctask, 10);
	p->ep = endpoint_alloc(p->stask, 1);
	p->s_ep = h_ep_handle(p->stask, p->ep, 0, MNEME_RIGHTS_ALL);
	p->c_ep = h_ep_handle(p->ctask, p->ep, badge, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
}

static void check_msg(struct thread *t, int status, uint64_t badge, uint32_t label, uint64_t w0)
{
	CHECK_EQ(h_ret(t, 0), (uint64_t)(int64_t)status);
	CHECK_EQ(h_ret(t, 1), badge);
	CHECK_EQ(mneme_msginfo_label(h_ret(t, 2)), label);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(h_ret(t, 3 + i), w0 + i);
}

static void test_pingpong(void)
{
	struct pair p;
	pair_init(&p, 0x42);
	h_run(p.s);
	SYS(p.s, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(p.s->state, THREAD_RECV);
	CHECK(current == p.c);
	for (unsigned round = 0; round < 100; round++) {
		SYS(p.c, call, p.c_ep, mneme_msginfo(7 + round, 0, 0), 1000 * round, 1000 * round + 1,
		    1000 * round + 2, 1000 * round + 3, 0);
		CHECK(current == p.s);
		CHECK_EQ(p.c->state, THREAD_REPLY);
		check_msg(p.s, 0, 0x42, 7 + round, 1000 * round);
		SYS(p.s, reply_recv, p.s_ep, mneme_msginfo(900 + round, 0, 0), 50 * round,
		    50 * round + 1, 50 * round + 2, 50 * round + 3, 0);
		CHECK(current == p.c);
		CHECK_EQ(p.s->state, THREAD_RECV);
		check_msg(p.c, 0, 0, 900 + round, 50 * round);
	}
	CHECK(fake_active() == &p.ctask->aspace);
	CHECK(fake_current_regs == &p.c->regs);
}

static void test_sender_first(void)
{
	struct pair p;
	pair_init(&p, 7);
	h_run(p.c);
	SYS(p.c, call, p.c_ep, mneme_msginfo(3, 0, 0), 10, 11, 12, 13, 0);
	CHECK_EQ(p.c->state, THREAD_SEND);
	CHECK(current == p.s);
	SYS(p.s, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	CHECK(current == p.s);
	check_msg(p.s, 0, 7, 3, 10);
	CHECK_EQ(p.c->state, THREAD_REPLY);
	/* reply (not reply_recv): the caller is queued, the server continues */
	SYS(p.s, reply, 0, mneme_msginfo(4, 0, 0), 20, 21, 22, 23, 0);
	CHECK_EQ(h_ret(p.s, 0), 0);
	CHECK(current == p.s);
	CHECK_EQ(p.c->state, THREAD_RUNNABLE);
	check_msg(p.c, 0, 0, 4, 20);
	/* a second reply has nobody to go to */
	CHECK_EQ(SYS(p.s, reply, 0, 0, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	/* send (not call): the sender waits until received, then continues with 0 */
	SYS(p.s, yield, 0, 0, 0, 0, 0, 0, 0);
	CHECK(current == p.c);
	SYS(p.c, send, p.c_ep, mneme_msginfo(5, 0, 0), 30, 31, 32, 33, 0);
	CHECK_EQ(p.c->state, THREAD_SEND);
	CHECK(current == p.s);
	SYS(p.s, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	check_msg(p.s, 0, 7, 5, 30);
	CHECK_EQ(p.c->state, THREAD_RUNNABLE);
	CHECK_EQ(h_ret(p.c, 0), 0);
	/* a send leaves no reply behind */
	CHECK_EQ(SYS(p.s, reply, 0, 0, 0, 0, 0, 0, 0), -MNEME_ENOENT);
}

static void test_many_clients(void)
{
	struct pair p;
	struct thread *cl[5];
	int slot[5];

	pair_init(&p, 0);
	for (unsigned i = 0; i < 5; i++) {
		struct task *t = h_task(false);
		cl[i] = h_thread(t, 10);
		slot[i] = h_ep_handle(t, p.ep, 0x1000 + i, MNEME_RIGHT_SEND);
	}
	for (unsigned i = 0; i < 5; i++) {
		h_run(cl[i]);
		SYS(cl[i], call, slot[i], mneme_msginfo(i, 0, 0), i * 10, i * 10 + 1, i * 10 + 2,
		    i * 10 + 3, 0);
		CHECK_EQ(cl[i]->state, THREAD_SEND);
	}
	h_run(p.s);
	SYS(p.s, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	for (unsigned i = 0; i < 5; i++) {
		check_msg(p.s, 0, 0x1000 + i, i, i * 10);
		SYS(p.s, reply_recv, p.s_ep, mneme_msginfo(100 + i, 0, 0), i, i + 1, i + 2, i + 3, 0);
		CHECK_EQ(cl[i]->state, THREAD_RUNNABLE);
		check_msg(cl[i], 0, 0, 100 + i, i);
	}
	CHECK_EQ(p.s->state, THREAD_RECV);
	/* receivers queue FIFO too: two server threads, one message each */
	struct thread *s2 = h_thread(p.stask, 10);
	h_run(s2);
	SYS(s2, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(s2->state, THREAD_RECV);
	h_run(cl[0]);
	SYS(cl[0], send, slot[0], mneme_msginfo(1, 0, 0), 0, 0, 0, 0, 0);
	CHECK_EQ(p.s->state, THREAD_RUNNABLE);
	CHECK_EQ(s2->state, THREAD_RECV);
}

static void test_long_messages(void)
{
	struct pair p;
	pair_init(&p, 1);
	struct mneme_ipc_buffer *sb = h_map(p.stask, 0x40010000, 1);
	struct mneme_ipc_buffer *cb = h_map(p.ctask, 0x40010000, 1);

	h_run(p.c);
	CHECK_EQ(SYS(p.c, call, p.c_ep, mneme_msginfo(1, 3, 0), 0, 0, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(p.c, ipc_buffer_set, 0x40010001, 0, 0, 0, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(p.c, ipc_buffer_set, ARCH_USER_TOP, 0, 0, 0, 0, 0, 0), -MNEME_EFAULT);
	CHECK_EQ(SYS(p.c, ipc_buffer_set, 0x40010000, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(p.c, call, p.c_ep, mneme_msginfo(1, MNEME_IPC_BUFFER_WORDS + 1, 0), 0, 0, 0, 0, 0),
		 -MNEME_EINVAL);
	CHECK_EQ(SYS(p.c, call, p.c_ep, mneme_msginfo(1, 0, 0x80), 0, 0, 0, 0, 0), -MNEME_EINVAL);
	for (unsigned i = 0; i < MNEME_IPC_BUFFER_WORDS; i++)
		cb->words[i] = 0xabc000 + i;
	/* receiver has no buffer: the message arrives, the extra words do not */
	SYS(p.c, call, p.c_ep, mneme_msginfo(1, MNEME_IPC_BUFFER_WORDS, 0), 1, 2, 3, 4, 0);
	CHECK(current == p.s);
	SYS(p.s, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(h_ret(p.s, 0), (uint64_t)-MNEME_EFAULT);
	CHECK_EQ(mneme_msginfo_extra(h_ret(p.s, 2)), 0);
	CHECK_EQ(h_ret(p.s, 3), 1);
	CHECK_EQ(SYS(p.s, ipc_buffer_set, 0x40010000, 0, 0, 0, 0, 0, 0), 0);
	SYS(p.s, reply_recv, p.s_ep, mneme_msginfo(2, 0, 0), 0, 0, 0, 0, 0);
	CHECK(current == p.c);
	/* full buffer, receiver first */
	SYS(p.c, call, p.c_ep, mneme_msginfo(1, MNEME_IPC_BUFFER_WORDS, 0), 1, 2, 3, 4, 0);
	CHECK(current == p.s);
	CHECK_EQ(h_ret(p.s, 0), 0);
	CHECK_EQ(mneme_msginfo_extra(h_ret(p.s, 2)), MNEME_IPC_BUFFER_WORDS);
	CHECK(memcmp(sb->words, cb->words, sizeof(sb->words)) == 0);
	/* reply with extra words */
	for (unsigned i = 0; i < 5; i++)
		sb->words[i] = 0x5000 + i;
	memset(cb->words, 0, sizeof(cb->words));
	SYS(p.s, reply_recv, p.s_ep, mneme_msginfo(2, 5, 0), 0, 0, 0, 0, 0);
	CHECK(current == p.c);
	CHECK_EQ(mneme_msginfo_extra(h_ret(p.c, 2)), 5);
	CHECK_EQ(cb->words[4], 0x5004);
	CHECK_EQ(cb->words[5], 0);
	/* sender first with extra words, read from the sender's space at delivery */
	SYS(p.c, yield, 0, 0, 0, 0, 0, 0, 0);
	struct thread *s = p.s;
	CHECK_EQ(s->state, THREAD_RECV);
	/* the sender's buffer is unmapped: -EFAULT for the sender, nothing sent */
	CHECK_EQ(SYS(p.c, ipc_buffer_set, 0x50000000, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(p.c, call, p.c_ep, mneme_msginfo(1, 1, 0), 0, 0, 0, 0, 0), -MNEME_EFAULT);
	CHECK_EQ(s->state, THREAD_RECV);
}

static void test_handle_transfer(void)
{
	struct pair p;
	pair_init(&p, 9);
	struct endpoint *x = endpoint_alloc(p.ctask, 1);
	int cx = h_ep_handle(p.ctask, x, 0x77, MNEME_RIGHT_SEND | MNEME_RIGHT_GRANT);
	int cx_nogrant = h_ep_handle(p.ctask, x, 0x78, MNEME_RIGHT_SEND);

	h_run(p.s);
	SYS(p.s, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(SYS(p.c, call, p.c_ep, mneme_msginfo(1, 0, MNEME_MSG_HANDLE), 0, 0, 0, 0, cx_nogrant),
		 -MNEME_EPERM);
	CHECK_EQ(SYS(p.c, call, p.c_ep, mneme_msginfo(1, 0, MNEME_MSG_HANDLE), 0, 0, 0, 0, 63),
		 -MNEME_EBADH);
	SYS(p.c, call, p.c_ep, mneme_msginfo(1, 0, MNEME_MSG_HANDLE), 5, 6, 7, 8, cx);
	CHECK(current == p.s);
	CHECK_EQ(h_ret(p.s, 0), 0);
	uint64_t info = h_ret(p.s, 2);
	CHECK(mneme_msginfo_flags(info) & MNEME_MSG_HANDLE);
	unsigned slot = mneme_msginfo_slot(info);
	struct handle h;
	CHECK_EQ(handle_lookup(p.stask, slot, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &h), 0);
	CHECK_EQ(h.badge, 0x77);
	CHECK_EQ(h.index, endpoint_index(x));
	/* the server can now call the client's endpoint: the client receives with badge 0x77 */
	SYS(p.s, reply, 0, 0, 0, 0, 0, 0, 0);
	struct thread *c2 = h_thread(p.ctask, 10);
	int c2x = h_ep_handle(p.ctask, x, 0, MNEME_RIGHT_RECV);
	h_run(c2);
	SYS(c2, recv, c2x, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(c2->state, THREAD_RECV);
	h_run(p.s);
	SYS(p.s, send, slot, mneme_msginfo(44, 0, 0), 1, 2, 3, 4, 0);
	CHECK_EQ(h_ret(p.s, 0), 0);
	CHECK_EQ(c2->state, THREAD_RUNNABLE);
	check_msg(c2, 0, 0x77, 44, 1);
	/* mint: badge only on unbadged handles, rights only shrink */
	int m = (int)SYS(p.s, handle_mint, p.s_ep, 0x99, MNEME_RIGHT_SEND, 0, 0, 0, 0);
	CHECK_EQ(m, 0);
	unsigned minted = (unsigned)h_ret(p.s, 1);
	CHECK_EQ(handle_lookup(p.stask, minted, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &h), 0);
	CHECK_EQ(h.badge, 0x99);
	CHECK_EQ(handle_lookup(p.stask, minted, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_RECV, &h), -MNEME_EPERM);
	CHECK_EQ(SYS(p.s, handle_mint, minted, 0x98, MNEME_RIGHT_SEND, 0, 0, 0, 0), -MNEME_EPERM);
	CHECK_EQ(SYS(p.s, handle_mint, minted, 0x99, 0x100, 0, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(p.s, handle_close, minted, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(p.s, handle_close, minted, 0, 0, 0, 0, 0, 0), -MNEME_EBADH);
	CHECK_EQ(SYS(p.s, send, minted, 0, 0, 0, 0, 0, 0), -MNEME_EBADH);
}

/* Receive on the server endpoint and expect an EXIT message for @task's badge. */
static void expect_exit(struct thread *srv, uint64_t badge, uint64_t status, uint64_t reason)
{
	h_run(srv);
	SYS(srv, recv, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0, 0);
	CHECK(current == srv);
	CHECK_EQ(h_ret(srv, 0), 0);
	CHECK_EQ(mneme_msginfo_label(h_ret(srv, 2)), MNEME_LABEL_EXIT);
	CHECK_EQ(h_ret(srv, 1), badge);
	CHECK_EQ(h_ret(srv, 3), badge);
	CHECK_EQ(h_ret(srv, 4), status);
	CHECK_EQ(h_ret(srv, 5), reason);
}

static void test_dead(void)
{
	struct pair p;
	pair_init(&p, 3);
	struct thread *srv = h_thread(p.server_task, 10);
	struct handle th = handle_make(MNEME_OBJ_TASK, task_index(p.stask), p.stask->gen, 0, 7);
	int stask_slot = handle_install(p.server_task, &th);

	/* a client queued on an endpoint whose owner dies wakes with -EDEAD */
	h_run(p.c);
	SYS(p.c, call, p.c_ep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(p.c->state, THREAD_SEND);
	h_run(srv);
	CHECK_EQ(SYS(srv, task_destroy, stask_slot, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(p.c->state, THREAD_RUNNABLE);
	CHECK_EQ(h_ret(p.c, 0), (uint64_t)-MNEME_EDEAD);
	CHECK_EQ(SYS(srv, task_destroy, stask_slot, 0, 0, 0, 0, 0, 0), -MNEME_EDEAD);
	expect_exit(srv, p.stask->badge, 0, MNEME_EXIT_DESTROYED);
	CHECK_EQ(p.stask->state, TASK_FREE);
	/* later calls on the dead endpoint fail at once */
	h_run(p.c);
	CHECK_EQ(SYS(p.c, call, p.c_ep, 0, 0, 0, 0, 0, 0), -MNEME_EDEAD);
	CHECK_EQ(SYS(p.c, call, 0, 0, 0, 0, 0, 0, 0), -MNEME_EBADH);
	CHECK_EQ(SYS(p.c, call, 40, 0, 0, 0, 0, 0, 0), -MNEME_EBADH);
	CHECK_EQ(SYS(p.c, recv, p.c_ep, 0, 0, 0, 0, 0, 0), -MNEME_EPERM);

	/* a caller whose server dies holding its reply wakes with -EDEAD */
	pair_init(&p, 3);
	srv = h_thread(p.server_task, 10);
	th = handle_make(MNEME_OBJ_TASK, task_index(p.stask), p.stask->gen, 0, 7);
	stask_slot = handle_install(p.server_task, &th);
	h_run(p.s);
	SYS(p.s, recv, p.s_ep, 0, 0, 0, 0, 0, 0);
	h_run(p.c);
	SYS(p.c, call, p.c_ep, 0, 0, 0, 0, 0, 0);
	CHECK(current == p.s);
	CHECK_EQ(p.c->state, THREAD_REPLY);
	/* the server thread exits (last thread of its task) */
	SYS(p.s, thread_exit, 5, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(p.c->state, THREAD_RUNNABLE);
	CHECK_EQ(h_ret(p.c, 0), (uint64_t)-MNEME_EDEAD);
	expect_exit(srv, p.stask->badge, 5, MNEME_EXIT_NORMAL);
	/* receivers waiting on a dying endpoint wake with -EDEAD too */
	pair_init(&p, 3);
	struct endpoint *cep = endpoint_alloc(p.ctask, 1);
	int s_cep = h_ep_handle(p.stask, cep, 0, MNEME_RIGHT_RECV);
	h_run(p.s);
	SYS(p.s, recv, s_cep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(p.s->state, THREAD_RECV);
	h_run(p.c);
	SYS(p.c, thread_exit, 1, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(p.s->state, THREAD_RUNNABLE);
	CHECK_EQ(h_ret(p.s, 0), (uint64_t)-MNEME_EDEAD);
}

static void test_faults(void)
{
	h_init();
	struct task *srv_task = h_task(true);
	struct thread *pager = h_thread(srv_task, 10);
	struct task *t = h_task(false);
	struct thread *ft = h_thread(t, 10);
	struct handle th = handle_make(MNEME_OBJ_TASK, task_index(t), t->gen, 0, 7);
	int t_slot = handle_install(srv_task, &th);
	int pg = h_ep_handle(srv_task, server_ep, 0xfeed, MNEME_RIGHT_SEND);

	h_set_pager(t, server_ep);
	t->pager_badge = 0xfeed;
	(void)pg;
	h_run(pager);
	SYS(pager, recv, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0, 0);
	CHECK(current == ft);
	ft->regs.ip = 0x401234;
	core_user_exception(&ft->regs, CORE_EXC_PAGE_FAULT, 0x40005123, ARCH_PROT_WRITE);
	CHECK(current == pager);
	CHECK_EQ(ft->state, THREAD_REPLY);
	CHECK_EQ(mneme_msginfo_label(h_ret(pager, 2)), MNEME_LABEL_FAULT);
	CHECK_EQ(h_ret(pager, 1), 0xfeed);
	CHECK_EQ(h_ret(pager, 3), 0x40005123);
	CHECK_EQ(h_ret(pager, 4), ARCH_PROT_WRITE);
	CHECK_EQ(h_ret(pager, 5), 0x401234);
	CHECK_EQ(h_ret(pager, 6), MNEME_FAULT_PAGE);
	/* bad replies leave the faulting thread waiting */
	uint64_t frame = h_frame();
	CHECK_EQ(SYS(pager, reply, 0, mneme_msginfo(12345, 0, 0), 0, 0, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(pager, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), frame + 1, 3, 12, 0, 0),
		 -MNEME_EINVAL);
	CHECK_EQ(SYS(pager, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), 0x1000, 3, 12, 0, 0),
		 -MNEME_ERANGE);
	CHECK_EQ(SYS(pager, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), frame, 2, 12, 0, 0),
		 -MNEME_EINVAL);
	/* empty page-table pool: -ENOMEM, the server donates and retries */
	CHECK_EQ(SYS(pager, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), frame, 3, 12, 0, 0),
		 -MNEME_ENOMEM);
	CHECK_EQ(ft->state, THREAD_REPLY);
	/* a 4 KiB page in an empty space takes three tables: two are not enough, and none is taken */
	CHECK_EQ(SYS(pager, pt_donate, t_slot, h_frame(), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(pager, 1), 1);
	CHECK_EQ(SYS(pager, pt_donate, t_slot, h_frame(), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(pager, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), frame, 3, 12, 0, 0),
		 -MNEME_ENOMEM);
	CHECK_EQ(t->pt_pool.nr, 2);
	CHECK_EQ(SYS(pager, pt_donate, t_slot, h_frame(), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(pager, 1), 3);
	SYS(pager, reply_recv, MNEME_HANDLE_SERVER_EP, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0),
	    frame, 3, 12, 0, 0);
	CHECK(current == ft);
	CHECK_EQ(ft->state, THREAD_RUNNABLE);
	CHECK_EQ(ft->regs.ip, 0x401234);   /* resumes at the faulting instruction */
	uint64_t pa;
	unsigned prot, shift;
	CHECK_EQ(vm_query(t, 0x40005000, &pa, &prot, &shift), 0);
	CHECK_EQ(pa, frame);
	CHECK_EQ(prot, 3);
	CHECK_EQ(shift, 12);
	CHECK_EQ(t->pt_pool.nr, 0);
	/* a fault at that page elsewhere (another thread's): identical MAP_RESUME counts as done */
	ft->regs.ip = 0x401240;
	core_user_exception(&ft->regs, CORE_EXC_PAGE_FAULT, 0x40005123, ARCH_PROT_WRITE);
	CHECK(current == pager);
	SYS(pager, reply_recv, MNEME_HANDLE_SERVER_EP, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0),
	    frame, 3, 12, 0, 0);
	CHECK(current == ft);
	/*
	 * The same fault again at the same instruction, the page mapped with the rights the
	 * access needs: spurious.  The core flushes and retries without asking the pager, a
	 * bounded number of times, then kills the task (a fault loop burns no one's CPU).
	 */
	unsigned flushes = fake_flushes;
	for (unsigned i = 0; i < 16; i++) {
		core_user_exception(&ft->regs, CORE_EXC_PAGE_FAULT, 0x40005123, ARCH_PROT_WRITE);
		CHECK(current == ft);
		CHECK_EQ(ft->state, THREAD_RUNNABLE);
	}
	CHECK_EQ(fake_flushes, flushes + 16);
	/* a fault needing more than the page gives goes to the pager, and resets the count */
	core_user_exception(&ft->regs, CORE_EXC_PAGE_FAULT, 0x40005123, ARCH_PROT_EXEC);
	CHECK(current == pager);
	SYS(pager, reply_recv, MNEME_HANDLE_SERVER_EP, mneme_msginfo(MNEME_LABEL_RESUME, 0, 0), 0, 0, 0,
	    0, 0);
	CHECK(current == ft);
	/* an illegal instruction; the pager kills the task: EXIT follows */
	core_user_exception(&ft->regs, CORE_EXC_ILLEGAL, 0, 0);
	CHECK(current == pager);
	CHECK_EQ(h_ret(pager, 6), MNEME_FAULT_ILLEGAL);
	SYS(pager, reply_recv, MNEME_HANDLE_SERVER_EP, mneme_msginfo(MNEME_LABEL_KILL, 0, 0), 99, 0, 0,
	    0, 0);
	CHECK(current == pager);
	CHECK_EQ(mneme_msginfo_label(h_ret(pager, 2)), MNEME_LABEL_EXIT);
	CHECK_EQ(h_ret(pager, 4), 99);
	CHECK_EQ(h_ret(pager, 5), MNEME_EXIT_KILLED);
	CHECK_EQ(h_ret(pager, 6), MNEME_FAULT_ILLEGAL);
	CHECK_EQ(ft->state, THREAD_FREE);

	/* no pager: killed at once, the server learns it */
	t = h_task(false);
	ft = h_thread(t, 10);
	h_run(ft);
	core_user_exception(&ft->regs, CORE_EXC_DIVIDE, 0, 0);
	CHECK_EQ(ft->state, THREAD_FREE);
	CHECK_EQ(t->state, TASK_ZOMBIE);
	expect_exit(pager, t->badge, 0, MNEME_EXIT_FAULT);
	CHECK_EQ(t->state, TASK_FREE);

	/* a pager that is not the memory server may resume or kill, not map */
	h_init();
	srv_task = h_task(true);
	struct task *ptask = h_task(false);
	struct thread *upager = h_thread(ptask, 10);
	struct endpoint *pep = endpoint_alloc(ptask, 1);
	int pep_slot = h_ep_handle(ptask, pep, 0, MNEME_RIGHTS_ALL);
	t = h_task(false);
	ft = h_thread(t, 10);
	h_set_pager(t, pep);
	h_run(ft);
	core_user_exception(&ft->regs, CORE_EXC_PAGE_FAULT, 0x1000, ARCH_PROT_READ);
	CHECK_EQ(ft->state, THREAD_SEND);
	CHECK(current == upager);
	SYS(upager, recv, pep_slot, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(mneme_msginfo_label(h_ret(upager, 2)), MNEME_LABEL_FAULT);
	CHECK_EQ(SYS(upager, reply, 0, mneme_msginfo(MNEME_LABEL_MAP_RESUME, 0, 0), h_frame(), 1, 12, 0, 0),
		 -MNEME_EPERM);
	CHECK_EQ(SYS(upager, reply, 0, mneme_msginfo(MNEME_LABEL_RESUME, 0, 0), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(ft->state, THREAD_RUNNABLE);
	/* the pager task dies while a fault waits for its reply: the thread retries, then dies */
	h_run(ft);
	core_user_exception(&ft->regs, CORE_EXC_PAGE_FAULT, 0x1000, ARCH_PROT_READ);
	SYS(upager, recv, pep_slot, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(ft->state, THREAD_REPLY);
	SYS(upager, thread_exit, 0, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(ft->state, THREAD_RUNNABLE);
	struct thread *srv = h_thread(srv_task, 10);
	h_run(ft);
	core_user_exception(&ft->regs, CORE_EXC_PAGE_FAULT, 0x1000, ARCH_PROT_READ);
	CHECK_EQ(t->state, TASK_ZOMBIE);
	CHECK(current == srv);
	expect_exit(srv, ptask->badge, 0, MNEME_EXIT_NORMAL);
	expect_exit(srv, t->badge, 0, MNEME_EXIT_FAULT);
}

static void test_server_only(void)
{
	struct pair p;
	pair_init(&p, 0);
	h_run(p.c);
	static const unsigned server_calls[] = {
		MNEME_SYS_task_create, MNEME_SYS_task_destroy, MNEME_SYS_thread_create,
		MNEME_SYS_thread_resume, MNEME_SYS_thread_set_priority, MNEME_SYS_map,
		MNEME_SYS_unmap, MNEME_SYS_protect, MNEME_SYS_query, MNEME_SYS_pt_donate,
		MNEME_SYS_tlb_flush, MNEME_SYS_handle_grant, MNEME_SYS_shutdown,
	};
	for (unsigned i = 0; i < sizeof(server_calls) / sizeof(server_calls[0]); i++)
		CHECK_EQ(h_sys(p.c, server_calls[i], 1, 0, 0, 0, 0, 0, 0), -MNEME_EPERM);
	CHECK_EQ(h_sys(p.c, 20, 0, 0, 0, 0, 0, 0, 0), -MNEME_ENOSYS);
	CHECK_EQ(h_sys(p.c, 63, 0, 0, 0, 0, 0, 0, 0), -MNEME_ENOSYS);
	CHECK_EQ(h_sys(p.c, ~0ull, 0, 0, 0, 0, 0, 0, 0), -MNEME_ENOSYS);
}

static void test_server_calls(void)
{
	h_init();
	struct task *srv = h_task(true);
	struct thread *s = h_thread(srv, 10);
	h_run(s);
	uint64_t root = h_frame();
	/* task_create validates the root frame and the pager handle */
	CHECK_EQ(SYS(s, task_create, root + 8, 0, 1, 0, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, task_create, 0x1000, 0, 1, 0, 0, 0, 0), -MNEME_ERANGE);
	CHECK_EQ(SYS(s, task_create, root, 40, 1, 0, 0, 0, 0), -MNEME_EBADH);
	CHECK_EQ(SYS(s, task_create, root, MNEME_HANDLE_SERVER_EP, 0x55, 0, 0, 0, 0), 0);
	uint64_t th = h_ret(s, 1);
	struct task *t;
	CHECK_EQ(handle_task(srv, th, &t), 0);
	CHECK(t->pager == server_ep);
	/* map: alignment, range, frame, rights */
	uint64_t f = h_frame(), f2m = h_frame_2m();
	CHECK_EQ(SYS(s, map, th, 0x1000, f, 12, 3, 0, 0), -MNEME_ENOMEM);
	CHECK_EQ(SYS(s, pt_donate, th, f + 1, 0, 0, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, pt_donate, th, 0x2000, 0, 0, 0, 0, 0), -MNEME_ERANGE);
	uint64_t ptf = h_frame();
	CHECK_EQ(SYS(s, pt_donate, th, ptf, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, pt_donate, th, ptf, 0, 0, 0, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(SYS(s, pt_donate, th, h_frame(), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, pt_donate, th, h_frame(), 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 1), 3);
	CHECK_EQ(SYS(s, map, th, 0x1001, f, 12, 3, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, map, th, ARCH_USER_TOP, f, 12, 3, 0, 0), -MNEME_ERANGE);
	CHECK_EQ(SYS(s, map, th, ARCH_USER_TOP - 4096, f, 13, 3, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, map, th, 0x1000, f, 12, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, map, th, 0x1000, f, 12, 8 | 1, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, map, th, 0x1000, f, 12, 3, 0, 0), 0);
	CHECK_EQ(SYS(s, map, th, 0x1000, f, 12, 3, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(SYS(s, map, th, 0x200000, f2m + 4096, 21, 1, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(s, map, th, 0x200000, f2m, 21, 5, 0, 0), 0);
	CHECK_EQ(SYS(s, query, th, 0x2ff000, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 1), f2m);
	CHECK_EQ(h_ret(s, 2), 5);
	CHECK_EQ(h_ret(s, 3), 21);
	CHECK_EQ(SYS(s, protect, th, 0x1000, 1, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, query, th, 0x1000, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 2), 1);
	CHECK_EQ(SYS(s, unmap, th, 0x1000, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(s, 1), f);
	CHECK_EQ(h_ret(s, 3), 1);               /* its page table, now empty, went back to the pool */
	CHECK_EQ(t->pt_pool.nr, 1);
	CHECK_EQ(SYS(s, unmap, th, 0x1000, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	CHECK_EQ(SYS(s, query, th, 0x1000, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	CHECK_EQ(SYS(s, tlb_flush, th, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, tlb_flush, th, ARCH_USER_TOP - 4096, 8192, 0, 0, 0, 0), -MNEME_ERANGE);
	/* threads */
	CHECK_EQ(SYS(s, thread_create, th, 0x400000, 0x40100000, 1, 2, 32, 0), -MNEME_ERANGE);
	CHECK_EQ(SYS(s, thread_create, th, ARCH_USER_TOP, 0x40100000, 1, 2, 3, 0), -MNEME_ERANGE);
	CHECK_EQ(SYS(s, thread_create, MNEME_HANDLE_SERVER_EP, 0x400000, 0, 1, 2, 3, 0), -MNEME_EBADH);
	CHECK_EQ(SYS(s, thread_create, th, 0x400000, 0x40100000, 1, 2, 3, 0), 0);
	uint64_t thr = h_ret(s, 1);
	struct thread *nt;
	CHECK_EQ(handle_thread(srv, thr, &nt), 0);
	CHECK_EQ(nt->state, THREAD_SUSPENDED);
	CHECK_EQ(nt->regs.ip, 0x400000);
	CHECK_EQ(SYS(s, thread_set_priority, thr, 12, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(SYS(s, thread_resume, thr, 0, 0, 0, 0, 0, 0), 0);
	/* higher priority thread preempts at the end of the call */
	CHECK(current == nt);
	sched_set_prio(s, 20);
	h_run(s);
	CHECK_EQ(SYS(s, thread_resume, thr, 0, 0, 0, 0, 0, 0), -MNEME_EBUSY);
	/* handle_grant copies a handle into the task */
	CHECK_EQ(SYS(s, handle_grant, th, MNEME_HANDLE_SERVER_EP, 0, 0, 0, 0, 0), 0);
	struct handle hh;
	CHECK_EQ(handle_lookup(t, h_ret(s, 1), MNEME_OBJ_ENDPOINT, MNEME_RIGHT_RECV, &hh), 0);
	CHECK_EQ(SYS(s, task_destroy, MNEME_HANDLE_SERVER_SELF, 0, 0, 0, 0, 0, 0), -MNEME_EPERM);
	CHECK_EQ(SYS(s, shutdown, 3, 0, 0, 0, 0, 0, 0), -MNEME_EINVAL);
	jmp_buf ex;
	fake_exit_jmp = &ex;
	if (!setjmp(ex))
		SYS(s, shutdown, 1, 0, 0, 0, 0, 0, 0);
	fake_exit_jmp = NULL;
	CHECK_EQ(fake_exit_code, 1);
	/* table limits are errors */
	int n = 0;
	while (SYS(s, endpoint_create, 0, 0, 0, 0, 0, 0, 0) == 0)
		n++;
	CHECK_EQ(h_ret(s, 0), (uint64_t)-MNEME_ENOMEM);
	CHECK(n > 0);
}

int main(void)
{
	test_pingpong();
	test_sender_first();
	test_many_clients();
	test_long_messages();
	test_handle_transfer();
	test_dead();
	test_faults();
	test_server_only();
	test_server_calls();
	return h_report("core_ipc");
}

/*
 * Host tests: handle tables and the scheduler's run queues.
 */
#include <core/task.h>
#include "harness.h"

static void test_handles(void)
{
	h_init();
	struct task *a = h_task(false);
	struct endpoint *ep = endpoint_alloc(a, 1);
	int s1 = h_ep_handle(a, ep, 0, MNEME_RIGHT_SEND);
	struct handle h;

	CHECK(s1 >= 1);
	CHECK_EQ(handle_lookup(a, s1, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &h), 0);
	CHECK_EQ(handle_lookup(a, s1, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_RECV, &h), -MNEME_EPERM);
	CHECK_EQ(handle_lookup(a, s1, MNEME_OBJ_TASK, 0, &h), -MNEME_EBADH);
	CHECK_EQ(handle_lookup(a, 0, MNEME_OBJ_NONE, 0, &h), -MNEME_EBADH);
	CHECK_EQ(handle_lookup(a, MNEME_HANDLES_PER_TASK, MNEME_OBJ_NONE, 0, &h), -MNEME_EBADH);
	CHECK_EQ(handle_lookup(a, ~0ull, MNEME_OBJ_NONE, 0, &h), -MNEME_EBADH);
	struct list_node dead;
	list_init(&dead);
	spin_lock(&ep->lock);
	endpoint_destroy(ep, &dead);
	spin_unlock(&ep->lock);
	CHECK(list_empty(&dead));
	CHECK_EQ(handle_lookup(a, s1, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &h), -MNEME_EDEAD);
	struct endpoint *ep2 = endpoint_alloc(a, 1);
	CHECK(ep2 == ep);   /* slot reused: the old handle must still fail */
	CHECK_EQ(handle_lookup(a, s1, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &h), -MNEME_EDEAD);
	CHECK_EQ(handle_remove(a, s1), 0);
	CHECK_EQ(handle_remove(a, s1), -MNEME_EBADH);
	/* fill the table */
	int n = 0;
	while (h_ep_handle(a, ep2, 0, MNEME_RIGHTS_ALL) > 0)
		n++;
	CHECK_EQ(n, MNEME_HANDLES_PER_TASK - 1);
	CHECK_EQ(handle_free_slot(a), -MNEME_ENOMEM);
}

static void test_runqueue(void)
{
	h_init();
	struct task *a = h_task(false);
	struct thread *lo1 = h_thread(a, 3), *hi = h_thread(a, 20), *lo2 = h_thread(a, 3);

	CHECK_EQ(sched_top_prio(), 20);
	CHECK(sched_take_next() == hi);
	CHECK(sched_take_next() == lo1);
	CHECK(sched_take_next() == lo2);
	CHECK(sched_take_next() == NULL);
	CHECK_EQ(sched_top_prio(), -1);

	/* round robin among equals by timeslice */
	h_init();
	a = h_task(false);
	struct thread *t1 = h_thread(a, 5), *t2 = h_thread(a, 5);
	h_run(t1);
	for (unsigned i = 0; i < SCHED_TIMESLICE - 1; i++) {
		sched_tick();
		sched_return();
		CHECK(current == t1);
	}
	sched_tick();
	sched_return();
	CHECK(current == t2);
	CHECK(fake_current_regs == &t2->regs);
	/* a lower-priority thread never preempts */
	struct thread *low = h_thread(a, 1);
	for (unsigned i = 0; i < 4 * SCHED_TIMESLICE; i++) {
		sched_tick();
		sched_return();
		CHECK(current != low);
	}
	/* priority change requeues and preempts */
	sched_set_prio(low, 30);
	sched_return();
	CHECK(current == low);
	/* yield with nobody equal or higher keeps running */
	CHECK_EQ(h_sys(low, MNEME_SYS_yield, 0, 0, 0, 0, 0, 0, 0), 0);
	CHECK(current == low);
	sched_set_prio(low, 5);
	CHECK_EQ(h_sys(low, MNEME_SYS_yield, 0, 0, 0, 0, 0, 0, 0), 0);
	CHECK(current != low);
}

static void test_idle(void)
{
	h_init();
	struct task *a = h_task(false);
	struct thread *t = h_thread(a, 5);
	h_run(t);
	int slot = (int)h_sys(t, MNEME_SYS_endpoint_create, 0, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(slot, 0);
	uint64_t ep = h_ret(t, 1);
	h_sys(t, MNEME_SYS_recv, ep, 0, 0, 0, 0, 0, 0);
	CHECK(h_idled);
	CHECK(current == NULL);
	CHECK_EQ(t->state, THREAD_RECV);
}

/* One task cannot take the whole endpoint table; the last close frees an endpoint. */
static void test_endpoint_limit_and_close(void)
{
	h_init();
	struct task *srv = h_task(true), *a = h_task(false), *b = h_task(false);
	struct thread *t1 = h_thread(a, 5), *t2 = h_thread(a, 5), *st = h_thread(srv, 5);
	int64_t slots[MNEME_MAX_ENDPOINTS_PER_TASK];
	struct handle h;

	h_run(t1);
	for (unsigned i = 0; i < MNEME_MAX_ENDPOINTS_PER_TASK; i++) {
		CHECK_EQ(h_sys(t1, MNEME_SYS_endpoint_create, 0, 0, 0, 0, 0, 0, 0), 0);
		slots[i] = (int64_t)h_ret(t1, 1);
	}
	CHECK_EQ(h_sys(t1, MNEME_SYS_endpoint_create, 0, 0, 0, 0, 0, 0, 0), -MNEME_EQUOTA);
	/* the memory server is trusted and not limited */
	h_run(st);
	for (unsigned i = 0; i <= MNEME_MAX_ENDPOINTS_PER_TASK; i++)
		CHECK_EQ(h_sys(st, MNEME_SYS_endpoint_create, 0, 0, 0, 0, 0, 0, 0), 0);

	/* closing the only handle frees the endpoint: a new one can be made */
	h_run(t1);
	struct handle h0 = a->handles[slots[0]];
	CHECK_EQ(h_sys(t1, MNEME_SYS_handle_close, (uint64_t)slots[0], 0, 0, 0, 0, 0, 0), 0);
	CHECK(!handle_live(&h0));
	CHECK_EQ(h_sys(t1, MNEME_SYS_endpoint_create, 0, 0, 0, 0, 0, 0, 0), 0);
	slots[0] = (int64_t)h_ret(t1, 1);
	CHECK_EQ(h_sys(t1, MNEME_SYS_endpoint_create, 0, 0, 0, 0, 0, 0, 0), -MNEME_EQUOTA);

	/* a copy in another task keeps it alive; closing that copy frees it */
	struct endpoint *ep1 = &endpoint_table[a->handles[slots[1]].index];
	int bs = h_ep_handle(b, ep1, 7, MNEME_RIGHT_SEND);
	CHECK_EQ(h_sys(t1, MNEME_SYS_handle_close, (uint64_t)slots[1], 0, 0, 0, 0, 0, 0), 0);
	CHECK(ep1->alive);
	CHECK_EQ(handle_lookup(b, (uint64_t)bs, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &h), 0);
	CHECK_EQ(handle_remove(b, (uint64_t)bs), 0);
	CHECK(!ep1->alive);

	/* a pager link keeps it alive too */
	struct endpoint *ep2 = &endpoint_table[a->handles[slots[2]].index];
	h_set_pager(b, ep2);
	CHECK_EQ(h_sys(t1, MNEME_SYS_handle_close, (uint64_t)slots[2], 0, 0, 0, 0, 0, 0), 0);
	CHECK(ep2->alive);
	h_set_pager(b, NULL);

	/* a receiver blocked on it wakes with EDEAD when its last handle closes */
	int64_t rs = slots[3];
	h_run(t2);
	h_sys(t2, MNEME_SYS_recv, (uint64_t)rs, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(t2->state, THREAD_RECV);
	h_run(t1);
	CHECK_EQ(h_sys(t1, MNEME_SYS_handle_close, (uint64_t)rs, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(t2->state, THREAD_RUNNABLE);
	CHECK_EQ((int64_t)h_ret(t2, 0), -MNEME_EDEAD);
	/* closing a handle to an already dead endpoint is fine */
	CHECK_EQ(h_sys(t1, MNEME_SYS_handle_close, (uint64_t)slots[4], 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_sys(t1, MNEME_SYS_handle_close, (uint64_t)slots[4], 0, 0, 0, 0, 0, 0), -MNEME_EBADH);
}

int main(void)
{
	test_handles();
	test_endpoint_limit_and_close();
	test_runqueue();
	test_idle();
	return h_report("core_objects");
}

/*
 * Host tests of devices lent to user mode and their interrupts as IPC
 * notifications (core/device.c), on the fake architecture's one device:
 * device_open for the server only, register access and its decoding,
 * binding rules, delivery to a waiting receiver, a queued notification
 * taken by the next receive (several interrupts coalescing into one),
 * ack and unmask, the binder's death, the endpoint's death with a
 * notification queued on it.
 */
#include <string.h>
#include <core/device.h>
#include <core/ipc.h>
#include <core/task.h>
#include "harness.h"

#define SYS(t, nr, ...) h_sys(t, MNEME_SYS_##nr, __VA_ARGS__)

struct world {
	struct task *server, *drv, *other;
	struct thread *s, *d, *o;
	struct endpoint *ep;
	int d_ep, d_ep_recv_only, d_dev, o_dev, o_ep;
};

/* The server opens device 0 and grants it to @to: the slot there. */
static int give_device(struct world *w, struct task *to)
{
	struct handle th = handle_make(MNEME_OBJ_TASK, task_index(to), to->gen, 0, 7);
	int task_slot = handle_install(w->server, &th);

	h_run(w->s);
	CHECK_EQ(SYS(w->s, device_open, 0, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(w->s, 2), MNEME_DEVICE_UART_16550);
	CHECK_EQ(h_ret(w->s, 3), 8);
	uint64_t dev = h_ret(w->s, 1);
	CHECK_EQ(SYS(w->s, handle_grant, task_slot, dev, 0, 0, 0, 0, 0), 0);
	return (int)h_ret(w->s, 1);
}

static void world_init(struct world *w)
{
	h_init();
	device_init();
	w->server = h_task(true);
	w->drv = h_task(false);
	w->other = h_task(false);
	w->s = h_thread(w->server, 10);
	w->d = h_thread(w->drv, 10);
	w->o = h_thread(w->other, 10);
	w->ep = endpoint_alloc(w->drv, 1);
	w->d_ep = h_ep_handle(w->drv, w->ep, 0, MNEME_RIGHTS_ALL);
	w->d_ep_recv_only = h_ep_handle(w->drv, w->ep, 0, MNEME_RIGHT_RECV);
	w->o_ep = h_ep_handle(w->other, w->ep, 0, MNEME_RIGHT_SEND);
	w->d_dev = give_device(w, w->drv);
	w->o_dev = give_device(w, w->other);
}

static void check_irq_msg(struct thread *t, uint64_t badge)
{
	CHECK_EQ(h_ret(t, 0), 0);
	CHECK_EQ(h_ret(t, 1), badge);
	CHECK_EQ(mneme_msginfo_label(h_ret(t, 2)), MNEME_LABEL_IRQ);
	CHECK_EQ(h_ret(t, 3), 0);          /* device index */
	CHECK_EQ(h_ret(t, 4), 4);          /* its line (the fake arch's) */
}

static void test_open_and_registers(void)
{
	struct world w;
	world_init(&w);

	h_run(w.d);
	CHECK_EQ(SYS(w.d, device_open, 0, 0, 0, 0, 0, 0, 0), -MNEME_EPERM);
	h_run(w.s);
	CHECK_EQ(SYS(w.s, device_open, 1, 0, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	CHECK_EQ(SYS(w.s, device_open, ~0ull, 0, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	h_run(w.d);
	memset(fake_device_regs, 0, sizeof(fake_device_regs));
	CHECK_EQ(SYS(w.d, device_write, w.d_dev, 3, 0x5a, 0, 0, 0, 0), 0);
	CHECK_EQ(fake_device_regs[3], 0x5a);
	CHECK_EQ(SYS(w.d, device_read, w.d_dev, 3, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(h_ret(w.d, 1), 0x5a);
	CHECK_EQ(SYS(w.d, device_write, w.d_dev, 8, 1, 0, 0, 0, 0), -MNEME_ERANGE);
	CHECK_EQ(SYS(w.d, device_write, w.d_dev, 2, 0x100, 0, 0, 0, 0), -MNEME_EINVAL);
	CHECK_EQ(SYS(w.d, device_read, w.d_dev, 8, 0, 0, 0, 0, 0), -MNEME_ERANGE);
	CHECK_EQ(SYS(w.d, device_read, w.d_ep, 0, 0, 0, 0, 0, 0), -MNEME_EBADH);  /* not a device */
	CHECK_EQ(SYS(w.d, device_read, 0, 0, 0, 0, 0, 0, 0), -MNEME_EBADH);
	CHECK_EQ(fake_device_regs[2], 0);     /* refused writes changed nothing */
}

static void test_bind_rules(void)
{
	struct world w;
	world_init(&w);
	unsigned unmasks = fake_irq_unmasks;

	h_run(w.d);
	CHECK_EQ(SYS(w.d, irq_ack, w.d_dev, 0, 0, 0, 0, 0, 0), -MNEME_ENOENT);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, w.d_ep_recv_only, 1, 0, 0, 0, 0), -MNEME_EPERM);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, 40, 1, 0, 0, 0, 0), -MNEME_EBADH);
	CHECK_EQ(device_table[0].state, DEVICE_IRQ_UNBOUND);
	CHECK_EQ(fake_irq_unmasks, unmasks);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, w.d_ep, 0x77, 0, 0, 0, 0), 0);
	CHECK_EQ(fake_irq_unmasks, unmasks + 1);
	CHECK_EQ(device_table[0].state, DEVICE_IRQ_ARMED);
	/* another holder of the device cannot take it, nor ack it, while the binder lives */
	h_run(w.o);
	CHECK_EQ(SYS(w.o, irq_bind, w.o_dev, w.o_ep, 1, 0, 0, 0, 0), -MNEME_EBUSY);
	CHECK_EQ(SYS(w.o, irq_ack, w.o_dev, 0, 0, 0, 0, 0, 0), -MNEME_EPERM);
	/* the binder rebinds, then unbinds */
	h_run(w.d);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, w.d_ep, 0x78, 0, 0, 0, 0), 0);
	CHECK_EQ(device_table[0].badge, 0x78);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(device_table[0].state, DEVICE_IRQ_UNBOUND);
	/* an interrupt while unbound reaches nobody; the line stays masked */
	unmasks = fake_irq_unmasks;
	core_device_irq(0, NULL);
	CHECK(!list_linked(&device_table[0].link));
	CHECK_EQ(fake_irq_unmasks, unmasks);
	h_run(w.o);
	CHECK_EQ(SYS(w.o, irq_bind, w.o_dev, w.o_ep, 1, 0, 0, 0, 0), 0);   /* free now */
}

static void test_delivery(void)
{
	struct world w;
	world_init(&w);

	h_run(w.d);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, w.d_ep, 0x77, 0, 0, 0, 0), 0);
	/* a receiver waiting: the interrupt wakes it with the message */
	SYS(w.d, recv, w.d_ep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(w.d->state, THREAD_RECV);
	core_device_irq(0, NULL);
	CHECK_EQ(w.d->state, THREAD_RUNNABLE);
	CHECK_EQ(device_table[0].state, DEVICE_IRQ_FIRED);
	check_irq_msg(w.d, 0x77);
	CHECK(!list_linked(&device_table[0].link));
	/* ack lets the line in again, once */
	h_run(w.d);
	unsigned unmasks = fake_irq_unmasks;
	CHECK_EQ(SYS(w.d, irq_ack, w.d_dev, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(fake_irq_unmasks, unmasks + 1);
	CHECK_EQ(SYS(w.d, irq_ack, w.d_dev, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(fake_irq_unmasks, unmasks + 1);
	/* nobody waiting: queued, and two interrupts make one notification */
	core_device_irq(0, NULL);
	core_device_irq(0, NULL);
	CHECK(list_linked(&device_table[0].link));
	CHECK_EQ(w.ep->waiting, 1);            /* what the fast reply_recv looks at */
	CHECK_EQ(SYS(w.d, recv, w.d_ep, 0, 0, 0, 0, 0, 0), 0);
	check_irq_msg(w.d, 0x77);
	CHECK(!list_linked(&device_table[0].link));
	CHECK_EQ(w.ep->waiting, 0);
	SYS(w.d, recv, w.d_ep, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(w.d->state, THREAD_RECV);       /* nothing more queued */
	/* the notification comes before a waiting sender, like an EXIT message */
	core_device_irq(0, NULL);
	check_irq_msg(w.d, 0x77);
	CHECK_EQ(device_table[0].nr_irqs, 4);
}

static void test_deaths(void)
{
	struct world w;
	world_init(&w);

	/* the endpoint dies with a notification queued: it just goes */
	struct endpoint *ep2 = endpoint_alloc(w.drv, 0);
	int d_ep2 = h_ep_handle(w.drv, ep2, 0, MNEME_RIGHTS_ALL);
	h_run(w.d);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, d_ep2, 5, 0, 0, 0, 0), 0);
	core_device_irq(0, NULL);
	CHECK(list_linked(&device_table[0].link));
	CHECK_EQ(SYS(w.d, handle_close, d_ep2, 0, 0, 0, 0, 0, 0), 0);
	CHECK(!ep2->alive);
	CHECK(!list_linked(&device_table[0].link));
	CHECK_EQ(SYS(w.d, irq_ack, w.d_dev, 0, 0, 0, 0, 0, 0), 0);
	core_device_irq(0, NULL);                /* to a dead endpoint: dropped */
	CHECK(!list_linked(&device_table[0].link));
	/* the binder dies with a notification queued: unbound, the other may bind */
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, w.d_ep, 6, 0, 0, 0, 0), 0);
	core_device_irq(0, NULL);
	CHECK(list_linked(&device_table[0].link));
	CHECK_EQ(w.ep->waiting, 1);
	CHECK_EQ(SYS(w.d, irq_bind, w.d_dev, w.d_ep, 6, 0, 0, 0, 0), 0);   /* rebinding takes it back */
	CHECK_EQ(w.ep->waiting, 0);
	core_device_irq(0, NULL);
	SYS(w.d, thread_exit, 0, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(device_table[0].state, DEVICE_IRQ_UNBOUND);
	CHECK(!list_linked(&device_table[0].link));
	h_run(w.o);
	struct endpoint *ep3 = endpoint_alloc(w.other, 1);
	int o_ep3 = h_ep_handle(w.other, ep3, 0, MNEME_RIGHTS_ALL);
	CHECK_EQ(SYS(w.o, irq_bind, w.o_dev, o_ep3, 9, 0, 0, 0, 0), 0);
	core_device_irq(0, NULL);
	CHECK_EQ(SYS(w.o, recv, o_ep3, 0, 0, 0, 0, 0, 0), 0);
	check_irq_msg(w.o, 9);
}

int main(void)
{
	test_open_and_registers();
	test_bind_rules();
	test_delivery();
	test_deaths();
	return h_report("core_device");
}

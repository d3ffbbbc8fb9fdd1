/*
 * Devices lent to user mode and their interrupts as IPC notifications:
 * the object, its syscalls and the interrupt's delivery (see
 * <core/device.h> for the model and the locking).
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/device.h>
#include <core/ipc.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/syscall.h>
#include <mneme/error.h>

#define DEVICE_GEN 1                  /* devices never die: one generation */

struct device device_table[MNEME_MAX_DEVICES];
unsigned nr_devices;

static const char *device_kind_name(uint32_t kind)
{
	return kind == MNEME_DEVICE_UART_16550 ? "uart16550" : "unknown";
}

void device_init(void)
{
	struct arch_device hw[MNEME_MAX_DEVICES];

	nr_devices = arch_devices_init(hw, MNEME_MAX_DEVICES);
	for (unsigned i = 0; i < nr_devices; i++) {
		struct device *d = &device_table[i];
		*d = (struct device){ .hw = hw[i] };
		spin_init(&d->lock);
		list_init(&d->link);
		printk("mneme: device %u: %s, %u registers, interrupt line %u (to CPU 0, masked)\n", i,
		       device_kind_name(hw[i].kind), hw[i].nr_regs, hw[i].line);
	}
}

struct device *device_of_node(struct list_node *n)
{
	uintptr_t p = (uintptr_t)n, first = (uintptr_t)&device_table[0].link;

	if (p < first || p > (uintptr_t)&device_table[MNEME_MAX_DEVICES - 1].link)
		return NULL;
	if ((p - first) % sizeof(struct device))
		return NULL;
	return &device_table[(p - first) / sizeof(struct device)];
}

void device_note_words(const struct device *dev, uint64_t w[MNEME_MSG_REGS])
{
	w[0] = (uint64_t)(dev - device_table);
	w[1] = dev->hw.line;
	w[2] = 0;
	w[3] = 0;
}

/* The device behind @cur's handle in arg @i: 0, or a handle error. */
static int device_arg(struct thread *cur, unsigned i, struct device **out)
{
	struct handle h;
	int err = handle_lookup(cur->task, arch_regs_arg(&cur->regs, i), MNEME_OBJ_DEVICE, 0, &h);

	if (!err)
		*out = &device_table[h.index];
	return err;
}

/* True if @dev's binding belongs to a task that is still @dev's owner (dev->lock held). */
static bool owner_live(const struct device *dev)
{
	return dev->owner && READ_ONCE(dev->owner->gen) == dev->owner_gen &&
	       READ_ONCE(dev->owner->state) == TASK_ALIVE;
}

/* Take @dev's queued notification back off its endpoint (dev->lock held). */
static void unqueue(struct device *dev)
{
	struct endpoint *ep = dev->ep;

	if (!ep)
		return;
	spin_lock(&ep->lock);
	if (list_linked(&dev->link)) {
		list_del(&dev->link);
		ep->waiting--;
	}
	spin_unlock(&ep->lock);
}

/* Forget @dev's binding (dev->lock held): a later interrupt leaves its line masked. */
static void unbind(struct device *dev)
{
	unqueue(dev);
	dev->ep = NULL;
	dev->owner = NULL;
	dev->badge = 0;
	dev->state = DEVICE_IRQ_UNBOUND;
}

void sys_device_open(struct thread *cur)
{
	uint64_t index = arch_regs_arg(&cur->regs, 0);

	if (index >= nr_devices) {
		sys_ret(cur, -MNEME_ENOENT);
		return;
	}
	struct device *d = &device_table[index];
	struct handle h = handle_make(MNEME_OBJ_DEVICE, (uint32_t)index, DEVICE_GEN, 0, MNEME_RIGHTS_ALL);
	int slot = handle_install(cur->task, &h);
	if (slot < 0) {
		sys_ret(cur, slot);
		return;
	}
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, (uint64_t)slot);
	arch_regs_set_ret(&cur->regs, 2, d->hw.kind);
	arch_regs_set_ret(&cur->regs, 3, d->hw.nr_regs);
}

void sys_device_read(struct thread *cur)
{
	uint64_t reg = arch_regs_arg(&cur->regs, 1);
	struct device *d;
	int err = device_arg(cur, 0, &d);

	if (!err && reg >= d->hw.nr_regs)
		err = -MNEME_ERANGE;
	if (err) {
		sys_ret(cur, err);
		return;
	}
	uint8_t v = arch_device_read((unsigned)(d - device_table), (unsigned)reg);
	sys_ret(cur, 0);
	arch_regs_set_ret(&cur->regs, 1, v);
}

void sys_device_write(struct thread *cur)
{
	uint64_t reg = arch_regs_arg(&cur->regs, 1), value = arch_regs_arg(&cur->regs, 2);
	struct device *d;
	int err = device_arg(cur, 0, &d);

	if (!err && reg >= d->hw.nr_regs)
		err = -MNEME_ERANGE;
	if (!err && value > 0xff)
		err = -MNEME_EINVAL;
	if (!err)
		arch_device_write((unsigned)(d - device_table), (unsigned)reg, (uint8_t)value);
	sys_ret(cur, err);
}

/*
 * irq_bind(device, endpoint, badge): the device's interrupts go to
 * @endpoint (which the caller must be able to send on) as notifications
 * with @badge, and the line is unmasked; endpoint 0 unbinds.  Only the
 * binder may rebind or ack; another task gets -MNEME_EBUSY while the
 * binder lives.
 */
void sys_irq_bind(struct thread *cur)
{
	uint64_t slot = arch_regs_arg(&cur->regs, 1), badge = arch_regs_arg(&cur->regs, 2);
	struct device *d;
	struct handle eh = { .badge = 0 };
	int err = device_arg(cur, 0, &d);

	if (!err && slot)
		err = handle_lookup(cur->task, slot, MNEME_OBJ_ENDPOINT, MNEME_RIGHT_SEND, &eh);
	if (err) {
		sys_ret(cur, err);
		return;
	}
	spin_lock(&d->lock);
	if (owner_live(d) && d->owner != cur->task) {
		spin_unlock(&d->lock);
		sys_ret(cur, -MNEME_EBUSY);
		return;
	}
	unbind(d);
	if (slot) {
		d->ep = &endpoint_table[eh.index];
		d->ep_gen = eh.gen;
		d->badge = badge;
		d->owner = cur->task;
		d->owner_gen = cur->task->gen;
		d->state = DEVICE_IRQ_ARMED;
		arch_irq_unmask((unsigned)(d - device_table));
	}
	spin_unlock(&d->lock);
	sys_ret(cur, 0);
}

/* irq_ack(device): the binder has drained the device; its line is let in again. */
void sys_irq_ack(struct thread *cur)
{
	struct device *d;
	int err = device_arg(cur, 0, &d);

	if (err) {
		sys_ret(cur, err);
		return;
	}
	spin_lock(&d->lock);
	if (!owner_live(d) || d->owner != cur->task) {
		err = d->state == DEVICE_IRQ_UNBOUND ? -MNEME_ENOENT : -MNEME_EPERM;
	} else if (d->state == DEVICE_IRQ_FIRED) {
		d->state = DEVICE_IRQ_ARMED;
		arch_irq_unmask((unsigned)(d - device_table));
	}
	spin_unlock(&d->lock);
	sys_ret(cur, err);
}

void core_device_irq(unsigned index, struct arch_regs *user)
{
	struct device *d = &device_table[index];
	struct thread *r = NULL;
	uint64_t w[MNEME_MSG_REGS];

	if (index >= nr_devices) {
		if (user)
			sched_return();
		return;
	}
	spin_lock(&d->lock);
	d->nr_irqs++;
	if (d->state == DEVICE_IRQ_UNBOUND || !owner_live(d)) {
		spin_unlock(&d->lock);          /* nobody to tell: the line stays masked */
		if (user)
			sched_return();
		return;
	}
	d->state = DEVICE_IRQ_FIRED;
	struct endpoint *ep = d->ep;
	spin_lock(&ep->lock);
	if (ep->alive && ep->gen == d->ep_gen) {
		device_note_words(d, w);
		d->note_badge = d->badge;
		r = ipc_notify_locked(ep, &d->link, d->badge, w);
	}
	spin_unlock(&ep->lock);
	spin_unlock(&d->lock);
	if (r)
		sched_wake(r);
	if (user)
		sched_return();         /* the woken thread may outrank the interrupted one */
}

void device_release_task(struct task *task)
{
	for (unsigned i = 0; i < nr_devices; i++) {
		struct device *d = &device_table[i];
		if (READ_ONCE(d->owner) != task)
			continue;
		spin_lock(&d->lock);
		if (d->owner == task && d->owner_gen == task->gen)
			unbind(d);
		spin_unlock(&d->lock);
	}
}

#endif /* ARCH_HAS_USPACE */

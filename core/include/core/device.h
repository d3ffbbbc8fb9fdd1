/*
 * Devices the core lends to user mode, and their interrupts delivered as
 * IPC notifications (docs/architecture.md "Devices and interrupts",
 * docs/syscalls.md "Devices").
 *
 * The architecture finds the devices at boot (arch_devices_init(): the
 * console UART today) and routes each one's interrupt to the boot CPU,
 * masked.  The memory server opens a device (device_open) and grants the
 * handle to a driver, which reads and writes its registers through the
 * core (device_read/device_write) and binds its interrupt to an endpoint
 * it can send on (irq_bind).  When the interrupt fires, the
 * architecture masks the line and calls core_device_irq(): a thread
 * waiting on the endpoint receives a message (label MNEME_LABEL_IRQ,
 * badge of the binding, words device and line) at once, on whatever CPU
 * it waits; if none waits, the notification is queued on the endpoint
 * (its exit_q, beside EXIT messages, counted in ep->waiting, so the IPC
 * fast path's "nothing to receive" check covers it) and the next receive
 * takes it.  Several
 * interrupts before the receive coalesce into one notification.  The
 * line stays masked until the driver has drained the device and calls
 * irq_ack.
 *
 * Locking: dev->lock guards the binding and the state; dev->link (the
 * queued notification) and dev->note_badge belong to the lock of the
 * endpoint it is queued on.  Order: dev->lock -> ep->lock -> rq->lock.
 * The interrupt handler runs with no lock of its CPU held (interrupts
 * are enabled in the core only where no spinlock is held).
 */
#ifndef CORE_DEVICE_H
#define CORE_DEVICE_H

#include <core/object.h>

enum device_irq_state {
	DEVICE_IRQ_UNBOUND = 0,     /* no endpoint: an interrupt leaves the line masked */
	DEVICE_IRQ_ARMED,           /* bound, line unmasked, waiting for the interrupt */
	DEVICE_IRQ_FIRED,           /* delivered or queued; the line is masked until irq_ack */
};

struct device {
	spinlock_t lock;
	uint8_t state;                /* enum device_irq_state */
	struct arch_device hw;
	struct endpoint *ep;          /* the binding (dev->lock) */
	uint32_t ep_gen;
	uint64_t badge;
	struct task *owner;           /* the task that bound it: only it acks, its death unbinds */
	uint32_t owner_gen;
	struct list_node link;        /* on ep->exit_q while a notification waits (ep->lock) */
	uint64_t note_badge;          /* the queued notification's badge (ep->lock) */
	uint64_t nr_irqs;             /* interrupts taken (statistics, tests) */
};

extern struct device device_table[MNEME_MAX_DEVICES];
extern unsigned nr_devices;

/* Boot CPU, before the other CPUs start: find the devices (arch) and print them. */
void device_init(void);

/* The device whose notification node is @n (a node of some ep->exit_q), or NULL if a task's. */
struct device *device_of_node(struct list_node *n);

/* The notification of @dev, queued on an endpoint whose lock is held: its message words. */
void device_note_words(const struct device *dev, uint64_t w[MNEME_MSG_REGS]);

/* @task is dying: every interrupt it bound is unbound (before its endpoints go). */
void device_release_task(struct task *task);

#endif

/*
 * serial: the user-mode driver of the console UART's input (an 8250/16550:
 * x86_64's COM1, riscv64 virt's ns16550a).  Protocol: <ulib/serial.h>.
 *
 * The core lends the UART as a device object: its registers are read and
 * written through device_read/device_write, its interrupt arrives on the
 * driver's endpoint as a notification (irq_bind) and stays masked until
 * irq_ack.  The core keeps writing its own output to the same UART (the
 * transmit side), so the driver touches only the receive side: IER's
 * receive interrupt, MCR's OUT2 (which gates the interrupt line on PC
 * wiring), LSR and RBR; it never resets the FIFOs, so bytes that came in
 * before it started are kept.
 *
 * One thread, one endpoint, one queue: interrupts and read requests
 * arrive in order.  On an interrupt the FIFO is drained into a ring
 * buffer, the line acknowledged, and drained once more (a byte that came
 * between the last look and the ack raised no new edge on an
 * edge-triggered line).  A read is answered at once when the ring holds
 * bytes, else its caller waits (the driver holds the reply) until the
 * next interrupt brings some.  A full ring leaves bytes in the UART's
 * FIFO, and with the interrupt masked, until a reader makes room.
 */
#include <mneme/error.h>
#include <mneme/fault.h>
#include <stdio.h>
#include <ulib/ipc.h>
#include <ulib/serial.h>
#include <ulib/ulib.h>

#define RING_SIZE 4096
#define IRQ_BADGE 0x1c0

static char ring[RING_SIZE];
static unsigned head, tail;       /* bytes in [tail, head), modulo RING_SIZE */
static uint64_t dev;
static bool masked;                /* a notification came and is not acknowledged yet */

static unsigned ring_used(void)
{
	return head - tail;
}

static uint8_t reg_read(unsigned reg)
{
	struct mneme_sysret r;

	return mneme_device_read_r(&r, dev, reg) ? 0 : (uint8_t)r.r[1];
}

/* Move bytes from the UART into the ring while both have some. */
static void drain(void)
{
	while (ring_used() < RING_SIZE && (reg_read(UART_LSR) & UART_LSR_DR))
		ring[head++ % RING_SIZE] = (char)reg_read(UART_RBR);
}

/* Let the line in again once there is room for what it brings. */
static void rearm(void)
{
	if (!masked || ring_used() == RING_SIZE)
		return;
	masked = false;
	mneme_irq_ack(dev);
	drain();
}

/* Answer the waiting reader with up to @max bytes of the ring (some must be there). */
static void answer(uint64_t max)
{
	struct ulib_msg m = { .w = { 0 } };
	unsigned n = 0;

	while (n < max && ring_used())
		m.w[n / 8] |= (uint64_t)(uint8_t)ring[tail++ % RING_SIZE] << (8 * (n % 8)), n++;
	m.info = mneme_msginfo(n, 0, 0);
	ipc_reply(&m);
	rearm();
}

static int setup(uint64_t ep)
{
	struct ulib_msg in;
	int64_t st = ipc_recv(ep, &in);

	if (st || mneme_msginfo_label(in.info) != SERIAL_DEVICE ||
	    !(mneme_msginfo_flags(in.info) & MNEME_MSG_HANDLE)) {
		fprintf(stderr, "serial: expected the UART's device handle first (%s)\n",
			mneme_error_name(st));
		return -1;
	}
	dev = mneme_msginfo_slot(in.info);
	st = mneme_irq_bind(dev, ep, IRQ_BADGE);
	if (st) {
		fprintf(stderr, "serial: irq_bind: %s\n", mneme_strerror(st));
		return -1;
	}
	struct mneme_sysret r;
	mneme_device_read_r(&r, dev, UART_MCR);
	mneme_device_write(dev, UART_MCR, (r.r[1] & 0xff) | UART_MCR_OUT2);
	mneme_device_write(dev, UART_IER, UART_IER_RDI);
	drain();
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint64_t ep = ulib_start->handles[0];
	uint64_t want = 0;                 /* a reader waits for this many bytes at most */
	struct ulib_msg in;

	if (!ep || setup(ep))
		return 2;
	for (;;) {
		int64_t st = ipc_recv(ep, &in);
		if (st == -MNEME_EDEAD)
			return 0;          /* the parent and its endpoint are gone */
		uint32_t label = mneme_msginfo_label(in.info);
		if (label == MNEME_LABEL_IRQ && in.badge == IRQ_BADGE) {
			masked = true;
			drain();
			rearm();
		} else if (label == SERIAL_READ) {
			want = in.w[0] >= 1 && in.w[0] <= SERIAL_READ_MAX ? in.w[0] : 0;
			if (!want) {
				struct ulib_msg m = { .info = mneme_msginfo((uint32_t)-MNEME_EINVAL, 0, 0) };
				ipc_reply(&m);
				continue;
			}
		} else if (st == 0 && label != MNEME_LABEL_IRQ) {
			struct ulib_msg m = { .info = mneme_msginfo((uint32_t)-MNEME_ENOSYS, 0, 0) };
			ipc_reply(&m);          /* a send expects none: the core says ENOENT, fine */
			continue;
		}
		if (want && ring_used()) {
			answer(want);
			want = 0;
		}
	}
}

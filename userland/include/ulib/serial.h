/*
 * The console's input: the protocol of the user-mode serial driver
 * (userland/drivers/serial.c) and its client.
 *
 * The driver serves one endpoint, which its parent creates and hands it
 * at spawn (handles[0], with RECV): the parent first sends SERIAL_DEVICE
 * carrying the console UART's device handle (from the memory server's
 * device_open), then reads with SERIAL_READ calls.  The driver binds the
 * UART's interrupt to the same endpoint, so interrupts and requests
 * arrive in one queue.  When the parent dies its endpoint dies, and the
 * driver ends (EDEAD on its receive).
 *
 *   SERIAL_DEVICE  send; the transferred handle is the UART.  No reply.
 *   SERIAL_READ    call; w0 = most bytes wanted (1..SERIAL_READ_MAX).
 *                  Blocks until at least one byte came in.  Reply label:
 *                  the number of bytes (> 0) or -MNEME_E*; the bytes in
 *                  words 0..3, little-endian, in arrival order.
 */
#ifndef ULIB_SERIAL_H
#define ULIB_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_DEVICE   0x73720001u
#define SERIAL_READ     0x73720002u
#define SERIAL_READ_MAX 32

/* 16550 registers (byte offsets) and bits the driver uses. */
#define UART_RBR 0        /* receive buffer (read) */
#define UART_IER 1        /* interrupt enable */
#define UART_IIR 2        /* interrupt identification (read) */
#define UART_MCR 4
#define UART_LSR 5
#define UART_IER_RDI  0x01   /* received data available */
#define UART_MCR_OUT2 0x08   /* PC wiring: gates the UART's interrupt line */
#define UART_LSR_DR   0x01   /* a byte waits in RBR / the FIFO */

/*
 * Read up to @max (<= SERIAL_READ_MAX) bytes from the driver behind
 * endpoint @ep, blocking until there is at least one: the count, or
 * -MNEME_E* (-MNEME_EDEAD: the driver is gone).
 */
int64_t serial_read(uint64_t ep, char *buf, size_t max);

#endif

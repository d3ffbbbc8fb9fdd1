/*
 * The boot console: COM1, a 16550 UART at I/O port 0x3f8, 115200 8N1,
 * written by polling (no interrupts), so it works from any context.
 */
#include <arch/x86.h>

#define COM1 0x3f8
#define UART_THR 0   /* transmit holding register (DLAB 0) */
#define UART_RBR 0   /* receive buffer register (DLAB 0, read) */
#define UART_DLL 0   /* divisor latch low (DLAB 1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20

void x86_serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);         /* no interrupts */
	outb(COM1 + UART_LCR, 0x80);         /* DLAB: set the divisor */
	outb(COM1 + UART_DLL, 1);            /* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);         /* 8N1 */
	outb(COM1 + UART_FCR, 0xc7);         /* FIFOs on, cleared */
	outb(COM1 + UART_MCR, 0x03);         /* DTR, RTS */
	/*
	 * Input that came before this point is gone with the FIFO.  One read
	 * of RBR, now empty, tells the other end the port takes input again:
	 * QEMU's character multiplexer (the terminal shared with its monitor)
	 * holds what it buffered while the port was full until the guest
	 * reads RBR, and the serial driver, finding the FIFO empty, would
	 * never read it.  Here, and not in the driver, so that no byte kept
	 * since can be lost to it.
	 */
	(void)inb(COM1 + UART_RBR);
}

void arch_console_putc(char c)
{
	/* Bounded wait: a missing UART must not hang a panic path forever. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); i++)
		__asm__ volatile("pause");
	outb(COM1 + UART_THR, (uint8_t)c);
}

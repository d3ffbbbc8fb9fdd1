/*
 * printk: formatted output to the boot console.  The formatter is the
 * user runtime's vsnprintf (userland/lib/format.c), which the core builds
 * too, so the core and user space format alike; it serves both the
 * console and buffers, and the console path formats into a stack buffer
 * so a line reaches the serial port whole.
 */
#include <arch/arch.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <core/spinlock.h>

/* The one formatter of the system (userland/lib/format.c, built into the core too). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

int kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	return vsnprintf(buf, len, fmt, ap);
}

int ksnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * The console lock keeps lines of different CPUs from mixing.  A CPU that
 * already holds it (a trap dump while it printed) goes on without it, so
 * the last words of a dying core are never lost to a deadlock.
 */
static spinlock_t console_lock = SPINLOCK_INIT;
static uint32_t console_owner = ~0u;

static bool console_acquire(void)
{
	struct cpu *c = this_cpu();
	uint32_t me = c ? c->index : 0;

	if (READ_ONCE(console_owner) == me)
		return false;
	spin_lock(&console_lock);
	WRITE_ONCE(console_owner, me);
	return true;
}

static void console_release(bool locked)
{
	if (!locked)
		return;
	WRITE_ONCE(console_owner, ~0u);
	spin_unlock(&console_lock);
}

int vprintk(const char *fmt, va_list ap)
{
	char line[512];
	int n = kvsnprintf(line, sizeof(line), fmt, ap);
	unsigned long flags = arch_irq_save();
	bool locked = console_acquire();

	for (int i = 0; line[i]; i++) {
		if (line[i] == '\n')
			arch_console_putc('\r');
		arch_console_putc(line[i]);
	}
	console_release(locked);
	arch_irq_restore(flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	arch_irq_disable();
	printk("\nmneme: panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	arch_exit(CORE_EXIT_PANIC);
}

/*
 * printk: formatted output to the boot console.  One formatter,
 * kvsnprintf(), serves both the console and buffers; the console path
 * formats into a stack buffer so a line reaches the serial port whole.
 */
#include <arch/arch.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <core/spinlock.h>

struct out {
	char *buf;
	size_t len;
	size_t pos;
};

static void out_char(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_number(struct out *o, unsigned long long v, unsigned base, bool upper,
		       bool negative, int width, char pad, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + (negative ? 1 : 0);
	if (!left && pad == ' ')
		out_pad(o, ' ', width - len);
	if (negative)
		out_char(o, '-');
	if (!left && pad == '0')
		out_pad(o, '0', width - len);
	while (n)
		out_char(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', width - len);
}

static void out_string(struct out *o, const char *s, int width, bool left)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len])
		len++;
	if (!left)
		out_pad(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	if (left)
		out_pad(o, ' ', width - len);
}

static unsigned long long arg_unsigned(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, unsigned long long);
	if (lng == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static long long arg_signed(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, long long);
	if (lng == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

int kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = { buf, len, 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		bool left = false;
		char pad = ' ';
		int width = 0, lng = 0;
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				pad = '0';
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		switch (*fmt) {
		case 'c':
			out_char(&o, (char)va_arg(args, int));
			break;
		case 's':
			out_string(&o, va_arg(args, const char *), width, left);
			break;
		case 'd':
		case 'i': {
			long long v = arg_signed(&args, lng);
			out_number(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10,
				   false, v < 0, width, pad, left);
			break;
		}
		case 'u':
			out_number(&o, arg_unsigned(&args, lng), 10, false, false, width, pad, left);
			break;
		case 'x':
		case 'X':
			out_number(&o, arg_unsigned(&args, lng), 16, *fmt == 'X', false, width, pad, left);
			break;
		case 'p':
			out_string(&o, "0x", 0, false);
			out_number(&o, (uintptr_t)va_arg(args, void *), 16, false, false, 16, '0', false);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
	}
	va_end(args);
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return (int)o.pos;
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

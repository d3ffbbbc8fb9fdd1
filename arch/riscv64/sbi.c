/*
 * SBI calls: console output, extension probing and the timer.
 *
 * OpenSBI 1.1 (QEMU 7.2's default firmware and Debian 12's) implements
 * the legacy console putchar but not the DBCN extension, so the console
 * uses the legacy call everywhere.  The timer prefers the TIME extension
 * and falls back to the legacy set_timer call when it is missing.
 */
#include <arch/sbi.h>

static bool sbi_has_time;

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){ (long)r_a0, (long)r_a1 };
}

void sbi_console_putchar(char c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

bool sbi_probe_extension(unsigned long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, ext, 0, 0);

	return r.error == 0 && r.value != 0;
}

void sbi_init(void)
{
	sbi_has_time = sbi_probe_extension(SBI_EXT_TIME);
}

void sbi_set_timer(uint64_t when)
{
	if (sbi_has_time)
		sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
	else
		sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, when, 0, 0);
}

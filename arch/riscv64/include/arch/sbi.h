/*
 * Calls into the supervisor binary interface (OpenSBI): the console, the
 * timer and extension probing.  Only what the core uses.
 */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#include <stdbool.h>
#include <stdint.h>

#define SBI_EXT_LEGACY_SET_TIMER   0x00
#define SBI_EXT_LEGACY_PUTCHAR     0x01
#define SBI_EXT_BASE               0x10
#define SBI_EXT_TIME               0x54494D45

#define SBI_BASE_GET_SPEC_VERSION  0
#define SBI_BASE_GET_IMPL_ID       1
#define SBI_BASE_GET_IMPL_VERSION  2
#define SBI_BASE_PROBE_EXTENSION   3

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2);

/* Legacy console putchar (EID 0x01); works on every OpenSBI. */
void sbi_console_putchar(char c);

/* True if the firmware implements extension @ext (base extension probe). */
bool sbi_probe_extension(unsigned long ext);

/* Program the next timer interrupt at time-CSR value @when (TIME, else legacy). */
void sbi_set_timer(uint64_t when);

/* Probe the firmware once; call before sbi_set_timer(). */
void sbi_init(void);

#endif

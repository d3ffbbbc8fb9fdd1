/*
 * Calls into the supervisor binary interface (OpenSBI): the console, the
 * timer, extension probing, and for multiprocessing hart start/stop
 * (HSM), IPIs and remote fences (RFENCE).  Only what the core uses.
 */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>
#endif

#define SBI_EXT_LEGACY_SET_TIMER   0x00
#define SBI_EXT_LEGACY_PUTCHAR     0x01
#define SBI_EXT_LEGACY_SEND_IPI    0x04
#define SBI_EXT_LEGACY_SFENCE_VMA  0x06
#define SBI_EXT_LEGACY_SFENCE_VMA_ASID 0x07
#define SBI_EXT_BASE               0x10
#define SBI_EXT_TIME               0x54494D45
#define SBI_EXT_IPI                0x735049
#define SBI_EXT_RFENCE             0x52464E43
#define SBI_EXT_HSM                0x48534D

#define SBI_HSM_HART_START         0
#define SBI_HSM_HART_STOP          1
#define SBI_HSM_HART_GET_STATUS    2
#define SBI_HSM_STARTED            0     /* hart states */
#define SBI_HSM_STOPPED            1
#define SBI_HSM_START_PENDING      2
#define SBI_HSM_STOP_PENDING       3

#define SBI_RFENCE_SFENCE_VMA      1
#define SBI_RFENCE_SFENCE_VMA_ASID 2

#define SBI_ERR_FAILED             (-1)
#define SBI_ERR_NOT_SUPPORTED      (-2)
#define SBI_ERR_INVALID_PARAM      (-3)
#define SBI_ERR_DENIED             (-4)
#define SBI_ERR_INVALID_ADDRESS    (-5)
#define SBI_ERR_ALREADY_AVAILABLE  (-6)

#define SBI_BASE_GET_SPEC_VERSION  0
#define SBI_BASE_GET_IMPL_ID       1
#define SBI_BASE_GET_IMPL_VERSION  2
#define SBI_BASE_PROBE_EXTENSION   3

#ifndef __ASSEMBLER__
struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4);

/* Legacy console putchar (EID 0x01); works on every OpenSBI. */
void sbi_console_putchar(char c);

/* True if the firmware implements extension @ext (base extension probe). */
bool sbi_probe_extension(unsigned long ext);

/* Program the next timer interrupt at time-CSR value @when (TIME, else legacy). */
void sbi_set_timer(uint64_t when);

/* Probe the firmware once; call before sbi_set_timer() and the calls below. */
void sbi_init(void);

/* What sbi_init() found: HSM extension; IPI and RFENCE as extensions or legacy calls. */
bool sbi_has_hsm(void);
const char *sbi_ipi_kind(void);      /* "extension", "legacy" or NULL (none) */
const char *sbi_rfence_kind(void);

/* HSM: start @hartid at physical @start_pa with a1 = @opaque; its state; stop the caller. */
long sbi_hart_start(uint64_t hartid, uint64_t start_pa, uint64_t opaque);
long sbi_hart_status(uint64_t hartid);      /* SBI_HSM_* state, or a negative SBI error */
__attribute__((noreturn)) void sbi_hart_stop(void);

/*
 * Raise the supervisor software interrupt on the harts base + i for each
 * bit i of @mask.  Returns 0 or a negative SBI error.
 */
long sbi_send_ipi(unsigned long mask, unsigned long base);

/*
 * sfence.vma on the harts of @mask/@base for [start, start + size) of
 * @asid (every address space if !@use_asid; the whole space if @size is
 * ~0).  Returns once every one of them has fenced (see smp.c), 0 or a
 * negative SBI error.
 */
long sbi_remote_sfence_vma(unsigned long mask, unsigned long base, unsigned long start,
			   unsigned long size, unsigned long asid, bool use_asid);
#endif

#endif

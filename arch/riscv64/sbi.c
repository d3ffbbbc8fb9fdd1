/*
 * SBI calls: console output, extension probing, the timer, and for
 * multiprocessing hart start/stop (HSM), IPIs and remote fences.
 *
 * OpenSBI 1.1 (QEMU 7.2's default firmware and Debian 12's) implements
 * the legacy console putchar but not the DBCN extension, so the console
 * uses the legacy call everywhere.  The timer prefers the TIME extension
 * and falls back to the legacy set_timer call when it is missing.  IPIs
 * and remote fences prefer the IPI and RFENCE extensions (a hart mask
 * with a base: any hart id) and fall back to the legacy calls (a mask in
 * memory: hart ids below 64 only).  Hart start needs the HSM extension.
 */
#include <stddef.h>
#include <arch/sbi.h>

static bool sbi_has_time, sbi_has_ipi, sbi_has_rfence, sbi_hsm;
static bool sbi_legacy_ipi, sbi_legacy_rfence;

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a3 __asm__("a3") = a3;
	register unsigned long r_a4 __asm__("a4") = a4;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){ (long)r_a0, (long)r_a1 };
}

void sbi_console_putchar(char c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0, 0, 0);
}

bool sbi_probe_extension(unsigned long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, ext, 0, 0, 0, 0);

	return r.error == 0 && r.value != 0;
}

void sbi_init(void)
{
	sbi_has_time = sbi_probe_extension(SBI_EXT_TIME);
	sbi_has_ipi = sbi_probe_extension(SBI_EXT_IPI);
	sbi_has_rfence = sbi_probe_extension(SBI_EXT_RFENCE);
	sbi_hsm = sbi_probe_extension(SBI_EXT_HSM);
	sbi_legacy_ipi = sbi_probe_extension(SBI_EXT_LEGACY_SEND_IPI);
	sbi_legacy_rfence = sbi_probe_extension(SBI_EXT_LEGACY_SFENCE_VMA) &&
			    sbi_probe_extension(SBI_EXT_LEGACY_SFENCE_VMA_ASID);
}

void sbi_set_timer(uint64_t when)
{
	if (sbi_has_time)
		sbi_call(SBI_EXT_TIME, 0, when, 0, 0, 0, 0);
	else
		sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, when, 0, 0, 0, 0);
}

bool sbi_has_hsm(void)
{
	return sbi_hsm;
}

const char *sbi_ipi_kind(void)
{
	return sbi_has_ipi ? "extension" : sbi_legacy_ipi ? "legacy" : NULL;
}

const char *sbi_rfence_kind(void)
{
	return sbi_has_rfence ? "extension" : sbi_legacy_rfence ? "legacy" : NULL;
}

long sbi_hart_start(uint64_t hartid, uint64_t start_pa, uint64_t opaque)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_pa, opaque, 0, 0).error;
}

long sbi_hart_status(uint64_t hartid)
{
	struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0, 0, 0);

	return r.error ? r.error : r.value;
}

void sbi_hart_stop(void)
{
	sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0, 0);
	for (;;)                /* hart_stop returns only if it failed: park */
		__asm__ volatile("wfi");
}

/* The legacy calls take a mask of hart ids 0..63 in memory: convert, or fail. */
static bool legacy_mask(unsigned long mask, unsigned long base, unsigned long *out)
{
	if (base >= 64 || (base && (mask >> (64 - base))))
		return false;
	*out = mask << base;
	return true;
}

long sbi_send_ipi(unsigned long mask, unsigned long base)
{
	unsigned long legacy;

	if (sbi_has_ipi)
		return sbi_call(SBI_EXT_IPI, 0, mask, base, 0, 0, 0).error;
	if (!sbi_legacy_ipi || !legacy_mask(mask, base, &legacy))
		return SBI_ERR_NOT_SUPPORTED;
	return sbi_call(SBI_EXT_LEGACY_SEND_IPI, 0, (unsigned long)&legacy, 0, 0, 0, 0).error;
}

long sbi_remote_sfence_vma(unsigned long mask, unsigned long base, unsigned long start,
			   unsigned long size, unsigned long asid, bool use_asid)
{
	unsigned long legacy;

	if (sbi_has_rfence)
		return sbi_call(SBI_EXT_RFENCE,
				use_asid ? SBI_RFENCE_SFENCE_VMA_ASID : SBI_RFENCE_SFENCE_VMA, mask,
				base, start, size, asid).error;
	if (!sbi_legacy_rfence || !legacy_mask(mask, base, &legacy))
		return SBI_ERR_NOT_SUPPORTED;
	/* The legacy calls return their error in a0. */
	if (use_asid)
		return sbi_call(SBI_EXT_LEGACY_SFENCE_VMA_ASID, 0, (unsigned long)&legacy, start, size,
				asid, 0).error;
	return sbi_call(SBI_EXT_LEGACY_SFENCE_VMA, 0, (unsigned long)&legacy, start, size, 0, 0).error;
}

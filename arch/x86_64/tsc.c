/*
 * The TSC (arch_cycles()) and its rate, measured against PIT channel 2,
 * whose input clock is fixed at 1193182 Hz.
 *
 * Under emulation the guest CPU can stop for milliseconds at any moment,
 * even in the middle of a port access.  So the PIT is not polled for an
 * edge: its count is latched twice, about PIT_WINDOW apart, and each latch
 * command is bracketed by TSC reads.  The brackets bound the error of the
 * measurement; measurements are repeated until it is under
 * TSC_MAX_ERROR_PPM, or the best one is taken with a warning.
 */
#include <arch/x86.h>
#include <core/printk.h>

#define PIT_HZ            1193182u
#define PIT_CH2           0x42
#define PIT_CMD           0x43
#define PIT_CH2_MODE0     0xb0       /* channel 2, lo/hi byte, mode 0, binary */
#define PIT_CH2_LATCH     0x80       /* counter latch command, channel 2 */
#define PORT_B            0x61       /* bit 0: ch2 gate, bit 1: speaker, bit 5: OUT2 */
#define PORT_B_OUT2       0x20
/*
 * 20 ms of PIT clock; the count wraps after 55 ms, so a stall of up to
 * 35 ms of the emulator (a loaded host) is survived.  A tight bracket
 * still gives an error bound well under TSC_MAX_ERROR_PPM.
 */
#define PIT_WINDOW        23864u
#define TSC_TRIES         60
#define TSC_MAX_ERROR_PPM 500

uint64_t x86_tsc_hz;

/* A PIT count and the TSC at the moment it was latched (within ±slack/2). */
struct pit_sample {
	uint32_t count;
	uint64_t tsc;
	uint64_t slack;
};

/* Count down from 0xffff once, in mode 0 (OUT2 rises at zero). */
static void pit_start(void)
{
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
}

static void pit_sample(struct pit_sample *s)
{
	uint64_t t0 = arch_cycles();
	outb(PIT_CMD, PIT_CH2_LATCH);
	uint64_t t1 = arch_cycles();
	uint8_t lo = inb(PIT_CH2);
	uint8_t hi = inb(PIT_CH2);

	s->count = (uint32_t)hi << 8 | lo;
	s->tsc = t0 + (t1 - t0) / 2;
	s->slack = t1 - t0;
}

/*
 * One measurement.  Returns the TSC rate in Hz and its error bound in
 * *@ppm, or 0 if the PIT does not count or wrapped (a stall of > 35 ms).
 */
static uint64_t tsc_measure(uint64_t *ppm)
{
	struct pit_sample first, a, b;
	uint32_t i;

	pit_start();
	pit_sample(&first);
	/* Start from a count that is known to be counting (real PITs load on a clock edge). */
	for (i = 0, a = first; a.count == first.count && i < 1000000; i++)
		pit_sample(&a);
	for (i = 0, b = a; a.count - b.count < PIT_WINDOW && i < 100000000; i++) {
		pit_sample(&b);
		if (b.count > a.count)
			return 0;
	}
	if (a.count - b.count < PIT_WINDOW || (inb(PORT_B) & PORT_B_OUT2))
		return 0;
	uint64_t cycles = b.tsc - a.tsc;
	*ppm = (a.slack + b.slack) * 1000000 / cycles;
	return cycles * PIT_HZ / (a.count - b.count);
}

uint64_t x86_tsc_calibrate(void)
{
	uint64_t best = 0, best_ppm = ~0ull;

	for (int i = 0; i < TSC_TRIES && best_ppm > TSC_MAX_ERROR_PPM; i++) {
		uint64_t ppm, hz = tsc_measure(&ppm);
		if (hz && ppm < best_ppm) {
			best = hz;
			best_ppm = ppm;
		}
	}
	if (!best)
		panic("x86_64: PIT channel 2 does not count: cannot measure the TSC");
	if (best_ppm > TSC_MAX_ERROR_PPM)
		printk("mneme: x86_64: TSC rate uncertain by %llu ppm (busy host?)\n",
		       (unsigned long long)best_ppm);
	x86_tsc_hz = best;
	return best;
}

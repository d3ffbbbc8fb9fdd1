/*
 * The periodic timer: the local APIC timer (xAPIC, MMIO at
 * X86_FIXMAP_LAPIC) drives core_timer_tick().  Its rate is measured
 * against the TSC (tsc.c), with each APIC read bracketed by TSC reads and
 * the measurement repeated until the brackets are tight, since an
 * emulated CPU can stall at any moment.  The legacy 8259 PICs are moved
 * off the exception vectors and masked.
 */
#include <arch/x86.h>
#include <core/printk.h>

#define CALIBRATE_MS  10
#define CALIBRATE_TRIES 20

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LAPIC_SVR_ENABLE (1u << 8)
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)
#define LAPIC_DIV_16     0x3
#define APIC_BASE_ENABLE (1ull << 11)

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(uintptr_t)(X86_FIXMAP_LAPIC + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(X86_FIXMAP_LAPIC + reg) = v;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void io_delay(void)
{
	outb(0x80, 0);
}

/* Re-base the 8259s to X86_VEC_PIC_BASE (so a spurious IRQ 7 is no #DF) and mask all. */
static void pic_disable(void)
{
	static const uint8_t init[][2] = {
		{ PIC1_CMD, 0x11 }, { PIC2_CMD, 0x11 },                         /* ICW1 */
		{ PIC1_DATA, X86_VEC_PIC_BASE }, { PIC2_DATA, X86_VEC_PIC_BASE + 8 }, /* ICW2 */
		{ PIC1_DATA, 0x04 }, { PIC2_DATA, 0x02 },                       /* ICW3 */
		{ PIC1_DATA, 0x01 }, { PIC2_DATA, 0x01 },                       /* ICW4 */
		{ PIC1_DATA, 0xff }, { PIC2_DATA, 0xff },                       /* mask */
	};

	for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
		outb(init[i][0], init[i][1]);
		io_delay();
	}
}

/* The APIC timer's current count and the TSC at that read, with its bracket. */
static uint64_t lapic_tsc_sample(uint32_t *count, uint64_t *slack)
{
	uint64_t t0 = arch_cycles();
	*count = lapic_read(LAPIC_TIMER_CUR);
	uint64_t t1 = arch_cycles();

	*slack = t1 - t0;
	return t0 + (t1 - t0) / 2;
}

/*
 * One measurement of the APIC timer (divide 16) against the TSC over
 * about CALIBRATE_MS; returns counts per second, *@slack_ppm the
 * uncertainty in millionths.
 */
static uint64_t lapic_timer_sample(uint64_t *slack_ppm)
{
	uint32_t c0, c1;
	uint64_t s0, s1;

	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	uint64_t t0 = lapic_tsc_sample(&c0, &s0);
	while (arch_cycles() - t0 < x86_tsc_hz / (1000 / CALIBRATE_MS))
		__asm__ volatile("pause");
	uint64_t t1 = lapic_tsc_sample(&c1, &s1);
	lapic_write(LAPIC_TIMER_INIT, 0);
	uint64_t us = (t1 - t0) * 1000000 / x86_tsc_hz;
	*slack_ppm = (s0 + s1) * 1000000 / (t1 - t0);
	return us ? (uint64_t)(c0 - c1) * 1000000 / us : 0;
}

static uint64_t lapic_timer_calibrate(void)
{
	uint64_t best = 0, best_ppm = ~0ull;

	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | X86_VEC_TIMER);
	for (int i = 0; i < CALIBRATE_TRIES && best_ppm >= 1000; i++) {
		uint64_t ppm, rate = lapic_timer_sample(&ppm);
		if (ppm < best_ppm) {
			best = rate;
			best_ppm = ppm;
		}
	}
	if (best_ppm >= 1000)
		printk("mneme: x86_64: APIC timer rate uncertain by %llu ppm (busy host?)\n",
		       (unsigned long long)best_ppm);
	return best;
}

void arch_timer_init(uint32_t hz)
{
	if (!x86_cpu.apic)
		panic("x86_64: no local APIC");
	pic_disable();
	wrmsr(X86_MSR_APIC_BASE, rdmsr(X86_MSR_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | X86_VEC_SPURIOUS);
	if (!x86_tsc_hz)
		x86_tsc_calibrate();
	uint64_t per_sec = lapic_timer_calibrate();
	uint64_t count = per_sec / hz;
	if (!count || count > 0xffffffffu)
		panic("x86_64: APIC timer runs at %llu Hz, cannot tick at %u Hz",
		      (unsigned long long)per_sec, hz);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | X86_VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
	printk("mneme: x86_64: TSC %llu kHz, APIC timer %llu kHz (/16), %u Hz = %llu counts\n",
	       (unsigned long long)(x86_tsc_hz / 1000), (unsigned long long)(per_sec / 1000), hz,
	       (unsigned long long)count);
}

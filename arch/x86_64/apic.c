/*
 * The local APIC (xAPIC, MMIO at X86_FIXMAP_LAPIC: every CPU reaches its
 * own there): its id, interprocessor interrupts through the ICR, and the
 * periodic timer that drives core_timer_tick() on every CPU.
 *
 * The timer's rate is measured once, on the boot CPU, against the TSC
 * (tsc.c), with each APIC read bracketed by TSC reads and the
 * measurement repeated until the brackets are tight, since an emulated
 * CPU can stall at any moment; the other CPUs' timers run at the same
 * rate (one crystal clocks them all).  The legacy 8259 PICs are moved off
 * the exception vectors and masked, once.
 *
 * x2APIC mode is not used: QEMU 7.2's TCG has none, and xAPIC reaches
 * APIC ids up to 254 (smp.c leaves CPUs with larger ids parked).
 */
#include <arch/x86.h>
#include <core/printk.h>

#define CALIBRATE_MS  10
#define CALIBRATE_TRIES 20

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define LAPIC_ID         0x020
#define LAPIC_TPR        0x080
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0
#define LAPIC_ICR_LOW    0x300
#define LAPIC_ICR_HIGH   0x310
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LAPIC_SVR_ENABLE (1u << 8)
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)
#define LAPIC_DIV_16     0x3
#define APIC_BASE_ENABLE (1ull << 11)
#define ICR_BUSY         (1u << 12)     /* delivery status: send pending */

static uint64_t lapic_timer_hz;         /* counts per second at divide 16, from the boot CPU */

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

#define LAPIC_LVT_LINT0  0x350
#define LVT_EXTINT       (7u << 8)

void lapic_lint0_extint(void)
{
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
}

uint32_t x86_lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

/*
 * Write the ICR: destination @apic_id, command @low.  Interrupts are off
 * across the two writes (a handler sending an IPI in between would mix
 * the halves); the previous command must have left the ICR first.
 */
void x86_lapic_icr(uint32_t apic_id, uint32_t low)
{
	unsigned long irq = arch_irq_save();

	while (lapic_read(LAPIC_ICR_LOW) & ICR_BUSY)
		arch_cpu_relax();
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, low);
	arch_irq_restore(irq);
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

/* This CPU's local APIC on, accepting every priority, spurious interrupts on their vector. */
static void lapic_enable(void)
{
	wrmsr(X86_MSR_APIC_BASE, rdmsr(X86_MSR_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | X86_VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
}

void arch_timer_init(uint32_t hz)
{
	bool boot = !lapic_timer_hz;     /* the boot CPU comes first and measures */

	if (!x86_cpu.apic)
		panic("x86_64: no local APIC");
	if (boot)
		pic_disable();
	lapic_enable();
	if (boot) {
		if (!x86_tsc_hz)
			x86_tsc_calibrate();
		lapic_timer_hz = lapic_timer_calibrate();
	}
	uint64_t count = lapic_timer_hz / hz;
	if (!count || count > 0xffffffffu)
		panic("x86_64: APIC timer runs at %llu Hz, cannot tick at %u Hz",
		      (unsigned long long)lapic_timer_hz, hz);
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | X86_VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
	if (boot)
		printk("mneme: x86_64: TSC %llu kHz, APIC timer %llu kHz (/16), %u Hz = %llu counts\n",
		       (unsigned long long)(x86_tsc_hz / 1000),
		       (unsigned long long)(lapic_timer_hz / 1000), hz, (unsigned long long)count);
}

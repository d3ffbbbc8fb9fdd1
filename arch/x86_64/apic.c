/*
 * Time: the local APIC timer in periodic mode drives core_timer_tick();
 * the TSC is the cycle counter.  Both are measured against PIT channel 2,
 * whose input clock is fixed (1193182 Hz): gate on through port 0x61,
 * count down once in mode 0, and watch OUT2 (port 0x61 bit 5) go high.
 * The legacy 8259 PICs are moved off the exception vectors and masked.
 */
#include <arch/x86.h>
#include <core/printk.h>

#define PIT_HZ        1193182u
#define PIT_CH2       0x42
#define PIT_CMD       0x43
#define PIT_CH2_MODE0 0xb0            /* channel 2, lo/hi byte, mode 0, binary */
#define PORT_B        0x61            /* bit 0: ch2 gate, bit 1: speaker, bit 5: OUT2 */
#define CALIBRATE_MS  10

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

static uint64_t tsc_hz;

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

/* Start a one-shot countdown of CALIBRATE_MS on PIT channel 2. */
static void pit_start(void)
{
	uint32_t count = PIT_HZ / (1000 / CALIBRATE_MS);

	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
}

/* Wait for the countdown to end; false if OUT2 never rises (no PIT). */
static bool pit_wait(void)
{
	for (uint32_t i = 0; i < 100000000u; i++)
		if (inb(PORT_B) & 0x20)
			return true;
	return false;
}

uint64_t x86_tsc_calibrate(void)
{
	pit_start();
	uint64_t t0 = arch_cycles();
	if (!pit_wait())
		panic("x86_64: PIT channel 2 does not count: cannot measure the TSC");
	tsc_hz = (arch_cycles() - t0) * (1000 / CALIBRATE_MS);
	return tsc_hz;
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

/* Local APIC timer counts (divide 16) in CALIBRATE_MS. */
static uint32_t lapic_timer_measure(void)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | X86_VEC_TIMER);
	pit_start();
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	if (!pit_wait())
		panic("x86_64: PIT channel 2 does not count: cannot calibrate the APIC timer");
	uint32_t elapsed = 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	return elapsed;
}

void arch_timer_init(uint32_t hz)
{
	if (!x86_cpu.apic)
		panic("x86_64: no local APIC");
	pic_disable();
	wrmsr(X86_MSR_APIC_BASE, rdmsr(X86_MSR_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | X86_VEC_SPURIOUS);
	uint64_t per_sec = (uint64_t)lapic_timer_measure() * (1000 / CALIBRATE_MS);
	uint64_t count = per_sec / hz;
	if (!count || count > 0xffffffffu)
		panic("x86_64: APIC timer runs at %llu Hz, cannot tick at %u Hz",
		      (unsigned long long)per_sec, hz);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | X86_VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
	printk("mneme: x86_64: TSC %llu kHz, APIC timer %llu kHz (/16), %u Hz = %llu counts\n",
	       (unsigned long long)(tsc_hz / 1000), (unsigned long long)(per_sec / 1000), hz,
	       (unsigned long long)count);
}

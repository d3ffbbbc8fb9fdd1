/*
 * Device interrupts on riscv64 through the PLIC, and the devices the core
 * lends to user mode (arch_devices_init() & co., <arch/arch.h>): today
 * the device tree's first ns16550a UART (QEMU virt: 0x10000000, PLIC
 * source 10), whose input a user-mode driver owns (the core's own output
 * goes through OpenSBI's console, which writes the same UART polled).
 *
 * Routing.  The PLIC's contexts are its interrupts-extended pairs in
 * device-tree order: context i is (a hart's interrupt-controller phandle,
 * 9 for supervisor external or 11 for machine external).  The UART's
 * source gets priority 1 and is enabled in the boot hart's supervisor
 * context only (threshold 0), so it reaches the boot CPU, whose sie.SEIE
 * is set.  The handler claims the source: the PLIC then holds it (no
 * second interrupt of that source in any context) until the claim is
 * completed, which is arch_irq_unmask(), after the driver's ack; a
 * completion is a register write any hart may make.  The device's
 * registers are bytes at reg-shift 0 (QEMU's virt tree has no reg-shift).
 */
#include <arch/riscv.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/dt.h>
#include <core/printk.h>

#define PLIC_PRIORITY(src)     (4u * (src))
#define PLIC_ENABLE(ctx)       (0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx)    (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx)        (PLIC_THRESHOLD(ctx) + 4)
#define PLIC_S_EXTERNAL        9
#define UART_NR_REGS           8

extern struct dt_machine riscv_dt_machine;   /* boot.c: the tree arch_firmware_map() read */

struct riscv_irq_line {
	uint64_t regs;                /* the device's registers (physical) */
	uint32_t source;              /* PLIC source */
	uint32_t claimed;             /* claimed by the handler, not completed yet */
};

static struct riscv_irq_line lines[MNEME_MAX_DEVICES];
static unsigned nr_lines;
static uint64_t plic_base;
static uint32_t plic_ctx;         /* the boot hart's supervisor context */

static void plic_write(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)riscv_mmio(plic_base + off) = v;
}

static uint32_t plic_read(uint32_t off)
{
	return *(volatile uint32_t *)riscv_mmio(plic_base + off);
}

/* The boot hart's supervisor-external context of the PLIC, or -1 (why in *@why). */
static int boot_context(const struct dt_machine *m, const char **why)
{
	uint32_t ph = 0;

	for (uint32_t i = 0; i < m->nr_cpu_nodes && i < DT_MAX_CPUS; i++)
		if ((m->cpu[i].flags & DT_CPUF_REG_OK) && m->cpu[i].hartid == cpu_table[0].hwid)
			ph = m->cpu[i].intc_phandle;
	if (!ph) {
		*why = "the boot hart has no interrupt-controller phandle";
		return -1;
	}
	for (uint32_t j = 0; j < m->nr_plic_ctx; j++)
		if (m->plic_ctx[j].phandle == ph && m->plic_ctx[j].irq == PLIC_S_EXTERNAL)
			return (int)j;
	*why = "no PLIC context for the boot hart's supervisor mode";
	return -1;
}

/* Why the tree's UART and PLIC cannot be used, or NULL. */
static const char *check_tree(const struct dt_machine *m)
{
	if (!m->uart.present || !m->uart.has_reg || !m->uart.has_irq)
		return "no ns16550 UART with registers and an interrupt";
	if (!m->plic.present || !m->plic.has_reg)
		return "no PLIC";
	if (m->uart.irq == 0 || (m->plic_ndev && m->uart.irq > m->plic_ndev))
		return "the UART's interrupt is no PLIC source";
	if (m->uart.base + UART_NR_REGS > RISCV_MMIO_LIMIT ||
	    m->plic.base + m->plic.size > RISCV_MMIO_LIMIT || m->plic.size < PLIC_CLAIM(0) + 4)
		return "UART or PLIC outside the MMIO window";
	return NULL;
}

unsigned arch_devices_init(struct arch_device *out, unsigned max)
{
	const struct dt_machine *m = &riscv_dt_machine;
	const char *why = check_tree(m);
	int ctx = -1;

	if (!why)
		ctx = boot_context(m, &why);
	if (!why && m->plic.size < PLIC_CLAIM((uint32_t)ctx) + 4)
		why = "the boot hart's PLIC context lies outside the PLIC";
	if (!max || why) {
		if (why)
			printk("mneme: riscv64: no console device for user mode: %s\n", why);
		return 0;
	}
	plic_base = m->plic.base;
	plic_ctx = (uint32_t)ctx;
	uint32_t src = m->uart.irq;
	if (!riscv_mmio_map(m->uart.base) || !riscv_mmio_map(plic_base + PLIC_PRIORITY(src)) ||
	    !riscv_mmio_map(plic_base + PLIC_ENABLE(plic_ctx) + 4 * (src / 32)) ||
	    !riscv_mmio_map(plic_base + PLIC_CLAIM(plic_ctx))) {
		printk("mneme: riscv64: cannot map the UART's or the PLIC's registers\n");
		return 0;
	}
	plic_write(PLIC_PRIORITY(src), 1);
	plic_write(PLIC_THRESHOLD(plic_ctx), 0);
	lines[0] = (struct riscv_irq_line){ m->uart.base, src, 0 };
	nr_lines = 1;
	csr_set(sie, SIE_SEIE);
	printk("mneme: riscv64: %s at 0x%llx: PLIC source %u, context %u (hart %llu, supervisor)\n",
	       m->uart.compatible, (unsigned long long)m->uart.base, src, plic_ctx,
	       (unsigned long long)cpu_table[0].hwid);
	out[0] = (struct arch_device){ MNEME_DEVICE_UART_16550, src, UART_NR_REGS };
	return 1;
}

uint8_t arch_device_read(unsigned dev, unsigned reg)
{
	return *(volatile uint8_t *)riscv_mmio(lines[dev].regs + reg);
}

void arch_device_write(unsigned dev, unsigned reg, uint8_t value)
{
	*(volatile uint8_t *)riscv_mmio(lines[dev].regs + reg) = value;
}

void arch_irq_unmask(unsigned dev)
{
	struct riscv_irq_line *l = &lines[dev];
	uint32_t word = PLIC_ENABLE(plic_ctx) + 4 * (l->source / 32);

	/* Enabling is idempotent (one device per enable word today: no lock needed). */
	plic_write(word, plic_read(word) | 1u << (l->source % 32));
	if (__atomic_exchange_n(&l->claimed, 0, __ATOMIC_ACQ_REL))
		plic_write(PLIC_CLAIM(plic_ctx), l->source);
}

void riscv_external_interrupt(struct arch_regs *user)
{
	uint32_t src = plic_read(PLIC_CLAIM(plic_ctx));

	for (unsigned i = 0; i < nr_lines; i++) {
		if (src && lines[i].source == src) {
			__atomic_store_n(&lines[i].claimed, 1, __ATOMIC_RELEASE);
			core_device_irq(i, user);
			return;
		}
	}
	if (src)
		plic_write(PLIC_CLAIM(plic_ctx), src);   /* nobody's: complete at once */
}

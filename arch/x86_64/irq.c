/*
 * Device interrupts on x86_64 and the devices the core lends to user
 * mode (arch_devices_init() & co., <arch/arch.h>): today COM1, the 8250/
 * 16550 UART at I/O port 0x3f8 on ISA IRQ 4, whose input a user-mode
 * driver owns (the core keeps writing its own output there, polled).
 *
 * Routing.  With ACPI, the MADT's interrupt source overrides map the ISA
 * IRQ to a global system interrupt, and the I/O APIC serving that GSI
 * gets a redirection entry: vector X86_VEC_DEVICE + device, fixed
 * delivery to the boot CPU's APIC id, the override's polarity and
 * trigger mode (ISA's edge, active high by default), masked.  Without
 * ACPI (acpi=off, or no I/O APIC) the legacy 8259 PIC carries it: its
 * IRQ line is unmasked there and the vector is X86_VEC_PIC_BASE + irq.
 * The handler masks the line (redirection entry mask bit, or the PIC's
 * mask register), acknowledges (local APIC EOI, or the PIC's) and tells
 * the core; arch_irq_unmask() lets it in again after the driver's ack.
 * The I/O APIC's index/data pair and the PIC's mask register are
 * read-modify-written under irq_lock, from any CPU.
 */
#include <arch/acpi.h>
#include <arch/pgtable.h>
#include <arch/pte.h>
#include <arch/x86.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <core/spinlock.h>

#define COM1            0x3f8
#define COM1_ISA_IRQ    4
#define UART_NR_REGS    8

#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC_EOI         0x20

#define IOAPIC_REGSEL   0x00
#define IOAPIC_WIN      0x10
#define IOAPIC_VER      0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define RTE_MASKED      (1u << 16)
#define RTE_LEVEL       (1u << 15)
#define RTE_ACTIVE_LOW  (1u << 13)

enum irq_controller { IRQ_NONE = 0, IRQ_IOAPIC, IRQ_PIC };

struct x86_irq_line {
	uint8_t controller;           /* enum irq_controller */
	uint8_t pin;                  /* I/O APIC input, or PIC IRQ */
	uint16_t port;                /* the device's first I/O port */
};

static struct x86_irq_line lines[MNEME_MAX_DEVICES];
static unsigned nr_lines;
static spinlock_t irq_lock = SPINLOCK_INIT;

static uint32_t ioapic_read(uint32_t reg)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)X86_FIXMAP_IOAPIC;

	io[IOAPIC_REGSEL / 4] = reg;
	return io[IOAPIC_WIN / 4];
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)X86_FIXMAP_IOAPIC;

	io[IOAPIC_REGSEL / 4] = reg;
	io[IOAPIC_WIN / 4] = v;
}

/* Mask (or unmask) line @l; irq_lock held. */
static void line_mask(const struct x86_irq_line *l, bool masked)
{
	if (l->controller == IRQ_IOAPIC) {
		uint32_t lo = ioapic_read(IOAPIC_REDTBL(l->pin));
		ioapic_write(IOAPIC_REDTBL(l->pin), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
	} else if (l->controller == IRQ_PIC) {
		uint8_t m = inb(PIC1_DATA);
		outb(PIC1_DATA, masked ? m | (uint8_t)(1u << l->pin) : m & (uint8_t)~(1u << l->pin));
	}
}

/*
 * Route ISA IRQ @isa through the I/O APIC that serves its GSI (from the
 * MADT), to vector @vector on the boot CPU, masked: true if it could.
 */
static bool route_ioapic(unsigned isa, uint8_t vector, struct x86_irq_line *l, uint32_t *gsi)
{
	const struct acpi_root *root = x86_acpi_root();
	struct acpi_irq_routing r;
	struct acpi_table t;
	const void *madt = root ? acpi_find_table(root, ACPI_SIG_MADT, 0, &t) : NULL;
	const char *err = madt ? acpi_madt_routing(madt, t.header.length, &r) : "no MADT";

	x86_acpi_release();
	if (err) {
		if (root)
			printk("mneme: x86_64: no interrupt routing from the MADT: %s\n", err);
		return false;
	}
	*gsi = r.isa_gsi[isa];
	for (uint32_t i = 0; i < r.nr_ioapics; i++) {
		const struct acpi_ioapic *io = &r.ioapic[i];
		if (*gsi < io->gsi_base || (io->address & (PAGE_SIZE_4K - 1)))
			continue;
		x86_fixmap_set(X86_FIXMAP_IOAPIC, io->address,
			       PTE_W | PTE_PCD | PTE_PWT | PTE_G | (x86_cpu.nx ? PTE_NX : 0));
		uint32_t entries = ((ioapic_read(IOAPIC_VER) >> 16) & 0xff) + 1;
		if (*gsi - io->gsi_base >= entries)
			continue;
		uint16_t flags = r.isa_flags[isa];
		uint32_t lo = vector | RTE_MASKED;
		if (ACPI_INTI_POLARITY(flags) == 3)
			lo |= RTE_ACTIVE_LOW;
		if (ACPI_INTI_TRIGGER(flags) == 3)
			lo |= RTE_LEVEL;
		*l = (struct x86_irq_line){ IRQ_IOAPIC, (uint8_t)(*gsi - io->gsi_base), 0 };
		ioapic_write(IOAPIC_REDTBL(l->pin) + 1, (uint32_t)cpu_table[0].hwid << 24);
		ioapic_write(IOAPIC_REDTBL(l->pin), lo);
		printk("mneme: x86_64: ISA IRQ %u -> GSI %u: I/O APIC %u pin %u, vector 0x%x, %s, %s\n",
		       isa, *gsi, io->id, l->pin, vector, lo & RTE_LEVEL ? "level" : "edge",
		       lo & RTE_ACTIVE_LOW ? "active low" : "active high");
		return true;
	}
	printk("mneme: x86_64: no I/O APIC serves GSI %u\n", *gsi);
	return false;
}

unsigned arch_devices_init(struct arch_device *out, unsigned max)
{
	struct x86_irq_line l;
	uint32_t line;

	if (!max)
		return 0;
	if (route_ioapic(COM1_ISA_IRQ, X86_VEC_DEVICE, &l, &line)) {
		l.port = COM1;
	} else {
		/* The 8259s were remapped and masked at boot: IRQ 4 stays masked until bound. */
		l = (struct x86_irq_line){ IRQ_PIC, COM1_ISA_IRQ, COM1 };
		line = COM1_ISA_IRQ;
		lapic_lint0_extint();
		printk("mneme: x86_64: ISA IRQ %u through the 8259 PIC, vector 0x%x\n", COM1_ISA_IRQ,
		       X86_VEC_PIC_BASE + COM1_ISA_IRQ);
	}
	lines[0] = l;
	nr_lines = 1;
	out[0] = (struct arch_device){ MNEME_DEVICE_UART_16550, line, UART_NR_REGS };
	return 1;
}

uint8_t arch_device_read(unsigned dev, unsigned reg)
{
	return inb((uint16_t)(lines[dev].port + reg));
}

void arch_device_write(unsigned dev, unsigned reg, uint8_t value)
{
	outb((uint16_t)(lines[dev].port + reg), value);
}

void arch_irq_unmask(unsigned dev)
{
	spin_lock(&irq_lock);
	line_mask(&lines[dev], false);
	spin_unlock(&irq_lock);
}

/* The device a vector belongs to, or -1. */
static int device_of_vector(uint64_t v)
{
	for (unsigned i = 0; i < nr_lines; i++) {
		if (lines[i].controller == IRQ_IOAPIC && v == X86_VEC_DEVICE + i)
			return (int)i;
		if (lines[i].controller == IRQ_PIC && v == X86_VEC_PIC_BASE + lines[i].pin)
			return (int)i;
	}
	return -1;
}

bool x86_device_interrupt(uint64_t vector, struct arch_regs *user)
{
	int dev = device_of_vector(vector);

	if (dev < 0)
		return false;
	spin_lock(&irq_lock);
	line_mask(&lines[dev], true);
	spin_unlock(&irq_lock);
	if (lines[dev].controller == IRQ_IOAPIC)
		lapic_eoi();
	else
		outb(PIC1_CMD, PIC_EOI);
	core_device_irq((unsigned)dev, user);
	return true;
}

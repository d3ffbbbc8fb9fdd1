/*
 * Descriptor tables: each CPU's GDT (flat code/data segments for both
 * privilege levels, in the order syscall/sysret need, plus its TSS) and
 * TSS with its interrupt stacks, both in its struct arch_cpu; and the one
 * IDT all CPUs share, pointing every vector at trap.S.
 *
 * #DF, NMI and #MC run on their own IST stacks, so a kernel stack overflow
 * (a #PF that cannot push its frame becomes #DF) still produces a dump.
 * rsp0 of the TSS is the end of the current thread's register frame
 * (arch_set_current_regs): an interrupt or exception from user mode
 * pushes its frame straight into the thread control block.  The
 * breakpoint gate has DPL 3 so int3 works from user mode; every other
 * gate has DPL 0, so "int n" from user mode is a #GP, never a fake
 * interrupt.
 */
#include <arch/x86.h>
#include <core/cpu.h>

_Static_assert(sizeof(struct x86_tss) == 104, "TSS layout");
_Static_assert(X86_SEL_TSS / 8 + 1 < X86_GDT_ENTRIES, "GDT size");

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GATE_INTERRUPT 0x8e            /* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3      0x60            /* reachable by int3 from ring 3 */
#define TRAP_STUB_SIZE 16              /* trap.S aligns each stub to this */

static struct idt_gate idt[256];
extern char trap_stubs[];

static uint64_t tss_descriptor_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffull) | (base & 0xffffffull) << 16 | 0x89ull << 40 |
	       ((uint64_t)(limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
}

void x86_gdt_init(struct cpu *c, const uint64_t ist_top[X86_NR_IST])
{
	struct arch_cpu *a = &c->arch;
	uint64_t *gdt = a->gdt;
	struct desc_ptr p = { sizeof(a->gdt) - 1, (uint64_t)(uintptr_t)gdt };
	uint64_t tss = (uint64_t)(uintptr_t)&a->tss;

	/* Accessed bits preset, so loading a segment never writes the GDT. */
	gdt[0] = 0;
	gdt[X86_SEL_KCODE / 8] = 0x00af9b000000ffff;   /* L=1, DPL 0, execute/read */
	gdt[X86_SEL_KDATA / 8] = 0x00cf93000000ffff;   /* DPL 0, read/write */
	gdt[X86_SEL_UCODE32 / 8] = 0x00cffb000000ffff; /* 32-bit, DPL 3 (unused) */
	gdt[X86_SEL_UDATA / 8] = 0x00cff3000000ffff;   /* DPL 3, read/write */
	gdt[X86_SEL_UCODE / 8] = 0x00affb000000ffff;   /* L=1, DPL 3 */
	a->tss = (struct x86_tss){ 0 };
	for (int i = 0; i < X86_NR_IST; i++)
		a->tss.ist[i] = ist_top[i];
	a->tss.iomap_base = sizeof(a->tss);                    /* no I/O bitmap */
	gdt[X86_SEL_TSS / 8] = tss_descriptor_low(tss, sizeof(a->tss) - 1);
	gdt[X86_SEL_TSS / 8 + 1] = tss >> 32;

	__asm__ volatile("lgdt %0" : : "m"(p));
	/* Reload CS with a far return, the data segments directly. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 : : "i"(X86_SEL_KCODE), "i"(X86_SEL_KDATA) : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(X86_SEL_TSS));
	/* After the selector loads: loading GS may clear its base. */
	wrmsr(X86_MSR_GS_BASE, (uint64_t)(uintptr_t)c);
}

static void idt_set(unsigned vec, uint64_t handler, unsigned ist)
{
	struct idt_gate *g = &idt[vec];

	g->offset_low = handler & 0xffff;
	g->selector = X86_SEL_KCODE;
	g->ist = ist;
	g->type_attr = GATE_INTERRUPT;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_high = handler >> 32;
	g->reserved = 0;
}

void x86_idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p));
}

void x86_idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, (uint64_t)(uintptr_t)(trap_stubs + v * TRAP_STUB_SIZE), 0);
	idt[2].ist = X86_IST_NMI;
	idt[8].ist = X86_IST_DF;
	idt[18].ist = X86_IST_MC;
	idt[3].type_attr |= GATE_DPL3;
	x86_idt_load();
}

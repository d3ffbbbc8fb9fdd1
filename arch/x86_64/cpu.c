/*
 * CPU features (CPUID) and the protection bits the core turns on from
 * them: EFER.NXE, CR0.WP, CR4.PGE, CR4.SMEP, CR4.SMAP, CR4.UMIP.  x86_cpu holds the
 * boot CPU's features; every CPU turns on the same bits (smp.c checks an
 * application processor has them first).
 */
#include <arch/x86.h>
#include <core/printk.h>

struct x86_cpu_features x86_cpu;

void x86_cpu_detect(struct x86_cpu_features *f)
{
	uint32_t r[4], max, max_ext;

	*f = (struct x86_cpu_features){ 0 };
	x86_cpuid(0, 0, r);
	max = r[0];
	x86_cpuid(1, 0, r);
	f->pge = r[3] & (1u << 13);
	f->apic = r[3] & (1u << 9);
	f->pcid = r[2] & (1u << 17);
	if (max >= 7) {
		x86_cpuid(7, 0, r);
		f->smep = r[1] & (1u << 7);
		f->smap = r[1] & (1u << 20);
		f->invpcid = r[1] & (1u << 10);
		f->umip = r[2] & (1u << 2);
	}
	x86_cpuid(0x80000000, 0, r);
	max_ext = r[0];
	if (max_ext >= 0x80000001) {
		x86_cpuid(0x80000001, 0, r);
		f->nx = r[3] & (1u << 20);
		f->pdpe1gb = r[3] & (1u << 26);
	}
	f->phys_bits = 36;
	f->virt_bits = 48;
	if (max_ext >= 0x80000008) {
		x86_cpuid(0x80000008, 0, r);
		f->phys_bits = r[0] & 0xff;
		f->virt_bits = (r[0] >> 8) & 0xff;
	}
}

static const char *on_off(bool b)
{
	return b ? "on" : "off";
}

void x86_cpu_protection_on(void)
{
	uint64_t cr4 = read_cr4();

	if (x86_cpu.nx)
		wrmsr(X86_MSR_EFER, rdmsr(X86_MSR_EFER) | X86_EFER_NXE);
	write_cr0(read_cr0() | X86_CR0_WP);
	if (x86_cpu.pge)
		cr4 |= X86_CR4_PGE;
	if (x86_cpu.smep)
		cr4 |= X86_CR4_SMEP;
	if (x86_cpu.smap)
		cr4 |= X86_CR4_SMAP;
	if (x86_cpu.umip)
		cr4 |= X86_CR4_UMIP;      /* user mode cannot read the core's table addresses */
	write_cr4(cr4);
}

void x86_cpu_enable_protection(void)
{
	x86_cpu_protection_on();
	printk("mneme: x86_64: NX %s, SMEP %s, SMAP %s, UMIP %s, 1G pages %s, PCID %s, INVPCID %s\n",
	       on_off(x86_cpu.nx), on_off(x86_cpu.smep), on_off(x86_cpu.smap), on_off(x86_cpu.umip),
	       on_off(x86_cpu.pdpe1gb), on_off(x86_cpu.pcid), on_off(x86_cpu.invpcid));
}

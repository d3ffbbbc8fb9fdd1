/*
 * x86_64 built-in tests: the live page tables after arch_mmu_init() (W^X
 * image, NX direct map with large pages, no identity map), the protection
 * bits, and a handled breakpoint trap.
 */
#include <arch/pgtable.h>
#include <arch/x86.h>
#include <core/core.h>
#include <core/ktest.h>
#include <core/printk.h>

static const char rodata_probe[] = "rodata probe";
static volatile uint64_t data_probe = 0x1234;
static uint64_t bss_probe;

static uint64_t lookup(const void *va, uint64_t *size)
{
	return x86_pt_lookup(&x86_kernel_pt, (uint64_t)(uintptr_t)va, size);
}

static uint64_t nx_bit(void)
{
	return x86_cpu.nx ? PTE_NX : 0;
}

KTEST(x86_paging, text_is_rx)
{
	uint64_t size = 0, e = lookup((const void *)x86_trap, &size);

	KEXPECT(t, e & PTE_P);
	KEXPECT(t, !(e & PTE_W));
	KEXPECT(t, !(e & PTE_NX));
	KEXPECT(t, !(e & PTE_U));
	KEXPECT_EQ(t, size, PAGE_SIZE_4K);
	KEXPECT_EQ(t, e & PTE_ADDR, x86_image_phys((const void *)x86_trap) & PTE_ADDR);
}

KTEST(x86_paging, rodata_is_r_nx)
{
	uint64_t size = 0, e = lookup(rodata_probe, &size);

	KEXPECT(t, (uintptr_t)rodata_probe >= (uintptr_t)__rodata_start &&
		   (uintptr_t)rodata_probe < (uintptr_t)__rodata_end);
	KEXPECT(t, e & PTE_P);
	KEXPECT(t, !(e & PTE_W));
	KEXPECT_EQ(t, e & PTE_NX, nx_bit());
	KEXPECT_EQ(t, size, PAGE_SIZE_4K);
}

KTEST(x86_paging, data_and_bss_are_rw_nx)
{
	const void *probes[] = { (const void *)&data_probe, &bss_probe, boot_stack_top - 8 };

	for (unsigned i = 0; i < 3; i++) {
		uint64_t size = 0, e = lookup(probes[i], &size);
		KEXPECT(t, e & PTE_P);
		KEXPECT(t, e & PTE_W);
		KEXPECT_EQ(t, e & PTE_NX, nx_bit());
		KEXPECT_EQ(t, size, PAGE_SIZE_4K);
	}
}

KTEST(x86_paging, stack_guard_unmapped)
{
	uint64_t size;

	KEXPECT_EQ(t, lookup(boot_stack_guard, &size), 0);
	KEXPECT(t, lookup(boot_stack_guard + PAGE_SIZE_4K, &size) & PTE_P);
}

KTEST(x86_paging, sections_page_aligned)
{
	KEXPECT_EQ(t, (uintptr_t)__text_start & (PAGE_SIZE_4K - 1), 0);
	KEXPECT_EQ(t, (uintptr_t)__rodata_start & (PAGE_SIZE_4K - 1), 0);
	KEXPECT_EQ(t, (uintptr_t)__data_start & (PAGE_SIZE_4K - 1), 0);
	KEXPECT_EQ(t, (uintptr_t)__image_end & (PAGE_SIZE_4K - 1), 0);
	KEXPECT_EQ(t, (uintptr_t)__image_start, ARCH_KERNEL_VIRT_BASE);
}

/*
 * Check the direct map over one run of RAM [base, end): every page mapped
 * RW+NX to the right frame, and every @page-aligned piece of size @page
 * inside the run mapped by a leaf at least that large.  Returns failures.
 */
static int check_ram_run(uint64_t base, uint64_t end, uint64_t page)
{
	int bad = 0;
	uint64_t size;

	for (uint64_t pa = base & ~(PAGE_SIZE_4K - 1); pa < end; pa += size) {
		uint64_t e = x86_pt_lookup(&x86_kernel_pt, X86_DIRECT_MAP_BASE + pa, &size);
		bool image = pa >= x86_image_phys(__image_start) && pa < x86_image_phys(__image_end);
		if (!(e & PTE_P) || !!(e & PTE_W) == image || (e & PTE_NX) != nx_bit() ||
		    (e & PTE_ADDR) != (pa & ~(size - 1))) {
			bad++;
			size = PAGE_SIZE_4K;
			continue;
		}
		/* Large pages wherever possible; the image's frames are the exception. */
		if (!(pa & (page - 1)) && pa + page <= end && size < page &&
		    !(pa < x86_image_phys(__image_end) && pa + page > x86_image_phys(__image_start)))
			bad++;
		size -= pa & (size - 1);          /* to the end of this leaf */
	}
	return bad;
}

KTEST(x86_paging, direct_map_large_nx)
{
	const struct mneme_boot_info *bi = &boot_info;
	uint64_t page = x86_cpu.pdpe1gb ? PAGE_SIZE_1G : PAGE_SIZE_2M;
	int bad = 0, runs = 0;

	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		if (!x86_direct_mapped(&bi->ranges[i]))
			continue;
		uint64_t base = bi->ranges[i].base, end = base + bi->ranges[i].size;
		while (i + 1 < bi->nr_ranges && bi->ranges[i + 1].base == end &&
		       x86_direct_mapped(&bi->ranges[i + 1]))
			end += bi->ranges[++i].size;
		bad += check_ram_run(base, end, page);
		bad += check_ram_run(base, end, PAGE_SIZE_2M);
		runs++;
	}
	KEXPECT(t, runs > 0);
	KEXPECT_EQ(t, bad, 0);
}

KTEST(x86_paging, direct_map_aliases_image)
{
	const volatile uint64_t *alias = phys_to_virt(x86_image_phys((const void *)&data_probe));
	uint64_t size, e = x86_pt_lookup(&x86_kernel_pt, (uint64_t)(uintptr_t)alias, &size);

	KEXPECT(t, e & PTE_P);
	KEXPECT(t, !(e & PTE_W));                   /* no writable alias of the image */
	KEXPECT_EQ(t, e & PTE_NX, nx_bit());

	KEXPECT_EQ(t, *alias, 0x1234);
	data_probe = 0x5678;
	KEXPECT_EQ(t, *alias, 0x5678);
	data_probe = 0x1234;
}

KTEST(x86_paging, identity_map_gone)
{
	uint64_t size;

	KEXPECT_EQ(t, x86_pt_lookup(&x86_kernel_pt, boot_info.core_phys_base, &size), 0);
	KEXPECT_EQ(t, x86_pt_lookup(&x86_kernel_pt, x86_image_phys((const void *)x86_trap), &size), 0);
	KEXPECT_EQ(t, x86_pt_lookup(&x86_kernel_pt, x86_kernel_pt.root, &size), 0);
	KEXPECT_EQ(t, x86_pt_lookup(&x86_kernel_pt, 0, &size), 0);
	KEXPECT_EQ(t, read_cr3() & PTE_ADDR, x86_kernel_pt.root);
}

KTEST(x86_paging, lapic_uncached)
{
	uint64_t size = 0, e = x86_pt_lookup(&x86_kernel_pt, X86_FIXMAP_LAPIC, &size);

	KEXPECT(t, e & PTE_P);
	KEXPECT(t, e & PTE_PCD);
	KEXPECT_EQ(t, e & PTE_NX, nx_bit());
	KEXPECT_EQ(t, size, PAGE_SIZE_4K);
}

KTEST(x86_paging, protection_enabled)
{
	uint64_t cr4 = read_cr4();

	KEXPECT(t, x86_cpu.nx);                     /* every x86_64 CPU QEMU models has it */
	KEXPECT(t, rdmsr(X86_MSR_EFER) & X86_EFER_NXE);
	KEXPECT(t, read_cr0() & X86_CR0_WP);
	KEXPECT_EQ(t, !!(cr4 & X86_CR4_SMEP), x86_cpu.smep);
	KEXPECT_EQ(t, !!(cr4 & X86_CR4_SMAP), x86_cpu.smap);
	KEXPECT_EQ(t, !!(cr4 & X86_CR4_UMIP), x86_cpu.umip);
	KEXPECT_EQ(t, !!(cr4 & X86_CR4_PGE), x86_cpu.pge);
}

KTEST(x86_trap, breakpoint_handled)
{
	uint64_t before = x86_breakpoints;

	__asm__ volatile("int3" ::: "memory");
	KEXPECT_EQ(t, x86_breakpoints, before + 1);
	__asm__ volatile("int3; int3" ::: "memory");
	KEXPECT_EQ(t, x86_breakpoints, before + 3);
}

KTEST(x86_trap, registers_survive_trap)
{
	uint64_t a = 0x1111111111111111, b = 0x2222222222222222, c = 0x3333333333333333;

	__asm__ volatile("int3" : "+r"(a), "+r"(b), "+r"(c) : : "memory");
	KEXPECT_EQ(t, a, 0x1111111111111111);
	KEXPECT_EQ(t, b, 0x2222222222222222);
	KEXPECT_EQ(t, c, 0x3333333333333333);
}

KTEST(x86_time, tsc_measured_and_advancing)
{
	uint64_t t0 = arch_cycles();
	uint64_t t1 = arch_cycles();

	KEXPECT(t, t1 > t0);
	KEXPECT(t, boot_info.timer_hz >= 1000000);   /* at least 1 MHz */
}

KTEST(x86_paging, isa_bios_area_mapped)
{
	uint64_t size;
	/* SeaBIOS's BIOS area: the reserved range at 0xf0000 (RSDP lives there) is RAM. */
	uint64_t e = x86_pt_lookup(&x86_kernel_pt, X86_DIRECT_MAP_BASE + 0xf0000, &size);
	bool described = false;

	/* UEFI's map leaves the ISA range out altogether: then nothing is mapped there. */
	for (uint32_t i = 0; i < boot_info.nr_ranges; i++)
		described |= boot_info.ranges[i].base <= 0xf0000 &&
			     boot_info.ranges[i].base + boot_info.ranges[i].size > 0xf0000;
	KEXPECT(t, described ? (e & PTE_P) != 0 : e == 0);
	/* The PCIe/flash reservations stay out: the BIOS flash just below 4 GiB. */
	KEXPECT_EQ(t, x86_pt_lookup(&x86_kernel_pt, X86_DIRECT_MAP_BASE + 0xfffff000, &size), 0);
}

/*
 * The local APIC timer against the TSC, robust on a loaded host.  QEMU
 * delivers a tick at or after its scheduled time, never before, and drops
 * ticks it could not deliver in time (the next one keeps the schedule).
 * So the checks are strict only in the direction QEMU cannot err:
 *  - fast timer: the TSC between the first and the last of
 *    TIMER_TEST_TICKS (or one more) observed ticks is at least TIMER_TEST_TICKS - 3
 *    periods (each later tick needs a schedule boundary of its own after
 *    the one before, except one left pending while the vCPU was off the
 *    host CPU, and the first boundary may follow closely);
 *  - slow timer: the median interval between two consecutive ticks is
 *    under 1.5 periods (a late tick lengthens one interval and shortens
 *    the next, a dropped one doubles one: half of them would have to be
 *    disturbed), and the whole run takes under 4 periods a tick.
 * A dead timer fails the bounded waits.
 */
#define TIMER_TEST_TICKS 40

static uint64_t median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)   /* insertion sort: n is small */
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n ? v[n / 2] : UINT64_MAX;
}

KTEST(x86_time, timer_rate_matches_tsc)
{
	uint64_t period = boot_info.timer_hz / CORE_TIMER_HZ, gaps[TIMER_TEST_TICKS];
	uint64_t start = core_ticks(), first, last, t0, prev;
	unsigned ngaps = 0;

	/* Bounded waits: a dead timer fails the test instead of hanging it. */
	for (int i = 0; i < 100000 && core_ticks() == start; i++)
		arch_wait_for_interrupt();               /* align to a tick edge */
	t0 = prev = arch_cycles();
	first = last = core_ticks();
	for (int i = 0; i < 1000000 && last - first < TIMER_TEST_TICKS; i++) {
		arch_wait_for_interrupt();
		uint64_t now = core_ticks(), tsc = arch_cycles();
		if (now == last)
			continue;
		if (now - last == 1 && ngaps < TIMER_TEST_TICKS)
			gaps[ngaps++] = tsc - prev;
		last = now;
		prev = tsc;
	}
	uint64_t elapsed = prev - t0, mid = median(gaps, ngaps), ticks = last - first;

	/*
	 * Two ticks can land between two looks (one left pending while the
	 * vCPU was off the host CPU, and the next on schedule): the loop may
	 * end one past the count, never more, never short of it.
	 */
	KEXPECT(t, ticks == TIMER_TEST_TICKS || ticks == TIMER_TEST_TICKS + 1);
	/* 5% for the boot-time TSC calibration.  A loaded host can only make
	 * ticks late (QEMU's timer follows host time without -icount), never
	 * early, so "not too fast" holds everywhere ... */
	KEXPECT(t, elapsed > (TIMER_TEST_TICKS - 3) * period * 95 / 100);
	/* ... while "not too slow" is exact only where time is virtual: the
	 * timer.icount boot test runs under -icount with "timer_strict". */
	if (cmdline_has("timer_strict")) {
		KEXPECT_EQ(t, ticks, TIMER_TEST_TICKS);
		KEXPECT(t, mid < period * 3 / 2);
		KEXPECT(t, elapsed < TIMER_TEST_TICKS * period * 4);
	}
	printk("# x86_time: %llu ticks in %llu TSC cycles (period %llu), median interval %llu\n",
	       (unsigned long long)ticks, (unsigned long long)elapsed, (unsigned long long)period,
	       (unsigned long long)mid);
}

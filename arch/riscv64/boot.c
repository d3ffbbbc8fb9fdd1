/*
 * riscv64 boot: the C side of the entry, the console, the exit device and
 * the firmware memory map from the device tree.
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <arch/sbi.h>
#include <core/core.h>
#include <core/dt.h>
#include <core/memmap.h>
#include <core/printk.h>
#include <mneme/error.h>

uint64_t riscv_satp_mode;
uint64_t riscv_boot_satp;
uint64_t riscv_kernel_pa;
uint64_t riscv_boot_hart;
uint64_t riscv_dtb_pa;
extern uint64_t riscv_exit_device_pa;

struct dt_machine riscv_dt_machine;   /* ~8.5 KiB: too big for the boot stack; smp.c reads /cpus */

/* OpenSBI's console turns "\n" into "\r\n" itself: drop printk's own "\r". */
void arch_console_putc(char c)
{
	if (c != '\r')
		sbi_console_putchar(c);
}

/*
 * Until arch_mmu_init() the boot tables map physical gigabyte 0 into the
 * MMIO window, so the exit device works from the first instruction in C.
 */
void arch_exit(int code)
{
	volatile uint32_t *test = riscv_mmio(riscv_exit_device_pa);

	arch_irq_disable();
	*test = code == CORE_EXIT_PASS ? 0x5555 : 0x3333 | (uint32_t)code << 16;
	for (;;)
		arch_wait_for_interrupt();
}

/* Called by entry.S in the higher half, on the boot stack, with the real trap vector. */
__attribute__((noreturn)) void riscv_boot(uint64_t hart, uint64_t dtb_pa)
{
	riscv_boot_hart = hart;
	riscv_dtb_pa = dtb_pa;
	sbi_init();
	printk("\nmneme: riscv64 entry: hart %llu, device tree at 0x%llx, image at 0x%llx, boot tables %s\n",
	       (unsigned long long)hart, (unsigned long long)dtb_pa,
	       (unsigned long long)riscv_kernel_pa,
	       riscv_satp_mode == SATP_MODE_SV48 ? "Sv48" : "Sv39");
	core_main();
}

/* Print what the device tree says, before sanitising, the Linux way. */
static void dt_print(const struct dt_machine *m)
{
	printk("Device-tree memory map:\n");
	for (uint32_t i = 0; i < m->nr_mem; i++)
		printk("  dt: [mem 0x%016llx-0x%016llx] usable\n", (unsigned long long)m->mem[i].base,
		       (unsigned long long)(m->mem[i].base + m->mem[i].size - 1));
	for (uint32_t i = 0; i < m->nr_resv; i++)
		printk("  dt: [mem 0x%016llx-0x%016llx] reserved%s %s\n",
		       (unsigned long long)m->resv[i].base,
		       (unsigned long long)(m->resv[i].base + m->resv[i].size - 1),
		       m->resv[i].flags & DT_RESV_NOMAP ? " (no-map)" : "",
		       m->resv[i].flags & DT_RESV_MEMRESERVE ? "/memreserve/" : m->resv[i].name);
}

/* Reserve [@base, @base + @size), widened to whole pages, as the core's. */
static int reserve_boot_data(struct mneme_boot_info *bi, uint64_t base, uint64_t size)
{
	uint64_t start = base & ~(PAGE_SIZE - 1);
	uint64_t end = (base + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	return memmap_reserve(bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES, start,
			      end - start, MNEME_MEM_CORE);
}

/* The part of the boot tables' direct map that holds the blob: its gigabyte and the next. */
static uint64_t dtb_mapped_bytes(uint64_t pa)
{
	uint64_t end = (pa & ~((1ull << 30) - 1)) + (2ull << 30);

	if (pa >= RISCV_DIRECT_MAP_LIMIT)
		return 0;
	if (end > RISCV_DIRECT_MAP_LIMIT)
		end = RISCV_DIRECT_MAP_LIMIT;
	return end - pa;
}

static int dt_load(struct dt_machine *m, uint32_t *totalsize)
{
	uint64_t avail = dtb_mapped_bytes(riscv_dtb_pa);
	const void *blob = phys_to_virt(riscv_dtb_pa);
	int err;

	if (!riscv_dtb_pa || (riscv_dtb_pa & 7) || !avail) {
		printk("mneme: riscv64: no usable device-tree address (0x%llx)\n",
		       (unsigned long long)riscv_dtb_pa);
		return -MNEME_EINVAL;
	}
	err = dt_check_header(blob, avail, totalsize);
	if (err) {
		printk("mneme: riscv64: device tree at 0x%llx: bad header: %s\n",
		       (unsigned long long)riscv_dtb_pa, dt_strerror(err));
		return err;
	}
	err = dt_parse_memory(blob, *totalsize, m);
	if (err) {
		printk("mneme: riscv64: device tree at 0x%llx: %s (%s, offset %u)\n",
		       (unsigned long long)riscv_dtb_pa, dt_strerror(err),
		       m->error ? m->error : "?", m->error_offset);
		return err;
	}
	return 0;
}

static void boot_info_machine(struct mneme_boot_info *bi, const struct dt_machine *m)
{
	uint32_t i;

	for (i = 0; i + 1 < MNEME_BOOTINFO_CMDLINE && m->bootargs[i]; i++)
		bi->cmdline[i] = m->bootargs[i];
	bi->cmdline[i] = '\0';
	if (m->has_initrd && m->initrd_end > m->initrd_start) {
		bi->initrd_base = m->initrd_start;
		bi->initrd_size = m->initrd_end - m->initrd_start;
	}
	bi->arch = MNEME_ARCH_RISCV64;
	bi->nr_cpus = m->nr_cpus ? m->nr_cpus : 1;
	bi->timer_hz = m->timebase_frequency;
	bi->phys_addr_bits = 56;
	bi->huge_page_sizes = (1ull << 21) | (1ull << 30);
	if (m->test.present && m->test.has_reg && m->test.base < RISCV_MMIO_LIMIT)
		riscv_exit_device_pa = m->test.base;
	else
		printk("mneme: riscv64: no sifive,test device below 1 GiB in the device tree, "
		       "assuming 0x%llx\n", (unsigned long long)riscv_exit_device_pa);
}

/*
 * The final paging mode: Sv48 where the hart took it, unless "no4lvl" is
 * on the command line (Linux's option; also how the Sv39 path is tested).
 */
static void paging_mode_select(struct mneme_boot_info *bi)
{
	if (riscv_satp_mode == SATP_MODE_SV48 && cmdline_has("no4lvl"))
		riscv_satp_mode = SATP_MODE_SV39;
	if (riscv_satp_mode == SATP_MODE_SV48) {
		bi->virt_addr_bits = 47;
		riscv_user_top = 1ull << 47;
		bi->huge_page_sizes |= 1ull << 39;
	} else {
		bi->virt_addr_bits = 38;
		riscv_user_top = 1ull << 38;
	}
}

int arch_firmware_map(struct mneme_boot_info *bi)
{
	struct dt_machine *m = &riscv_dt_machine;
	uint32_t totalsize;
	int err = dt_load(m, &totalsize);

	if (err)
		return err;
	dt_print(m);
	boot_info_machine(bi, m);
	paging_mode_select(bi);
	if (!bi->timer_hz) {
		printk("mneme: riscv64: device tree has no /cpus/timebase-frequency\n");
		return -MNEME_ECORRUPT;
	}
	err = dt_to_memmap(m, bi->ranges, &bi->nr_ranges, MNEME_BOOTINFO_MAX_RANGES);
	if (!err)
		err = reserve_boot_data(bi, riscv_dtb_pa, totalsize);
	if (!err && bi->initrd_size) {
		printk("mneme: riscv64: initrd [mem 0x%016llx-0x%016llx] kept as core\n",
		       (unsigned long long)bi->initrd_base,
		       (unsigned long long)(bi->initrd_base + bi->initrd_size - 1));
		err = reserve_boot_data(bi, bi->initrd_base, bi->initrd_size);
	}
	if (err)
		printk("mneme: riscv64: device-tree memory map does not fit (%s)\n", dt_strerror(err));
	return err;
}

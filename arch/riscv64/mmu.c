/*
 * The core's final page tables (arch_mmu_init).
 *
 * The entry code left the hart in Sv48 or Sv39 (whichever it took) on
 * boot tables made of 1 GiB leaves.  Here the final tables are built in
 * the same mode from bootmem frames, reached through the boot tables'
 * direct map of the kernel's gigabyte, and switched to:
 *   - the direct map of every RAM range of the sanitised map, NOMAP
 *     ranges excluded (OpenSBI's PMP-protected region must not even be
 *     mapped), with the largest leaves alignment allows, RW and never X:
 *     in the boot window (RAM below 192 GiB) in both modes, and under
 *     Sv48 also at RISCV_DIRECT_MAP_SV48 (RAM below 64 TiB), which then
 *     becomes ARCH_DIRECT_MAP_BASE;
 *   - the core image in 4 KiB pages, W^X per section, the guard pages of
 *     the kernel stacks left unmapped;
 *   - the exit device's page in the MMIO window.
 * There is no identity map in the final tables.  Everything is global
 * (G): the core half will be shared by every address space.
 *
 * Later, before any address space exists, the other harts' kernel
 * stacks are mapped into the stack window (riscv_kstack_map) inside the
 * image's gigabyte: that adds tables below the core's root entries but
 * never changes a root entry, so every address space made later shares
 * them.
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <core/bootmem.h>
#include <core/core.h>
#include <core/pgtable.h>
#include <core/printk.h>
#include <mneme/error.h>

extern char emergency_stack_guard[];

struct pgtable riscv_kernel_pt;
uint64_t riscv_kernel_satp;                  /* what every hart runs the core with */
uint64_t riscv_direct_map_base = RISCV_BOOT_WINDOW;
uint64_t riscv_direct_map_limit = RISCV_DIRECT_MAP_LIMIT;
uint64_t riscv_user_top = 1ull << 38;
uint64_t riscv_exit_device_pa = 0x100000;   /* sifive_test; the device tree may move it */
static uint64_t boot_frame_limit;            /* frames below this are in the boot direct map */
static uint64_t boot_frame_floor;

uint64_t riscv_image_pa(const void *va)
{
	return (uint64_t)(uintptr_t)va - (uint64_t)(uintptr_t)__image_start + riscv_kernel_pa;
}

void arch_image_range(uint64_t *start, uint64_t *end)
{
	*start = riscv_image_pa(__image_start);
	*end = riscv_image_pa(__image_end);
}

/* A zeroed page-table frame from bootmem, inside the boot tables' direct map. */
static uint64_t boot_frame_alloc(void *arg)
{
	(void)arg;
	uint64_t pa = bootmem_alloc(PAGE_SIZE, PAGE_SIZE, boot_frame_limit);

	if (!pa)
		return 0;
	if (pa < boot_frame_floor)
		panic("riscv64: page-table frame 0x%llx outside the boot mapping",
		      (unsigned long long)pa);
	__builtin_memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

int riscv_pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot,
		 unsigned max_level)
{
	if (!(prot & (PTE_R | PTE_W | PTE_X)) || ((prot & PTE_W) && !(prot & PTE_R)) ||
	    (prot & ~(PTE_R | PTE_W | PTE_X | PTE_U | PTE_G)))
		return -MNEME_EINVAL;
	return pgtable_map(pt, va, pa, size, prot, max_level);
}

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot, unsigned max_level,
			 const char *what)
{
	int err = riscv_pt_map(&riscv_kernel_pt, va, pa, size, prot, max_level);

	if (err)
		panic("riscv64: cannot map %s [0x%llx-0x%llx) at 0x%llx (error %d)", what,
		      (unsigned long long)pa, (unsigned long long)(pa + size),
		      (unsigned long long)va, err);
}

/* RAM types the direct map covers: all RAM except what must not be mapped. */
static bool range_is_mapped_ram(uint32_t type)
{
	return type == MNEME_MEM_USABLE || type == MNEME_MEM_ACPI || type == MNEME_MEM_NVS ||
	       type == MNEME_MEM_RESERVED || type == MNEME_MEM_CORE;
}

static uint64_t ram_outside;   /* bytes of RAM above the final direct map's end */

/* Map [base, end) at @window + pa, as far as @limit. */
static void map_window(uint64_t window, uint64_t limit, uint64_t base, uint64_t end)
{
	if (end > limit)
		end = limit;
	if (base < end)
		map_or_panic(window + base, base, end - base, PTE_R | PTE_W | PTE_G, 2, "RAM");
}

static void map_direct_run(uint64_t base, uint64_t end)
{
	uint64_t limit = riscv_satp_mode == SATP_MODE_SV48 ? RISCV_DIRECT_MAP_SV48_LIMIT :
							     RISCV_DIRECT_MAP_LIMIT;

	base = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	end &= ~(PAGE_SIZE - 1);
	if (end > limit)
		ram_outside += end - (base > limit ? base : limit);
	map_window(RISCV_BOOT_WINDOW, RISCV_DIRECT_MAP_LIMIT, base, end);
	if (riscv_satp_mode == SATP_MODE_SV48)
		map_window(RISCV_DIRECT_MAP_SV48, RISCV_DIRECT_MAP_SV48_LIMIT, base, end);
}

/* Map touching runs of RAM as one piece so large leaves can span range boundaries. */
static void map_direct(const struct mneme_boot_info *bi)
{
	uint64_t run_base = 0, run_end = 0;

	for (uint32_t i = 0; i < bi->nr_ranges; i++) {
		const struct mneme_mem_range *r = &bi->ranges[i];
		if (!range_is_mapped_ram(r->type))
			continue;
		if (run_end != r->base) {
			map_direct_run(run_base, run_end);
			run_base = r->base;
		}
		run_end = r->base + r->size;
	}
	map_direct_run(run_base, run_end);
}

static void map_image_section(const char *start, const char *end, uint64_t prot, const char *what)
{
	uint64_t va = (uint64_t)(uintptr_t)start & ~(PAGE_SIZE - 1);
	uint64_t va_end = ((uint64_t)(uintptr_t)end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (va_end > va)
		map_or_panic(va, riscv_image_pa((const void *)(uintptr_t)va), va_end - va,
			     prot | PTE_G, 0, what);
}

/* The image, W^X: the data section up to the stacks, then each stack without its guard page. */
static void map_image(void)
{
	map_image_section(__text_start, __text_end, PTE_R | PTE_X, "core text");
	map_image_section(__rodata_start, __rodata_end, PTE_R, "core rodata");
	map_image_section(__data_start, boot_stack_guard, PTE_R | PTE_W, "core data");
	map_image_section(boot_stack_guard + PAGE_SIZE, emergency_stack_guard, PTE_R | PTE_W,
			  "boot stack");
	map_image_section(emergency_stack_guard + PAGE_SIZE, __image_end, PTE_R | PTE_W,
			  "emergency stack");
}

static void map_devices(void)
{
	if (riscv_exit_device_pa >= RISCV_MMIO_LIMIT)
		panic("riscv64: exit device at 0x%llx outside the MMIO window",
		      (unsigned long long)riscv_exit_device_pa);
	uint64_t page = riscv_exit_device_pa & ~(PAGE_SIZE - 1);

	map_or_panic(RISCV_MMIO_BASE + page, page, PAGE_SIZE, PTE_R | PTE_W | PTE_G, 0, "exit device");
}

bool riscv_mmio_map(uint64_t pa)
{
	uint64_t page = pa & ~(PAGE_SIZE - 1);

	if (page >= RISCV_MMIO_LIMIT)
		return false;
	int err = riscv_pt_map(&riscv_kernel_pt, RISCV_MMIO_BASE + page, page, PAGE_SIZE,
			       PTE_R | PTE_W | PTE_G, 0);
	return !err || err == -MNEME_EBUSY;       /* mapped already: another register's page */
}

/*
 * The root of the core's tables.  Under Sv48 the core half is one root
 * slot (511) holding a table laid out exactly like an Sv39 root, so the
 * virtual layout is the same in both modes.
 */
static void kernel_pt_init(void)
{
	riscv_kernel_pt.levels = riscv_satp_mode == SATP_MODE_SV48 ? 4 : 3;
	riscv_kernel_pt.alloc = boot_frame_alloc;
	riscv_kernel_pt.ctx = 0;
	riscv_kernel_pt.root = boot_frame_alloc(0);
	if (!riscv_kernel_pt.root)
		panic("riscv64: no memory for the root page table");
}

static void kernel_pt_switch(void)
{
	riscv_kernel_satp = (riscv_satp_mode << SATP_MODE_SHIFT) | (riscv_kernel_pt.root >> PAGE_SHIFT);
	csr_write(satp, riscv_kernel_satp);
	sfence_vma_all();
}

_Static_assert(RISCV_KSTACK_BASE % PT_LEVEL_SIZE(1) == 0 &&
	       RISCV_KSTACK_BASE + RISCV_KSTACK_WINDOW <= 0xffffffffc0000000ull &&
	       RISCV_KSTACK_BASE >= ARCH_KERNEL_VIRT_BASE, "the stack window is in the image's gigabyte");

/*
 * Map a kernel stack for CPU @index in the stack window: KSTACK_SIZE
 * bytes at RISCV_KSTACK_BASE + index * KSTACK_SIZE, the lowest page left
 * unmapped as its guard, the rest fresh bootmem frames (MNEME_MEM_CORE).
 * Returns the stack's top, or 0 if memory ran out (a frame taken stays
 * taken).  Boot hart only, before address spaces exist.
 */
uint64_t riscv_kstack_map(unsigned index)
{
	uint64_t va = RISCV_KSTACK_BASE + (uint64_t)index * KSTACK_SIZE;
	uint64_t pa = bootmem_alloc(KSTACK_SIZE - PAGE_SIZE, PAGE_SIZE, ~0ull);

	if ((uint64_t)(index + 1) * KSTACK_SIZE > RISCV_KSTACK_WINDOW)
		panic("riscv64: no room for CPU %u's stack in the stack window", index);
	if ((uint64_t)(uintptr_t)__image_end > RISCV_KSTACK_BASE)
		panic("riscv64: the image reaches into the stack window");
	if (!pa || riscv_pt_map(&riscv_kernel_pt, va + PAGE_SIZE, pa, KSTACK_SIZE - PAGE_SIZE,
				PTE_R | PTE_W | PTE_G, 0))
		return 0;
	/* No fence: only the new hart uses the stack, and it fences after its satp switch. */
	return va + KSTACK_SIZE;
}

void arch_mmu_init(struct mneme_boot_info *bi)
{
	uint64_t gib = riscv_kernel_pa & ~(PT_LEVEL_SIZE(2) - 1);

	boot_frame_floor = gib;
	boot_frame_limit = gib + PT_LEVEL_SIZE(2);
	uint64_t before = bootmem_allocated();
	kernel_pt_init();
	map_direct(bi);
	map_image();
	map_devices();
	kernel_pt_switch();
	if (riscv_satp_mode == SATP_MODE_SV48) {
		riscv_direct_map_base = RISCV_DIRECT_MAP_SV48;
		riscv_direct_map_limit = RISCV_DIRECT_MAP_SV48_LIMIT;
	}
	bootmem_set_limit(riscv_direct_map_limit);   /* the core reaches its frames through it */
	riscv_uspace_init();
	printk("mneme: riscv64: %s paging, direct map at 0x%llx (physical below %llu GiB), "
	       "page tables %llu KiB\n",
	       riscv_satp_mode == SATP_MODE_SV48 ? "Sv48" : "Sv39",
	       (unsigned long long)ARCH_DIRECT_MAP_BASE,
	       (unsigned long long)(riscv_direct_map_limit >> 30),
	       (unsigned long long)((bootmem_allocated() - before) >> 10));
	if (ram_outside)
		printk("mneme: riscv64: %llu MiB of RAM at or above %llu GiB is outside the direct "
		       "map (%s): not used\n", (unsigned long long)(ram_outside >> 20),
		       (unsigned long long)(riscv_direct_map_limit >> 30),
		       riscv_satp_mode == SATP_MODE_SV48 ? "Sv48" : "Sv39");
	printk("mneme: riscv64: %u ASID bits\n", riscv_asid_bits);
	if (cmdline_has("stack_overflow_test"))
		riscv_stack_overflow_test();
}

/*
 * The mm core's environment inside the memory server (mm/port.h).
 *
 * Physical memory is reached through the physmap the core built for the
 * server (every USABLE range at MNEME_LAYOUT_PHYSMAP + pa); the vmemmap
 * is the server's window at the boot info's vmemmap_base, which mm_map_pages()
 * fills through the core's map syscall on the server's own address space,
 * donating page-table frames from memblock while the core asks for them.
 */
#include <stdarg.h>
#include <mm/memblock.h>
#include <mm/port.h>
#include <mneme/bootinfo.h>
#include <mneme/error.h>
#include <mneme/ipc.h>
#include <mneme/layout.h>
#include <ulib/ulib.h>

void *mm_phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)(MNEME_LAYOUT_PHYSMAP + pa);
}

phys_addr_t mm_virt_to_phys(const void *va)
{
	return (phys_addr_t)(uintptr_t)va - MNEME_LAYOUT_PHYSMAP;
}

/* The core sized the windows from the boot map; the boot-info page stays mapped read-only. */
static const struct mneme_boot_info *windows(void)
{
	return (const struct mneme_boot_info *)(uintptr_t)MNEME_LAYOUT_BOOTINFO;
}

void *mm_vmemmap_base(void)
{
	return (void *)(uintptr_t)windows()->vmemmap_base;
}

/* A zeroed frame for the server's own page tables (memblock is still open when the vmemmap is built). */
static phys_addr_t pt_frame(void)
{
	phys_addr_t pa = memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0, MEMBLOCK_ALLOC_ACCESSIBLE);

	if (pa)
		memset(mm_phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Map one leaf page of the server, donating page-table frames on -MNEME_ENOMEM. */
static int map_one(uint64_t va, phys_addr_t pa, unsigned page_shift)
{
	for (int tries = 0; tries < 8; tries++) {
		int64_t st = mneme_map(MNEME_HANDLE_SERVER_SELF, va, pa, page_shift,
				       MNEME_PROT_READ | MNEME_PROT_WRITE);
		if (st != -MNEME_ENOMEM)
			return (int)st;
		phys_addr_t pt = pt_frame();
		if (!pt)
			return -MNEME_ENOMEM;
		st = mneme_pt_donate(MNEME_HANDLE_SERVER_SELF, pt);
		if (st)
			return (int)st;
	}
	return -MNEME_ENOMEM;
}

int mm_map_pages(void *va, phys_addr_t pa, size_t size, unsigned page_shift)
{
	uint64_t v = (uintptr_t)va, step = 1ULL << page_shift;
	uint64_t base = windows()->vmemmap_base, wsize = windows()->vmemmap_size;

	if ((page_shift != 12 && page_shift != 21) || !size || ((v | pa | size) & (step - 1)) ||
	    v < base || size > wsize || v - base > wsize - size)
		return -MNEME_EINVAL;
	for (uint64_t off = 0; off < size; off += step) {
		int err = map_one(v + off, pa + off, page_shift);
		if (err)
			return err;
	}
	return 0;
}

void mm_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

#ifndef MM_PORT_CPU_INLINE
unsigned mm_this_cpu(void)
{
	return 0;   /* the server runs one thread */
}
#endif

void mm_panic(const char *fmt, ...)
{
	va_list ap;

	printf("mmserver: mm panic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	for (;;)
		mneme_shutdown(MNEME_SHUTDOWN_PANIC);
}

/*
 * 128-bit unsigned division, which the compiler calls for the mm core's
 * __uint128_t watermark arithmetic (no compiler runtime is linked).
 * Shift-and-subtract: slow, but only used at init and on watermark updates.
 */
__uint128_t __udivti3(__uint128_t n, __uint128_t d);
__uint128_t __udivti3(__uint128_t n, __uint128_t d)
{
	__uint128_t q = 0, r = 0;

	if (!d)
		mm_panic("128-bit division by zero");
	for (int i = 127; i >= 0; i--) {
		r = r << 1 | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (__uint128_t)1 << i;
		}
	}
	return q;
}

/*
 * Host implementation of the mm core's environment (mm/port.h).
 *
 * "Physical memory" is one anonymous mapping: physical address pa lives at
 * arena + pa.  The vmemmap is a second reservation that starts PROT_NONE;
 * mm_map_pages() makes parts of it accessible, as the memory server's
 * mapping request does on the real system, so touching a struct page of a
 * section that was never populated faults in tests exactly as it would in
 * the guest.
 */
#define _GNU_SOURCE
#include "mm/host.h"
#include "mm/page.h"
#include "mneme/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static unsigned char *arena;
static size_t arena_size;
static unsigned char *vmemmap;
static size_t vmemmap_size;
static size_t vmemmap_mapped;
_Thread_local unsigned mm_host_cpu;  /* mm_port_cpu.h reads it inline */
static void (*print_sink)(const char *text);
static void (*panic_hook)(const char *msg);

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void mm_host_arena_fini(void)
{
	if (arena)
		munmap(arena, arena_size);
	if (vmemmap)
		munmap(vmemmap, vmemmap_size);
	arena = vmemmap = NULL;
	arena_size = vmemmap_size = vmemmap_mapped = 0;
}

int mm_host_arena_init(phys_addr_t phys_end)
{
	mm_host_arena_fini();
	arena_size = round_up(phys_end, 1UL << 21);
	arena = mmap(NULL, arena_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED) {
		arena = NULL;
		return -1;
	}
	/* 2 MiB-aligned so 2 MiB vmemmap mappings line up as in the guest. */
	size_t want = round_up((phys_end >> PAGE_SHIFT) * sizeof(struct page), 1UL << 21);
	size_t span = want + (1UL << 21);
	unsigned char *raw = mmap(NULL, span, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		mm_host_arena_fini();
		return -1;
	}
	unsigned char *aligned = (unsigned char *)round_up((size_t)raw, 1UL << 21);
	if (aligned > raw)
		munmap(raw, aligned - raw);
	if (aligned + want < raw + span)
		munmap(aligned + want, raw + span - (aligned + want));
	vmemmap = aligned;
	vmemmap_size = want;
	return 0;
}

size_t mm_host_vmemmap_mapped(void)
{
	return vmemmap_mapped;
}

void *mm_phys_to_virt(phys_addr_t pa)
{
	return arena + pa;
}

phys_addr_t mm_virt_to_phys(const void *va)
{
	return (phys_addr_t)((const unsigned char *)va - arena);
}

void *mm_vmemmap_base(void)
{
	return vmemmap;
}

int mm_map_pages(void *va, phys_addr_t pa, size_t size, unsigned page_shift)
{
	unsigned char *p = va;
	size_t align = 1UL << page_shift;

	(void)pa; /* the host backs the vmemmap with its own anonymous memory */
	if ((page_shift != 12 && page_shift != 21) || !size ||
	    ((size_t)p | size) & (align - 1) ||
	    p < vmemmap || p + size > vmemmap + vmemmap_size)
		return -MNEME_EINVAL;
	if (mprotect(p, size, PROT_READ | PROT_WRITE))
		return -MNEME_ENOMEM;
	vmemmap_mapped += size;
	return 0;
}

void mm_host_set_cpu(unsigned cpu)
{
	mm_host_cpu = cpu;
}

#ifndef MM_PORT_CPU_INLINE
unsigned mm_this_cpu(void)
{
	return mm_host_cpu;
}
#endif

void mm_host_set_print_sink(void (*sink)(const char *text))
{
	print_sink = sink;
}

void mm_host_set_panic_hook(void (*hook)(const char *msg))
{
	panic_hook = hook;
}

void mm_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (print_sink)
		print_sink(buf);
	else
		fputs(buf, stdout);
}

void mm_panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (panic_hook)
		panic_hook(buf);
	fprintf(stderr, "mm panic: %s\n", buf);
	abort();
}

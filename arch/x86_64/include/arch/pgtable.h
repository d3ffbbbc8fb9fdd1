/*
 * x86_64 4-level page tables: entry bits and the table walker used for the
 * core's own tables now and for user address spaces later.
 *
 * The walker does not know how tables are reached or where frames come
 * from: a struct x86_pt says both.  Before arch_mmu_init() switches to the
 * final tables, tables are reached through the boot identity map; after,
 * through the direct map.
 */
#ifndef ARCH_X86_PGTABLE_H
#define ARCH_X86_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <mneme/bootinfo.h>

#define PTE_P     (1ull << 0)
#define PTE_W     (1ull << 1)
#define PTE_U     (1ull << 2)
#define PTE_PWT   (1ull << 3)
#define PTE_PCD   (1ull << 4)
#define PTE_A     (1ull << 5)
#define PTE_D     (1ull << 6)
#define PTE_PS    (1ull << 7)    /* leaf at PDPT (1 GiB) or PD (2 MiB) level */
#define PTE_G     (1ull << 8)
#define PTE_NX    (1ull << 63)
#define PTE_ADDR  0x000ffffffffff000ull

#define X86_ISA_END 0x100000ull  /* end of the first MiB */
#define PT_ENTRIES 512
#define PAGE_SIZE_4K (1ull << 12)
#define PAGE_SIZE_2M (1ull << 21)
#define PAGE_SIZE_1G (1ull << 30)

/* How to reach and grow one page-table tree. */
struct x86_pt {
	uint64_t root;                         /* physical address of the PML4 */
	uint64_t (*alloc)(void *ctx);          /* a zeroed table frame, 0 if none */
	void *ctx;
	uint64_t *(*table)(uint64_t pa);       /* virtual address of the table at @pa */
	uint64_t max_page;                     /* largest leaf allowed: 4K, 2M or 1G */
};

/*
 * Map [@va, @va + @size) to [@pa, ...) with leaf bits @prot (PTE_W, PTE_U,
 * PTE_NX, PTE_G, PTE_PCD, ...; PTE_P is implied), using the largest pages
 * (up to pt->max_page) that alignment and size allow.  All three must be
 * 4 KiB multiples.  Intermediate tables get P|W (and U if @prot has U):
 * rights are decided at the leaf.  Returns 0, -MNEME_ENOMEM if a table
 * frame could not be had, or -MNEME_EBUSY if something is mapped already
 * (the mapping is then partial: boot-time callers panic).
 */
int x86_pt_map(struct x86_pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot);

/*
 * Walk to the leaf that maps @va.  Returns the leaf entry (PTE_P set) and
 * its page size in *@page_size, or 0 if @va is not mapped.
 */
uint64_t x86_pt_lookup(const struct x86_pt *pt, uint64_t va, uint64_t *page_size);

/* True if boot-map range @r belongs in the direct map (RAM, not MMIO). */
bool x86_direct_mapped(const struct mneme_mem_range *r);

/* The core's final tables (valid after arch_mmu_init()). */
extern struct x86_pt x86_kernel_pt;

/* Flush one page from this CPU's TLB, global entries included. */
static inline void x86_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

#endif

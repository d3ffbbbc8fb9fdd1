/*
 * riscv64 privileged-architecture definitions used inside arch/riscv64:
 * CSR access, sstatus/sie bits, trap causes, satp and page-table entries,
 * and the SBI calls the core makes.  Not part of the generic contract.
 */
#ifndef ARCH_RISCV_H
#define ARCH_RISCV_H

#include <arch/arch_impl.h>

#ifdef __ASSEMBLER__
#define RISCV_ULL(x) x
#else
#define RISCV_ULL(x) x##ull
#endif

/* satp */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_SV39  RISCV_ULL(8)
#define SATP_MODE_SV48  RISCV_ULL(9)

/* Page-table entry bits. */
#define PTE_V (RISCV_ULL(1) << 0)
#define PTE_R (RISCV_ULL(1) << 1)
#define PTE_W (RISCV_ULL(1) << 2)
#define PTE_X (RISCV_ULL(1) << 3)
#define PTE_U (RISCV_ULL(1) << 4)
#define PTE_G (RISCV_ULL(1) << 5)
#define PTE_A (RISCV_ULL(1) << 6)
#define PTE_D (RISCV_ULL(1) << 7)
#define PTE_PPN_SHIFT 10

#define PAGE_SHIFT 12
#define PAGE_SIZE  (RISCV_ULL(1) << PAGE_SHIFT)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* sstatus */
#define SSTATUS_SIE  (RISCV_ULL(1) << 1)
#define SSTATUS_SPIE (RISCV_ULL(1) << 5)
#define SSTATUS_SPP  (RISCV_ULL(1) << 8)
#define SSTATUS_SUM  (RISCV_ULL(1) << 18)

/* sie / sip */
#define SIE_SSIE (RISCV_ULL(1) << 1)
#define SIE_STIE (RISCV_ULL(1) << 5)
#define SIE_SEIE (RISCV_ULL(1) << 9)

/* scause */
#define SCAUSE_INTERRUPT (RISCV_ULL(1) << 63)
#define IRQ_S_SOFT   1
#define IRQ_S_TIMER  5
#define IRQ_S_EXT    9
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

#define csr_read(csr)                                                   \
	({                                                              \
		unsigned long v_;                                       \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_) : : "memory"); \
		v_;                                                     \
	})
#define csr_write(csr, val)                                             \
	__asm__ volatile("csrw " #csr ", %0" : : "r"((unsigned long)(val)) : "memory")
#define csr_set(csr, bits)                                              \
	__asm__ volatile("csrs " #csr ", %0" : : "r"((unsigned long)(bits)) : "memory")
#define csr_clear(csr, bits)                                            \
	__asm__ volatile("csrc " #csr ", %0" : : "r"((unsigned long)(bits)) : "memory")

static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

static inline void sfence_vma_addr(uint64_t va)
{
	__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

/* A page-table entry pointing at physical @pa with @flags. */
static inline uint64_t pte_make(uint64_t pa, uint64_t flags)
{
	return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags;
}

static inline uint64_t pte_pa(uint64_t pte)
{
	return ((pte >> PTE_PPN_SHIFT) & ((1ull << 44) - 1)) << PAGE_SHIFT;
}

/* A valid entry with any of R/W/X is a leaf; with none, it points to the next level. */
static inline bool pte_is_leaf(uint64_t pte)
{
	return (pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X));
}

/* Symbols of the linker script (virtual addresses of the image). */
extern char __image_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_start[], __bss_end[], __image_end[];
extern char boot_stack_guard[], boot_stack_top[];

/* Physical address of a symbol of the image. */
uint64_t riscv_image_pa(const void *va);

/* Set up by the entry code (entry.S) before riscv_boot(). */
extern uint64_t riscv_satp_mode;   /* SATP_MODE_SV39 or SATP_MODE_SV48 */
extern uint64_t riscv_kernel_pa;   /* physical address of __image_start */
extern uint64_t riscv_boot_satp;   /* satp of the boot tables (the other harts' first) */

/* boot.c */
extern uint64_t riscv_boot_hart;   /* the hart OpenSBI entered the core on */

/* Page tables of the core (mmu.c), for tests and for building address spaces. */
struct pgtable;
extern struct pgtable riscv_kernel_pt;

/*
 * riscv_pt_map - pgtable_map() with riscv64 leaf permissions @prot
 * (PTE_R/W/X/U/G; V, A and D are always set): -MNEME_EINVAL also if @prot
 * has no R/W/X bit, is W without R (reserved encodings) or has other bits.
 */
int riscv_pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot,
		 unsigned max_level);

extern uint64_t riscv_kernel_satp;   /* satp of the core's final tables, ASID 0 */
uint64_t riscv_kstack_map(unsigned index);

/* uspace.c */
#define RISCV_FLUSH_PAGES_MAX 32      /* TLB flushes of larger ranges flush the whole ASID */
extern unsigned riscv_asid_bits;
unsigned riscv_asid_probe(void);
void riscv_uspace_init(void);
/* Set A (and D for a store) of a user leaf that only lacked them (Svade harts); true if done. */
bool riscv_fix_accessed(uint64_t root_pa, uint64_t va, unsigned access);
void riscv_uspace_cpu_init(struct arch_cpu *a);

/* smp.c */
struct cpu;
__attribute__((noreturn)) void riscv_secondary_main(struct cpu *c);
extern char _start[];                /* entry.S: the cold entry */
extern uint64_t riscv_late_start[2]; /* entry.S: the hart being started (id + 1), opaque */
extern char riscv_secondary_entry[];   /* entry.S: where HSM hart_start sends a hart */

/*
 * One SBI hart mask out of the CPUs in *@mask (bit i: the CPU whose hart
 * id is @hwid[i]): the harts whose ids lie in the 64 starting at the
 * lowest id among them, which go in *@base; those CPUs leave *@mask.
 * *@mask must not be empty.
 */
unsigned long riscv_hart_group(uint64_t *mask, const uint64_t *hwid, unsigned long *base);

/*
 * Run @fn(@arg) on CPU @c from its IPI handler (interrupts off there) and
 * wait until it has returned; on the calling CPU itself, just call it.
 * For tests.  0, or -MNEME_EBUSY if another call to @c is pending,
 * -MNEME_EDEAD if @c did not answer within a few seconds.
 */
int riscv_cpu_call(struct cpu *c, void (*fn)(void *), void *arg);
/* trap.c's IPI handler: run the cross-call posted to this hart, if any. */
void riscv_cpu_call_serve(void);

/* trap.c */
extern uint64_t riscv_breakpoints;
const char *riscv_cause_name(uint64_t scause);
void riscv_nap(uint64_t ticks);
/* Fence for every remote flush other harts asked of this one (interrupts off). */
void riscv_flush_serve(void);
void riscv_stack_overflow_test(void);

/* The core's MMIO window: virtual address of the device register at physical @pa. */
/*
 * Map the device page holding physical @pa (< RISCV_MMIO_LIMIT) into the
 * MMIO window, at boot before user space: true if it is mapped now.
 */
bool riscv_mmio_map(uint64_t pa);

/*
 * irq.c: a supervisor external interrupt: claim it from the PLIC and hand
 * the device's to the core (core_device_irq(); @user as there).
 */
struct arch_regs;
void riscv_external_interrupt(struct arch_regs *user);

static inline volatile void *riscv_mmio(uint64_t pa)
{
	return (volatile void *)(uintptr_t)(RISCV_MMIO_BASE + pa);
}
#endif

#endif

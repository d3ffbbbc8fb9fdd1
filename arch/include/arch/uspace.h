/*
 * The architecture contract for user tasks: address spaces, entering and
 * leaving user mode, and safe access to user memory.
 *
 * The core is event-driven, in the L4/seL4 manner: it runs on one kernel
 * stack per CPU and never blocks inside a call.  A thread's user registers
 * live in its thread control block (struct arch_regs); every entry from
 * user mode saves them there, the core handles the event (possibly
 * choosing another thread), and the architecture returns to user mode with
 * the registers of whichever thread is current by then.
 *
 * <arch/arch_impl.h> additionally supplies:
 *   ARCH_HAS_USPACE        defined (to 1) once the architecture implements
 *                          this contract; until then the core's user-task
 *                          code compiles to nothing and boot stops after
 *                          the built-in tests
 *   ARCH_USER_TOP          first address above the user half
 *   struct arch_aspace     { root table physical address, ASID/PCID, ... }
 *   inline accessors for syscall arguments/results in struct arch_regs:
 *     arch_regs_syscall_nr(r), arch_regs_arg(r, i) (i = 0..6),
 *     arch_regs_set_ret(r, i, v) (i = 0..6: ret 0 is the status),
 *     arch_regs_ip(r), arch_regs_sp(r)
 */
#ifndef ARCH_USPACE_H
#define ARCH_USPACE_H

#include <arch/arch.h>

/* Page rights for user mappings. */
#define ARCH_PROT_READ  1u
#define ARCH_PROT_WRITE 2u
#define ARCH_PROT_EXEC  4u

/* Kinds of user exception passed to core_user_exception(). */
enum core_exception {
	CORE_EXC_PAGE_FAULT = 1,   /* addr = faulting address, access = ARCH_PROT_* attempted */
	CORE_EXC_ILLEGAL = 2,      /* illegal or privileged instruction */
	CORE_EXC_DIVIDE = 3,
	CORE_EXC_MISALIGNED = 4,
	CORE_EXC_BREAKPOINT = 5,
	CORE_EXC_PROTECTION = 6,   /* general protection / other access violation */
	CORE_EXC_OTHER = 7,
};

/*
 * Address spaces.  A root table is a frame given by the memory server:
 * arch_aspace_init() clears its user half and shares the core's half into
 * it.  Intermediate tables come from @alloc (returns a zeroed frame's
 * physical address, or 0 when none is left: the call then fails with
 * -MNEME_ENOMEM and changes nothing).  arch_aspace_init() is each
 * architecture's; the others below are the same everywhere
 * (core/aspace.c, over the
 * architecture's <arch/uspace_pt.h> and <arch/pte.h>).
 */
typedef uint64_t (*arch_pt_alloc_fn)(void *ctx);

int arch_aspace_init(struct arch_aspace *as, uint64_t root_pa, uint32_t asid);
/*
 * Map 2^@page_shift bytes (12 or 21; 30 only for the server's physmap
 * at boot: the map call never asks for it) at @va to @pa; -MNEME_EBUSY if
 * something is mapped there (or a table is where the leaf would go).
 * -MNEME_ENOMEM from @alloc leaves the tables taken so far linked in:
 * callers that keep every table non-empty ask arch_aspace_map_need()
 * first.
 */
int arch_aspace_map(struct arch_aspace *as, uint64_t va, uint64_t pa, unsigned page_shift,
		    unsigned prot, arch_pt_alloc_fn alloc, void *ctx);
/*
 * What arch_aspace_map() at @va would need: 0 and the number of tables
 * it would take, or -MNEME_EBUSY / -MNEME_EINVAL (as it would fail).
 */
int arch_aspace_map_need(const struct arch_aspace *as, uint64_t va, unsigned page_shift,
			 unsigned *tables);
/*
 * Unlink every table of the user range [va, end) left without a valid
 * entry and call @fn with its frame (children first; never the root).
 * The caller flushes the TLB everywhere before reusing a frame.
 */
void arch_aspace_prune(struct arch_aspace *as, uint64_t va, uint64_t end,
		       void (*fn)(uint64_t pa, void *ctx), void *ctx);
/*
 * Turn the large mapping covering @va (1 GiB or 2 MiB) into 512 of the
 * next size down with the same frames and rights, the new table from
 * @alloc: 0, -MNEME_ENOENT (no large mapping there), -MNEME_ENOMEM.
 * The caller flushes the TLB.
 */
int arch_aspace_split(struct arch_aspace *as, uint64_t va, arch_pt_alloc_fn alloc, void *ctx);
/* Remove the mapping at @va (-MNEME_ENOENT if none); reports what was mapped. */
int arch_aspace_unmap(struct arch_aspace *as, uint64_t va, uint64_t *pa, unsigned *page_shift);
/* Change the rights of the mapping at @va (-MNEME_ENOENT if none). */
int arch_aspace_protect(struct arch_aspace *as, uint64_t va, unsigned prot);
/*
 * Test and clear the accessed bit of the leaf mapping @va: 1 if the
 * hardware marked it accessed since the last clear (now cleared), 0 if
 * not, -MNEME_ENOENT if nothing is mapped there.  Atomic against the
 * hardware's own updates of the entry (a dirty bit set meanwhile is kept);
 * the caller flushes the TLB, or a CPU holding the translation would not
 * mark the entry again.
 */
int arch_aspace_clear_young(struct arch_aspace *as, uint64_t va);
/* Look up @va: 0 and the mapping, or -MNEME_ENOENT. */
int arch_aspace_query(const struct arch_aspace *as, uint64_t va, uint64_t *pa,
		      unsigned *prot, unsigned *page_shift);
/*
 * Call @fn for every mapping of @as that meets [va, end) (user-half
 * addresses), in address order, with its first address and size (shift);
 * the cost follows what is mapped, not the size of the range.  @fn may
 * not change @as.
 */
void arch_aspace_for_each(const struct arch_aspace *as, uint64_t va, uint64_t end,
			  void (*fn)(void *arg, uint64_t va, unsigned page_shift), void *arg);
/* Call @fn for every intermediate table frame (not the root) of the user half, then forget them. */
void arch_aspace_release_tables(struct arch_aspace *as, void (*fn)(uint64_t pa, void *ctx), void *ctx);
/*
 * arch_aspace_switch_flushes(as) (inline, <arch/arch_impl.h>): true if
 * activating another address space on a CPU drops every TLB entry of @as
 * there (no PCID / no ASID of its own), so only CPUs where @as is active
 * can hold its translations.
 */
/* Make @as the current address space on this CPU. */
void arch_aspace_activate(const struct arch_aspace *as);
/* Invalidate TLB entries of @as for [va, va + size) (everything if size is 0). */
void arch_tlb_flush(const struct arch_aspace *as, uint64_t va, uint64_t size);

/* Prepare @regs so that returning to user mode starts at @entry with stack @sp and two arguments. */
void arch_regs_init_user(struct arch_regs *regs, uint64_t entry, uint64_t sp, uint64_t arg0, uint64_t arg1);
/* Where the next entry from user mode on this CPU saves registers, and what the next return restores. */
void arch_set_current_regs(struct arch_regs *regs);
/*
 * The first entry to user mode on this CPU (end of boot): return to user
 * mode with the registers last given to arch_set_current_regs() in the
 * address space last activated.  Every later return to user mode happens
 * at the end of the trap or syscall that entered the core.
 */
__attribute__((noreturn)) void arch_enter_user(void);

/*
 * Copy to or from user memory.  Fails with -MNEME_EFAULT if any byte is
 * outside [0, ARCH_USER_TOP) or not mapped with the needed rights; never
 * faults the core.  Honours SMAP/SUM (user access is open only inside).
 */
int arch_copy_from_user(void *dst, uint64_t user_src, size_t n);
int arch_copy_to_user(uint64_t user_dst, const void *src, size_t n);

/* Entry points the architecture calls (implemented by the core). */
void core_syscall(struct arch_regs *regs);
void core_user_exception(struct arch_regs *regs, enum core_exception kind, uint64_t addr, unsigned access);
/* Timer interrupt taken from user mode (after core_timer_tick): may switch threads. */
void core_preempt(struct arch_regs *regs);

#endif

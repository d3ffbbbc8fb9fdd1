/*
 * A fake architecture for host tests of the core's generic code: plain
 * structures, argument and result registers aliased (as on riscv64) so
 * a handler that writes a result before reading every argument fails.
 */
#ifndef FAKE_ARCH_IMPL_H
#define FAKE_ARCH_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_NAME "host"
#define ARCH_HAS_USPACE 1
#define ARCH_DIRECT_MAP_BASE 0ULL
#define ARCH_KERNEL_VIRT_BASE 0ULL
#define ARCH_USER_TOP 0x0000800000000000ULL

struct arch_regs {
	uint64_t nr;
	uint64_t a[7];
	uint64_t ip, sp;
};

struct arch_aspace {
	uint64_t root;
	uint32_t asid;
};

static inline uint64_t arch_regs_syscall_nr(const struct arch_regs *r) { return r->nr; }
static inline uint64_t arch_regs_arg(const struct arch_regs *r, unsigned i) { return r->a[i]; }
/*
 * Result registers: fake_abi_x86 = 0 aliases ret i with arg i (riscv64:
 * a0..a6); 1 aliases ret 0 with the syscall number and ret i with arg i-1
 * (x86_64: rax, rdi, rsi, ...).  Tests run under both.
 */
extern int fake_abi_x86;
static inline void arch_regs_set_ret(struct arch_regs *r, unsigned i, uint64_t v)
{
	if (!fake_abi_x86)
		r->a[i] = v;
	else if (i == 0)
		r->nr = v;
	else
		r->a[i - 1] = v;
}
static inline uint64_t fake_regs_ret(const struct arch_regs *r, unsigned i)
{
	return !fake_abi_x86 ? r->a[i] : i == 0 ? r->nr : r->a[i - 1];
}
static inline uint64_t arch_regs_ip(const struct arch_regs *r) { return r->ip; }
static inline uint64_t arch_regs_sp(const struct arch_regs *r) { return r->sp; }

static inline void arch_irq_enable(void) {}
static inline void arch_irq_disable(void) {}
static inline void arch_irq_window(void) {}
static inline unsigned long arch_irq_save(void) { return 0; }
static inline void arch_irq_restore(unsigned long f) { (void)f; }
void arch_wait_for_interrupt(void);
uint64_t arch_cycles(void);
static inline void arch_cpu_relax(void) {}
static inline bool arch_aspace_switch_flushes(const struct arch_aspace *as) { (void)as; return false; }

/* One CPU in the host tests. */
struct arch_cpu {
	uint64_t unused;
};
struct cpu;
extern struct cpu *fake_this_cpu;   /* fake_arch.c */
static inline struct cpu *arch_this_cpu(void) { return fake_this_cpu; }

#endif

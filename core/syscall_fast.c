/*
 * The syscall entry: the IPC fast path (<core/ipc_fast.h>) for call and
 * reply_recv, everything else to syscall_general() (syscall.c).
 *
 * Compiled without frame pointers (cmake/target.cmake), unlike the rest
 * of the core: these functions call nothing but the general path, and
 * that as a tail call, so they never appear in a backtrace and a frame
 * record would only cost instructions on every syscall (8 of about 150
 * per syscall on riscv64).  See docs/benchmarks.md.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/core.h>
#include <core/ipc_fast.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/syscall.h>

void core_syscall(struct arch_regs *regs)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->cur;
	uint64_t nr = arch_regs_syscall_nr(regs);
	uint64_t info = arch_regs_arg(regs, 1), badge;

	ASSERT(regs == &cur->regs);     /* regs is the first member: also catches cur == NULL */
	if (!(info >> 32)) {    /* extra words, flags or slot bits: not for the fast path */
		struct thread *to;
		if (nr == MNEME_SYS_call) {
			if ((to = ipc_fast_call(c, cur, arch_regs_arg(regs, 0), &badge))) {
				/* read from the frame again here: not kept in registers across the checks */
				ipc_fast_finish(c, to, badge, arch_regs_arg(regs, 1), arch_regs_arg(regs, 2),
						arch_regs_arg(regs, 3), arch_regs_arg(regs, 4),
						arch_regs_arg(regs, 5), true);
				return;
			}
		} else if (nr == MNEME_SYS_reply_recv) {
			/* the reply is read from the frame under the endpoint's lock (<core/ipc_fast.h>) */
			if ((to = ipc_fast_reply_recv(c, cur, arch_regs_arg(regs, 0), regs, 0, 0, 0, 0, 0))) {
				sched_switch_fast(c, to, true);
				return;
			}
		}
	}
	syscall_general(cur, nr);
}

#ifdef ARCH_SYSCALL_ARGS_IN_REGS
/*
 * The entry for architectures that pass the arguments in registers
 * (<arch/arch_impl.h> declares it): arg0..arg6 and the number as
 * parameters (the number is in the frame already).  The fast path never
 * touches the caller's frame for its arguments; the general path gets
 * them stored first.  Returns the frame to return to user mode with;
 * the arch makes it current (the fast path leaves
 * arch_set_current_regs() to it).
 */
struct arch_regs *core_syscall_args(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
				    uint64_t a4, uint64_t a5, uint64_t a6, uint64_t nr)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->cur;
	struct thread *to;
	uint64_t badge;

	/* Each case finishes on its own (no shared tail, no jump). */
	if (!(a1 >> 32)) {
		if (nr == MNEME_SYS_call) {
			if ((to = ipc_fast_call(c, cur, a0, &badge))) {
				ipc_fast_finish(c, to, badge, a1, a2, a3, a4, a5, false);
				return &to->regs;
			}
		} else if (nr == MNEME_SYS_reply_recv) {
			if ((to = ipc_fast_reply_recv(c, cur, a0, NULL, a1, a2, a3, a4, a5))) {
				sched_switch_fast(c, to, false);
				return &to->regs;
			}
		}
	}
	arch_regs_set_syscall_args(&cur->regs, a0, a1, a2, a3, a4, a5, a6);
	return syscall_general(cur, arch_regs_syscall_nr(&cur->regs));
}
#endif

#endif /* ARCH_HAS_USPACE */

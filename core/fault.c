/*
 * Faults and other user exceptions become messages to the task's pager.
 *
 * The faulting thread is blocked as if it had called its pager endpoint
 * with the FAULT message; the pager's reply decides: RESUME (retry),
 * MAP_RESUME (the core maps the frame the memory server names, then
 * retries) or KILL.  A task whose pager is missing or dead is killed
 * and the memory server gets its EXIT message.
 */
#include <arch/arch.h>
#ifdef ARCH_HAS_USPACE  /* the architecture implements <arch/uspace.h> */
#include <arch/uspace.h>
#include <core/fault.h>
#include <core/printk.h>
#include <core/sched.h>
#include <core/task.h>
#include <core/vm.h>
#include <mneme/error.h>
#include <mneme/fault.h>

_Static_assert(MNEME_FAULT_PAGE == CORE_EXC_PAGE_FAULT && MNEME_FAULT_OTHER == CORE_EXC_OTHER &&
	       MNEME_FAULT_ILLEGAL == CORE_EXC_ILLEGAL && MNEME_FAULT_PROTECTION == CORE_EXC_PROTECTION,
	       "fault kinds shared with the arch");

static const char *const exc_names[] = {
	[CORE_EXC_PAGE_FAULT] = "page fault",
	[CORE_EXC_ILLEGAL] = "illegal instruction",
	[CORE_EXC_DIVIDE] = "divide error",
	[CORE_EXC_MISALIGNED] = "misaligned access",
	[CORE_EXC_BREAKPOINT] = "breakpoint",
	[CORE_EXC_PROTECTION] = "protection fault",
	[CORE_EXC_OTHER] = "exception",
};

static const char *exc_name(unsigned kind)
{
	return kind < sizeof(exc_names) / sizeof(exc_names[0]) && exc_names[kind] ? exc_names[kind]
										   : "exception";
}

static void prot_text(unsigned prot, char *s)
{
	s[0] = prot & MNEME_PROT_READ ? 'r' : '-';
	s[1] = prot & MNEME_PROT_WRITE ? 'w' : '-';
	s[2] = prot & MNEME_PROT_EXEC ? 'x' : '-';
	s[3] = '\0';
}

/*
 * A page fault at a page the task's own table maps with the rights the
 * access needs is spurious: a stale TLB entry (rights raised without a
 * shootdown, which the core allows itself for the server's physmap) or
 * an emulator's quirk (QEMU 7.2 with SMAP faults on a user iretq whose
 * frame is on a mapped stack).  The first such fault goes to the pager
 * like any other (another thread may have just mapped the page); one that
 * repeats at the same address and instruction, or any for a task without
 * a pager, is answered here: the page's TLB entry is flushed and the
 * instruction retried, at most FAULT_RETRIES times in a row, then the
 * task is killed with a message saying so.  Returns true if the thread
 * is to retry (nothing else to do), false to go on (to the pager, or to
 * the kill if *@hopeless).
 */
#define FAULT_RETRIES 16

static bool fault_spurious(struct thread *t, uint64_t addr, unsigned access, bool have_pager,
			   bool *hopeless)
{
	uint64_t va = addr & ~4095ULL, pa;
	unsigned prot, shift;
	bool again = t->fault_addr == addr && t->fault_ip == arch_regs_ip(&t->regs);

	*hopeless = false;
	t->fault_addr = addr;
	t->fault_ip = arch_regs_ip(&t->regs);
	if (!again)
		t->fault_repeat = 0;
	if ((have_pager && !again) || !access ||
	    vm_query(t->task, va, &pa, &prot, &shift) || (prot & access) != access)
		return false;
	if (++t->fault_repeat > FAULT_RETRIES) {
		char have[4];
		prot_text(prot, have);
		printk("mneme: task %u: page fault at ip 0x%llx, address 0x%llx, although the page "
		       "is mapped %s: retried %u times after flushing the TLB, killed\n",
		       task_index(t->task), (unsigned long long)arch_regs_ip(&t->regs),
		       (unsigned long long)addr, have, FAULT_RETRIES);
		*hopeless = true;
		return false;
	}
	arch_tlb_flush(&t->task->aspace, va, 4096);
	return true;
}

void core_user_exception(struct arch_regs *regs, enum core_exception kind, uint64_t addr,
			 unsigned access)
{
	struct thread *t = current;
	struct task *task = t->task;
	struct endpoint *pager = task->pager;
	bool hopeless = false;

	ASSERT(regs == &t->regs);
	if (kind == CORE_EXC_PAGE_FAULT && fault_spurious(t, addr, access, pager != NULL, &hopeless)) {
		sched_return();
		return;
	}
	if (hopeless) {
		task_kill(task, MNEME_EXIT_FAULT, 0, kind);
		sched_return();
		return;
	}
	if (kind != CORE_EXC_PAGE_FAULT)
		t->fault_addr = t->fault_ip = 0;
	t->msg[0] = addr;
	t->msg[1] = access;
	t->msg[2] = arch_regs_ip(regs);
	t->msg[3] = kind;
	if (!pager || ipc_send_fault(t, pager, task->pager_gen, task->pager_badge)) {
		printk("mneme: task %u: %s at ip 0x%llx, address 0x%llx: no pager, killed\n",
		       task_index(task), exc_name(kind), (unsigned long long)arch_regs_ip(regs),
		       (unsigned long long)addr);
		if (task == server_task)
			arch_dump_regs(regs);
		task_kill(task, MNEME_EXIT_FAULT, 0, kind);
	}
	sched_return();
}

/*
 * MAP_RESUME: map the frame at the fault address; an identical existing
 * mapping counts as done, and so does any mapping for a task that is
 * dying (its thread will never run again; the server reclaims the frame
 * with the task).
 */
static int fault_map(struct thread *c, const struct ipc_msg *m)
{
	uint64_t pa = m->w[0], prot = m->w[1], shift = m->w[2];

	if (shift != 12 && shift != 21)
		return -MNEME_EINVAL;
	uint64_t va = READ_ONCE(c->msg[0]) & ~((1ULL << shift) - 1);
	int err = vm_map(c->task, va, pa, shift, prot);
	if (err == -MNEME_EDEAD)
		return 0;
	if (err == -MNEME_EBUSY) {
		uint64_t old_pa;
		unsigned old_prot, old_shift;
		if (!vm_query(c->task, va, &old_pa, &old_prot, &old_shift) && old_pa == pa &&
		    old_shift == shift && old_prot == prot)
			err = 0;
	}
	return err;
}

int fault_reply_check(struct thread *pager, struct thread *c, const struct ipc_msg *m)
{
	switch (mneme_msginfo_label(m->info)) {
	case MNEME_LABEL_RESUME:
	case MNEME_LABEL_KILL:
		return 0;
	case MNEME_LABEL_MAP_RESUME:
		if (!pager->task->privileged)
			return -MNEME_EPERM;
		return fault_map(c, m);
	default:
		return -MNEME_EINVAL;
	}
}

struct thread *fault_reply_perform(struct thread *c, const struct ipc_msg *m)
{
	if (mneme_msginfo_label(m->info) == MNEME_LABEL_KILL) {
		struct task *task = c->task;
		uint64_t kind = c->msg[3];
		store_release(&c->state, THREAD_DEAD);   /* in transit and ours: stopped for the killer */
		task_kill(task, MNEME_EXIT_KILLED, m->w[0], kind);
		return NULL;
	}
	c->fault = 0;
	return c;
}

#endif /* ARCH_HAS_USPACE */

/*
 * Interprocessor interrupts and cross-CPU requests.
 *
 * arch_ipi_send() is a fixed IPI on X86_VEC_IPI: the handler (trap.c)
 * acknowledges the APIC and calls core_ipi(), which finds in memory what
 * was asked.
 *
 * Requests (TLB flushes, and calls for tests) travel through mailboxes:
 * mailbox[kind][target][requester] is one slot per pair of CPUs and kind
 * of request, so any number of CPUs can have a request pending at the
 * same target at once, and each has at most one of each kind outstanding
 * per target (a long call does not hold up flushes).  A slot goes
 *
 *   FREE --requester fills it, release--> POSTED
 *        --target, before it runs it--> RUNNING --target, release--> FREE
 *
 * and the requester, after an IPI on X86_VEC_CALL to each target, waits
 * with interrupts off until all its slots are FREE again (acquire: what
 * the target did is done).  While it waits it serves its own mailbox, so
 * two CPUs requesting from each other both progress.  A target takes the
 * IPI as soon as it has interrupts on (user mode, the idle loop); a CPU
 * inside the core with them off serves its mailbox when it next waits
 * itself or enables them.  A request that waits (a call that flushes)
 * runs nested in a serve: its own slot is RUNNING, so the nested serve
 * passes over it.
 *
 * Lock order: none is held here; callers must hold no spinlock while
 * they wait (core/spinlock.h).
 */
#include <arch/uspace.h>
#include <arch/x86.h>
#include <core/cpu.h>
#include <core/printk.h>
#include <core/spinlock.h>

#define WAIT_WARN_SECONDS 10

enum { REQ_FREE, REQ_POSTED, REQ_RUNNING };
enum { REQ_FLUSH, REQ_CALL, REQ_KINDS };

struct x86_request {
	uint32_t state;                /* REQ_*: the handshake above */
	uint32_t kind;
	struct arch_aspace as;         /* REQ_FLUSH: what to flush, by value */
	uint64_t va, size;
	void (*fn)(void *arg);         /* REQ_CALL */
	void *arg;
} __attribute__((aligned(64)));

static struct x86_request mailbox[REQ_KINDS][CORE_MAX_CPUS][CORE_MAX_CPUS];
struct x86_request_stats x86_request_stats[CORE_MAX_CPUS];

void arch_ipi_send(struct cpu *c)
{
	x86_lapic_icr((uint32_t)c->hwid, X86_ICR_FIXED | X86_VEC_IPI);
}

static void run(const struct x86_request *r, unsigned me)
{
	struct x86_request_stats *st = &x86_request_stats[me];

	if (r->kind == REQ_FLUSH) {
		arch_tlb_flush(&r->as, r->va, r->size);
		WRITE_ONCE(st->flushes, st->flushes + 1);
	} else {
		r->fn(r->arg);
		WRITE_ONCE(st->calls, st->calls + 1);
	}
}

/*
 * Only this CPU moves its slots from POSTED on, and never twice at once
 * (interrupts are off here, and a nested serve skips RUNNING), so plain
 * stores do.
 */
void x86_requests_serve(void)
{
	unsigned me = this_cpu_index();

	for (unsigned kind = 0; kind < REQ_KINDS; kind++) {
		for (unsigned from = 0; from < CORE_MAX_CPUS; from++) {
			struct x86_request *r = &mailbox[kind][me][from];
			if (load_acquire(&r->state) != REQ_POSTED)
				continue;
			WRITE_ONCE(r->state, REQ_RUNNING);
			run(r, me);
			store_release(&r->state, REQ_FREE);
		}
	}
}

/* Until @state is FREE, serve this CPU's mailbox; warn (once) if it takes very long. */
static void wait_free(const uint32_t *state, unsigned target)
{
	uint64_t t0 = arch_cycles();
	bool warned = false;

	while (load_acquire(state) != REQ_FREE) {
		x86_requests_serve();
		arch_cpu_relax();
		if (!warned && arch_cycles() - t0 > WAIT_WARN_SECONDS * x86_tsc_hz) {
			printk("x86: CPU %u has waited %u s for CPU %u to answer a request\n",
			       this_cpu_index(), WAIT_WARN_SECONDS, target);
			warned = true;
		}
	}
}

/* @mask without the caller, every CPU in it online (the boot CPU always is). */
static uint64_t targets(uint64_t mask)
{
	mask &= ~cpumask_of(this_cpu_index());
	for (unsigned i = 0; i < CORE_MAX_CPUS; i++)
		if (mask & cpumask_of(i))
			ASSERT(i < nr_cpus_possible && (i == 0 || load_acquire(&cpu_table[i].online)));
	ASSERT(!(mask >> CORE_MAX_CPUS));
	return mask;
}

/* Post @req to every CPU of @mask (without the caller) and interrupt them; returns the mask. */
static uint64_t post(uint64_t mask, const struct x86_request *req)
{
	unsigned me = this_cpu_index();
	unsigned long irq = arch_irq_save();

	mask = targets(mask);
	for (unsigned t = 0; t < CORE_MAX_CPUS; t++) {
		if (!(mask & cpumask_of(t)))
			continue;
		struct x86_request *r = &mailbox[req->kind][t][me];
		wait_free(&r->state, t);      /* ours from an outer level (we are in a call) */
		r->kind = req->kind;
		r->as = req->as;
		r->va = req->va;
		r->size = req->size;
		r->fn = req->fn;
		r->arg = req->arg;
		store_release(&r->state, REQ_POSTED);
	}
	for (unsigned t = 0; t < CORE_MAX_CPUS; t++)
		if (mask & cpumask_of(t))
			x86_lapic_icr((uint32_t)cpu_table[t].hwid, X86_ICR_FIXED | X86_VEC_CALL);
	arch_irq_restore(irq);
	return mask;
}

/* Wait, interrupts off, until every CPU of @mask has run the caller's request of @kind. */
static void wait_done(uint64_t mask, unsigned kind)
{
	unsigned me = this_cpu_index();
	unsigned long irq = arch_irq_save();

	for (unsigned t = 0; t < CORE_MAX_CPUS; t++)
		if (mask & cpumask_of(t))
			wait_free(&mailbox[kind][t][me].state, t);
	arch_irq_restore(irq);
}

/*
 * Each target flushes with arch_tlb_flush() (uspace.c): invlpg over the
 * range if @as is its current space, a flush of all its non-global
 * entries above FLUSH_PAGES_MAX pages or for size 0; for another space
 * with a PCID of its own, INVPCID or a CR3 write of that PCID; nothing
 * for another space on PCID 0 (every activation flushes it).
 */
void arch_tlb_flush_cpus(uint64_t mask, const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	struct x86_request req = { .kind = REQ_FLUSH, .as = *as, .va = va, .size = size };

	wait_done(post(mask, &req), REQ_FLUSH);
}

uint64_t x86_cpu_call_start(uint64_t mask, void (*fn)(void *arg), void *arg)
{
	struct x86_request req = { .kind = REQ_CALL, .fn = fn, .arg = arg };

	return post(mask, &req);
}

void x86_cpu_call_wait(uint64_t mask)
{
	wait_done(mask, REQ_CALL);
}

void x86_cpu_call(struct cpu *c, void (*fn)(void *arg), void *arg)
{
	x86_cpu_call_wait(x86_cpu_call_start(cpumask_of(c->index), fn, arg));
}

/* x86_64: pause (under QEMU's -icount it ends the vCPU's turn); the IPI handler serves flushes. */
void arch_wait_relax(void)
{
	arch_cpu_relax();
}

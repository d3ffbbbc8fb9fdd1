/*
 * Multiprocessing on riscv64: per-hart state, finding the harts,
 * starting them, IPIs and remote TLB flushes, all through the SBI.
 *
 * Per-hart state lives in the hart's struct cpu (<core/cpu.h>), whose
 * first member is struct arch_cpu; in S-mode tp holds it, so
 * arch_this_cpu() costs nothing and a per-CPU field is one tp-relative
 * access.  How the trap entry keeps tp across user mode: <arch/regs.h>.
 *
 * Discovery (arch_smp_discover): the device tree's /cpus, read by
 * core/dt.c with the rest of the tree; dt_cpus_select() chooses.  The
 * boot hart (OpenSBI picks it: by lottery on real machines and under
 * QEMU's MTTCG, so any hart) is CPU 0; the others are numbered in blob
 * order, skipping (with a message) nodes that are not okay, have no
 * usable hart id (none, malformed, a duplicate) or no MMU able to run the
 * paging mode in use, and those beyond CORE_MAX_CPUS.  Hart ids need not
 * be contiguous: struct cpu keeps each one (hwid) and SBI calls take
 * hart ids, never indices.  Without the SBI HSM extension (or any way to
 * send IPIs and remote fences) the boot hart runs alone.
 *
 * Start-up (arch_cpu_start): the hart gets a kernel stack in the stack
 * window (riscv_kstack_map: KSTACK_SIZE-aligned with an unmapped guard
 * page, so trap_entry's overflow check works there too) and is started
 * with HSM hart_start(hart id, physical address of riscv_secondary_entry,
 * opaque = the virtual address of its struct cpu).  The entry (entry.S)
 * turns on the boot tables, jumps to the higher half, sets tp, switches
 * to the core's final tables, takes its stack and trap vector and calls
 * riscv_secondary_main(), which sets up its user-mode state and IPIs and
 * enters core_cpu_main() (timer, online, idle loop).  The boot hart waits
 * for the online flag, bounded: a hart that stops itself (its MMU or
 * ASIDs do not fit) or never answers is reported and the boot goes on.
 *
 * IPIs: SBI send_ipi raises the target's supervisor software interrupt
 * (sip.SSIP); trap.c clears it and calls core_ipi().
 */
#include <arch/arch.h>
#include <arch/riscv.h>
#include <arch/sbi.h>
#include <core/core.h>
#include <core/cpu.h>
#include <core/dt.h>
#include <core/printk.h>
#include <core/spinlock.h>
#include <mneme/error.h>

_Static_assert(__builtin_offsetof(struct cpu, arch) == 0, "tp addresses struct arch_cpu too");

#define START_TIMEOUT_S 10      /* a started hart must be online within this (MTTCG on a busy host) */

extern struct dt_machine riscv_dt_machine;   /* boot.c: the tree arch_firmware_map() read */

/* Enable this hart's IPIs: nothing stale pending, SSIE on (taken once sstatus.SIE is set). */
static void ipi_enable(void)
{
	csr_clear(sip, SIE_SSIE);
	csr_set(sie, SIE_SSIE);
}

void arch_cpu_init_boot(struct cpu *c)
{
	c->hwid = riscv_boot_hart;
	c->arch.kstack_top = (uint64_t)(uintptr_t)boot_stack_top;
	riscv_uspace_cpu_init(&c->arch);
	ipi_enable();
	__asm__ volatile("mv tp, %0" : : "r"(c) : "memory");
}

/* Can the firmware start harts, interrupt them and fence them?  Says what it found. */
static bool firmware_can_smp(void)
{
	const char *ipi = sbi_ipi_kind(), *rfence = sbi_rfence_kind();

	printk("smp: riscv64: SBI HSM %s, IPI %s, RFENCE %s\n", sbi_has_hsm() ? "extension" : "missing",
	       ipi ? ipi : "missing", rfence ? rfence : "missing");
	if (sbi_has_hsm() && ipi && rfence)
		return true;
	printk("smp: riscv64: the firmware cannot start, interrupt and fence harts: the boot hart "
	       "runs alone\n");
	return false;
}

static const char *mmu_name(const struct dt_cpu *n)
{
	return n->mmu_type[0] ? n->mmu_type : "no mmu-type";
}

static uint32_t cpu_node_nid(const struct dt_cpu *n)
{
	return (n->flags & DT_CPUF_NID_OK) ? n->nid : 0;
}

/* Report cpu node @i, and record it in cpu_table if it was chosen (and @can_start). */
static void discover_one(const struct dt_machine *m, uint32_t i, unsigned verdict, uint32_t index,
			 bool can_start)
{
	const struct dt_cpu *n = &m->cpu[i];
	unsigned long long hart = n->hartid;

	if (verdict == DT_CPU_BOOT)
		return;
	if (verdict != DT_CPU_USE) {
		if (n->flags & DT_CPUF_REG_OK)
			printk("smp: riscv64: hart %llu: skipped: %s\n", hart, dt_cpu_verdict_str(verdict));
		else
			printk("smp: riscv64: cpu node %u: skipped: %s\n", i, dt_cpu_verdict_str(verdict));
		return;
	}
	if (!can_start) {
		printk("smp: riscv64: hart %llu: not started\n", hart);
		return;
	}
	cpu_table[index].hwid = n->hartid;
	cpu_table[index].node = cpu_node_nid(n);
	printk("smp: riscv64: hart %llu: cpu %u, node %u, %s\n", hart, index, cpu_table[index].node,
	       mmu_name(n));
}

unsigned arch_smp_discover(void)
{
	static uint8_t verdict[DT_MAX_CPUS];
	static uint32_t index[DT_MAX_CPUS];
	const struct dt_machine *m = &riscv_dt_machine;
	uint32_t need_sv = riscv_satp_mode == SATP_MODE_SV48 ? 48 : 39;
	uint32_t recorded = m->nr_cpu_nodes < DT_MAX_CPUS ? m->nr_cpu_nodes : DT_MAX_CPUS;
	bool can_start = firmware_can_smp();
	int boot_node;
	unsigned n = dt_cpus_select(m, riscv_boot_hart, need_sv, CORE_MAX_CPUS, verdict, index,
				    &boot_node);

	if (boot_node >= 0) {
		cpu_table[0].node = cpu_node_nid(&m->cpu[boot_node]);
		printk("smp: riscv64: hart %llu: cpu 0 (boot), node %u, %s\n",
		       (unsigned long long)riscv_boot_hart, cpu_table[0].node,
		       mmu_name(&m->cpu[boot_node]));
	} else {
		printk("smp: riscv64: hart %llu: cpu 0 (boot), not among the device tree's cpu nodes\n",
		       (unsigned long long)riscv_boot_hart);
	}
	for (uint32_t i = 0; i < recorded; i++)
		discover_one(m, i, verdict[i], index[i], can_start);
	if (m->nr_cpu_nodes > recorded)
		printk("smp: riscv64: %u cpu nodes after the first %u not read\n",
		       m->nr_cpu_nodes - recorded, recorded);
	return can_start ? n : 1;
}

static int start_error(long sbi_err)
{
	return sbi_err == SBI_ERR_INVALID_PARAM ? -MNEME_ENOENT :
	       sbi_err == SBI_ERR_ALREADY_AVAILABLE ? -MNEME_EBUSY : -MNEME_EINVAL;
}

/*
 * Wait until @c is online: true, or false (reported) if the hart stopped
 * itself or did not make it within START_TIMEOUT_S.  The wait sleeps in
 * wfi, 1 ms at a time, rather than spinning: under QEMU 7.2's
 * single-threaded TCG (-icount) a hart parked in OpenSBI's HSM wait
 * (M-mode wfi) was seen never to resume while another hart spun, and to
 * start at once when that hart idled.
 */
static bool wait_online(struct cpu *c)
{
	uint64_t deadline = arch_cycles() + START_TIMEOUT_S * boot_info.timer_hz;
	uint64_t nap = boot_info.timer_hz / 1000 ? boot_info.timer_hz / 1000 : 1;

	while (!load_acquire(&c->online)) {
		if (sbi_hart_status(c->hwid) == SBI_HSM_STOPPED) {
			printk("smp: riscv64: hart %llu stopped during start-up\n",
			       (unsigned long long)c->hwid);
			return false;
		}
		if (arch_cycles() > deadline) {
			printk("smp: riscv64: hart %llu not online after %u s\n",
			       (unsigned long long)c->hwid, START_TIMEOUT_S);
			return false;
		}
		riscv_nap(nap);
	}
	return true;
}

int arch_cpu_start(struct cpu *c)
{
	uint64_t top = riscv_kstack_map(c->index);
	long err;

	if (!top) {
		printk("smp: riscv64: no memory for hart %llu's kernel stack\n",
		       (unsigned long long)c->hwid);
		return -MNEME_ENOMEM;
	}
	c->arch.kstack_top = top;
	c->arch.regs = NULL;
	/*
	 * The start note, for a hart that OpenSBI 1.1 sends to the cold
	 * entry instead (entry.S, .Llate_entry).  The hart reads it and its
	 * struct cpu after the SBI call: order the stores first.
	 */
	riscv_late_start[1] = (uint64_t)(uintptr_t)c;
	__atomic_store_n(&riscv_late_start[0], c->hwid + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* riscv_late_entry_test: the race's outcome on purpose, a hart sent to the cold entry. */
	err = sbi_hart_start(c->hwid,
			     riscv_image_pa(cmdline_has("riscv_late_entry_test") ? _start
										  : riscv_secondary_entry),
			     (uint64_t)(uintptr_t)c);
	if (err) {
		printk("smp: riscv64: SBI hart_start of hart %llu failed (%ld)\n",
		       (unsigned long long)c->hwid, err);
		return start_error(err);
	}
	err = wait_online(c) ? 0 : -MNEME_EDEAD;
	__atomic_store_n(&riscv_late_start[0], 0, __ATOMIC_RELEASE);
	return (int)err;
}

/*
 * Called by entry.S on a started hart: tp = @c, the core's tables, its
 * own stack, trap_entry installed, interrupts off.  A hart with fewer
 * ASID bits than the boot hart's would run tasks under wrong ASIDs: it
 * stops itself (arch_cpu_start() reports it).
 */
void riscv_secondary_main(struct cpu *c)
{
	unsigned asid_bits = riscv_asid_probe();

	if (asid_bits < riscv_asid_bits) {
		printk("smp: riscv64: hart %llu has %u ASID bits, the boot hart %u: stopping it\n",
		       (unsigned long long)c->hwid, asid_bits, riscv_asid_bits);
		sbi_hart_stop();
	}
	riscv_uspace_cpu_init(&c->arch);
	ipi_enable();
	if (c->index == 1 && cmdline_has("stack_overflow_test_cpu1"))
		riscv_stack_overflow_test();
	core_cpu_main(c);
}

void arch_ipi_send(struct cpu *c)
{
	long err;

	/* What the core stored for @c is visible before the interrupt can be. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	err = sbi_send_ipi(1, c->hwid);
	if (err)
		panic("riscv64: SBI send_ipi to hart %llu failed (%ld)", (unsigned long long)c->hwid, err);
}

/*
 * Remote TLB flushes: S-mode IPIs and sfence.vma on the target, the
 * requester waiting halted in wfi.  Each target has a slot per
 * requesting hart (flush_box[target][source]) and a mask of sources
 * with a request in it; the requester fills its slot on every target,
 * counts the targets (flush_left[source]) and interrupts them with one
 * SBI send_ipi per hart group.  A target, in its IPI handler (or in a
 * wait of its own), fences for each request (by ASID over the range, the
 * whole ASID, or everything for ASID 0) and counts itself done; the last
 * one interrupts the requester.  The requester waits with interrupts off
 * in wfi (it wakes on its own pending SSIP), serving its own box between
 * naps, so two harts flushing each other cannot deadlock; the call
 * returns when every target has fenced.
 *
 * Why not the SBI RFENCE extension: it does the same in M-mode, but its
 * requester spins in OpenSBI until the targets answer, and QEMU 7.2's
 * -icount (one host thread running the vCPUs in turn) lets a spinning
 * vCPU keep its turn while the targets never run: the multiprocessor
 * benchmarks would hang.  A requester halted in wfi gives its turn away.
 */
unsigned long riscv_hart_group(uint64_t *mask, const uint64_t *hwid, unsigned long *base)
{
	unsigned long harts = 0;
	uint64_t low = ~0ull;

	for (uint64_t m = *mask; m; m &= m - 1)
		if (hwid[__builtin_ctzll(m)] < low)
			low = hwid[__builtin_ctzll(m)];
	for (uint64_t m = *mask; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);

		if (hwid[i] - low < 64) {
			harts |= 1ul << (hwid[i] - low);
			*mask &= ~(1ull << i);
		}
	}
	*base = low;
	return harts;
}

struct flush_req {
	uint64_t va, size;      /* size 0: the whole space */
	uint16_t asid;
};

static struct flush_req flush_box[CORE_MAX_CPUS][CORE_MAX_CPUS];   /* [target][source] */
static uint64_t flush_pending[CORE_MAX_CPUS];                      /* per target: sources */
static uint32_t flush_left[CORE_MAX_CPUS];                         /* per source: targets to go */

static void flush_local(const struct flush_req *r)
{
	if (!r->asid) {
		sfence_vma_all();       /* ASID 0 is every space without one of its own */
		return;
	}
	if (!r->size || r->size > RISCV_FLUSH_PAGES_MAX * PAGE_SIZE) {
		__asm__ volatile("sfence.vma zero, %0" : : "r"((uint64_t)r->asid) : "memory");
		return;
	}
	for (uint64_t p = r->va & ~(PAGE_SIZE - 1); p < r->va + r->size; p += PAGE_SIZE)
		__asm__ volatile("sfence.vma %0, %1" : : "r"(p), "r"((uint64_t)r->asid) : "memory");
}

void riscv_flush_serve(void)
{
	unsigned me = this_cpu_index();
	uint64_t sources = __atomic_exchange_n(&flush_pending[me], 0, __ATOMIC_ACQUIRE);

	for (; sources; sources &= sources - 1) {
		unsigned src = (unsigned)__builtin_ctzll(sources);
		flush_local(&flush_box[me][src]);
		if (__atomic_sub_fetch(&flush_left[src], 1, __ATOMIC_ACQ_REL) == 0)
			arch_ipi_send(&cpu_table[src]);      /* the last one wakes the requester */
	}
}

void arch_tlb_flush_cpus(uint64_t mask, const struct arch_aspace *as, uint64_t va, uint64_t size)
{
	unsigned me = this_cpu_index();
	uint64_t hwid[CORE_MAX_CPUS];
	unsigned long irq = arch_irq_save();

	mask &= ~cpumask_of(me) & ((1ull << nr_cpus_online) - 1);
	if (!mask) {
		arch_irq_restore(irq);
		return;
	}
	store_release(&flush_left[me], (uint32_t)__builtin_popcountll(mask));
	for (uint64_t m = mask; m; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctzll(m);
		flush_box[t][me] = (struct flush_req){ .va = va, .size = size, .asid = as->asid };
		__atomic_fetch_or(&flush_pending[t], cpumask_of(me), __ATOMIC_RELEASE);
	}
	for (unsigned i = 0; i < nr_cpus_online; i++)
		hwid[i] = cpu_table[i].hwid;            /* fixed once the CPU is up */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);        /* the requests before the interrupts */
	for (uint64_t m = mask; m;) {
		unsigned long base, harts = riscv_hart_group(&m, hwid, &base);
		long err = sbi_send_ipi(harts, base);
		if (err)
			panic("riscv64: SBI send_ipi to harts %#lx + %lu failed (%ld)", harts, base, err);
	}
	while (load_acquire(&flush_left[me])) {
		riscv_flush_serve();
		/*
		 * Clear our SSIP, then look again: the last target sets it after its
		 * count, so a wake-up is never lost; wfi (interrupts off) returns once
		 * it is pending.  Whatever else an IPI asked of this CPU is in memory
		 * and seen at its next sched_return().
		 */
		csr_clear(sip, SIE_SSIE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!load_acquire(&flush_left[me]))
			break;
		if (!READ_ONCE(flush_pending[me]))
			arch_wait_for_interrupt();
	}
	csr_set(sip, SIE_SSIE);         /* hand a core request that came meanwhile to the handler */
	arch_irq_restore(irq);
}

void arch_wait_relax(void)
{
	riscv_flush_serve();
	riscv_nap(boot_info.timer_hz / 100000 ? boot_info.timer_hz / 100000 : 1);   /* 10 us */
}

/* ---- cross-calls (tests) --------------------------------------------- */

#define CALL_TIMEOUT_S 5

/*
 * The target claims the call (call_fn back to NULL) before it runs it and
 * reports its ticket done after, so a caller that gives up can withdraw a
 * call not yet claimed and never leaves one running on a dead stack.
 * One caller per target at a time (the tests call from the boot CPU).
 */
void riscv_cpu_call_serve(void)
{
	struct arch_cpu *a = riscv_this_cpu();
	void (*fn)(void *) = __atomic_exchange_n(&a->call_fn, (void (*)(void *))0, __ATOMIC_ACQUIRE);
	uint64_t ticket;

	if (!fn)
		return;
	ticket = READ_ONCE(a->call_posted);
	fn(a->call_arg);
	store_release(&a->call_done, ticket);
}

int riscv_cpu_call(struct cpu *c, void (*fn)(void *), void *arg)
{
	struct arch_cpu *a = &c->arch;
	void (*none)(void *) = 0, (*posted)(void *) = fn;
	uint64_t deadline = arch_cycles() + CALL_TIMEOUT_S * boot_info.timer_hz;
	uint64_t nap = boot_info.timer_hz / 10000 ? boot_info.timer_hz / 10000 : 1;
	uint64_t ticket;

	if (c == this_cpu()) {
		fn(arg);
		return 0;
	}
	if (load_acquire(&a->call_fn) || READ_ONCE(a->call_done) != READ_ONCE(a->call_posted))
		return -MNEME_EBUSY;
	ticket = a->call_posted + 1;
	a->call_arg = arg;
	WRITE_ONCE(a->call_posted, ticket);
	if (!__atomic_compare_exchange_n(&a->call_fn, &none, fn, false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED))
		return -MNEME_EBUSY;
	arch_ipi_send(c);
	/* Wait in wfi naps (100 us), not spinning: see wait_online(). */
	while (load_acquire(&a->call_done) != ticket) {
		if (arch_cycles() > deadline &&
		    __atomic_compare_exchange_n(&a->call_fn, &posted, (void (*)(void *))0, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			WRITE_ONCE(a->call_done, ticket);       /* withdrawn: never ran */
			return -MNEME_EDEAD;
		}
		posted = fn;
		riscv_nap(nap);
	}
	return 0;
}

/*
 * Spinlocks and the few atomic operations the core uses, on the
 * compiler's __atomic builtins (xchg / lock-prefixed on x86_64, AMOs and
 * LR/SC on riscv64).
 *
 * The core never sleeps, so every lock is a spinlock, held for a bounded
 * number of instructions with interrupts off (the core runs with them off
 * anyway, except in the idle loop).  Rules that keep the core free of
 * deadlock (docs/architecture.md, "Locking"):
 *   - locks are taken in the documented order only;
 *   - a CPU never waits for another CPU's answer (an IPI acknowledgement)
 *     while it holds a spinlock, and while it waits it serves the
 *     requests other CPUs address to it.
 */
#ifndef CORE_SPINLOCK_H
#define CORE_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/arch.h>

typedef struct {
	uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_init(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELAXED);
}

/*
 * The architecture may supply the two atomic steps itself (they are on
 * the IPC fast path, where each instruction counts): ARCH_HAS_SPINLOCK
 * with arch_spin_trylock(word) (true if it was 0 and is now 1, acquire)
 * and arch_spin_unlock(word) (store 0, release).
 */
#ifndef ARCH_HAS_SPINLOCK
static inline bool arch_spin_trylock(uint32_t *word)
{
	return __atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void arch_spin_unlock(uint32_t *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}
#endif

static inline bool spin_trylock(spinlock_t *l)
{
	return arch_spin_trylock(&l->locked);
}

/* Test-and-test-and-set: waiters spin on a plain load, not on the bus. */
static inline void spin_lock(spinlock_t *l)
{
	while (__builtin_expect(!arch_spin_trylock(&l->locked), 0))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	arch_spin_unlock(&l->locked);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

/* A full barrier: stores before it are visible before loads after it (store-load order). */
static inline void smp_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#define READ_ONCE(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define load_acquire(p)      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_release(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#endif

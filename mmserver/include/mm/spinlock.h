/*
 * Spin locks of the mm core (Linux's names: spinlock_t, spin_lock,
 * lockdep_assert_held).
 *
 * Today the memory server runs one thread, so no lock is ever contended
 * and each costs one atomic exchange and one release store.  They are
 * real locks all the same, taken wherever the rules written next to the
 * data say a lock is needed, so the rules already hold when the server
 * runs one thread per CPU (issue 9).  The compiler's __atomic builtins
 * are freestanding: an exchange and a store on both architectures
 * (x86_64 xchg, riscv64 amoswap.w with acquire ordering).
 *
 * Debug builds (MM_DEBUG: the host tests) record the CPU holding each
 * lock and stop on the two mistakes a single thread can make: taking a
 * lock it already holds (which would deadlock) and releasing a lock it
 * does not hold; lockdep_assert_held() checks a function's documented
 * locking.  A spinning waiter must never be a thread that the holder
 * waits for: the rules beside each lock say which ones nest.
 */
#ifndef MM_SPINLOCK_H
#define MM_SPINLOCK_H

#include "mm/port.h"

typedef struct {
	uint32_t locked;
	uint32_t owner;     /* MM_DEBUG: holding CPU + 1, 0 when free */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
	l->owner = 0;
}

static inline void spin_lock(spinlock_t *l)
{
#ifdef MM_DEBUG
	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) && l->owner == mm_this_cpu() + 1)
		mm_panic("spin_lock %p: already held by this CPU (%u)", (void *)l, mm_this_cpu());
#endif
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;
#ifdef MM_DEBUG
	l->owner = mm_this_cpu() + 1;
#endif
}

static inline void spin_unlock(spinlock_t *l)
{
#ifdef MM_DEBUG
	if (!l->locked || l->owner != mm_this_cpu() + 1)
		mm_panic("spin_unlock %p: not held by this CPU (%u)", (void *)l, mm_this_cpu());
	l->owner = 0;
#endif
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

/* The caller must hold @l (checked in debug builds). */
#ifdef MM_DEBUG
#define lockdep_assert_held(l) do { \
	if (!(l)->locked || (l)->owner != mm_this_cpu() + 1) \
		mm_panic("%s:%d: lock %s not held by this CPU", __FILE__, __LINE__, #l); \
} while (0)
#else
#define lockdep_assert_held(l) do { (void)(l); } while (0)
#endif

/* Counters several CPUs update without a common lock (statistics, cache-wide totals). */
static inline void mm_counter_add(uint64_t *counter, int64_t v)
{
	__atomic_fetch_add(counter, (uint64_t)v, __ATOMIC_RELAXED);
}

#endif

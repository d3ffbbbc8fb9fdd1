/*
 * The syscall list: the one place syscall numbers are defined.
 *
 * MNEME_SYSCALLS(X) expands X(number, name, nargs, who) once per call:
 *   number  stable ABI number (never reused or renumbered)
 *   name    the call's name; the core implements sys_<name>, the user
 *           runtime generates mneme_<name>() stubs from this list
 *   nargs   argument registers used (arg0..arg6)
 *   who     MNEME_SYS_ANY or MNEME_SYS_SERVER (memory server only:
 *           every other task gets -MNEME_EPERM)
 *
 * Register ABI (both architectures; see docs/syscalls.md):
 *   syscall number in x86 rax / riscv a7, arguments arg0..arg6,
 *   results ret0..ret6 with ret0 = 0 or -MNEME_E*.
 * IPC calls use arg0 = endpoint handle, arg1 = msginfo, arg2..arg5 =
 * message words 0..3, arg6 = handle to transfer (0 = none); a receive
 * returns ret0 = status, ret1 = badge, ret2 = msginfo, ret3..ret6 = words.
 */
#ifndef MNEME_SYSCALL_H
#define MNEME_SYSCALL_H

#include <stdint.h>

#define MNEME_SYS_ANY    0
#define MNEME_SYS_SERVER 1

#define MNEME_SYSCALLS(X)                                                       \
	/* any task */                                                          \
	X(0,  debug_write,     2, MNEME_SYS_ANY)    /* buf, len -> ret1 = bytes written */ \
	X(1,  call,            7, MNEME_SYS_ANY)    /* ep, info, w0..w3, handle -> reply */ \
	X(2,  reply_recv,      7, MNEME_SYS_ANY)    /* ep, info, w0..w3, handle -> next message */ \
	X(3,  send,            7, MNEME_SYS_ANY)    /* ep, info, w0..w3, handle */ \
	X(4,  recv,            1, MNEME_SYS_ANY)    /* ep -> message */ \
	X(5,  reply,           7, MNEME_SYS_ANY)    /* (unused), info, w0..w3, handle */ \
	X(6,  yield,           0, MNEME_SYS_ANY)                                  \
	X(7,  thread_exit,     1, MNEME_SYS_ANY)    /* status */ \
	X(8,  ipc_buffer_set,  1, MNEME_SYS_ANY)    /* va (0 = none) */ \
	X(9,  endpoint_create, 0, MNEME_SYS_ANY)    /* -> ret1 = handle */ \
	X(10, handle_close,    1, MNEME_SYS_ANY)    /* handle */ \
	X(11, handle_mint,     3, MNEME_SYS_ANY)    /* handle, badge, rights -> ret1 = handle */ \
	X(12, clock_read,      0, MNEME_SYS_ANY)    /* -> ret1 = counter, ret2 = counter hz, ret3 = ticks */ \
	X(13, thread_spawn,    5, MNEME_SYS_ANY)    /* entry, sp, a0, a1, prio -> ret1 = thread handle (own task, started) */ \
	X(14, thread_set_affinity, 2, MNEME_SYS_ANY) /* thread handle (0 = self), cpu mask (~0 = any) */ \
	X(15, cpu_current,     0, MNEME_SYS_ANY)    /* -> ret1 = this CPU, ret2 = CPUs online, ret3 = node */ \
	X(16, task_exit,       1, MNEME_SYS_ANY)    /* status: the whole task ends (every thread) */ \
	/* devices: holders of a device handle (docs/syscalls.md, "Devices") */ \
	X(24, device_read,     2, MNEME_SYS_ANY)    /* device, register -> ret1 = value */ \
	X(25, device_write,    3, MNEME_SYS_ANY)    /* device, register, value */ \
	X(26, irq_bind,        3, MNEME_SYS_ANY)    /* device, endpoint (0 = unbind), badge */ \
	X(27, irq_ack,         1, MNEME_SYS_ANY)    /* device: unmask after a notification */ \
	/* memory server only */                                                \
	X(32, task_create,     3, MNEME_SYS_SERVER) /* root_pa, pager ep handle (0 = none), badge -> ret1 = task handle */ \
	X(33, task_destroy,    1, MNEME_SYS_SERVER) /* task handle */ \
	X(34, thread_create,   6, MNEME_SYS_SERVER) /* task, entry, sp, a0, a1, prio -> ret1 = thread handle */ \
	X(35, thread_resume,   1, MNEME_SYS_SERVER) /* thread handle */ \
	X(36, thread_set_priority, 2, MNEME_SYS_SERVER) /* thread handle, prio */ \
	X(37, map,             5, MNEME_SYS_SERVER) /* task, va, pa, page_shift, prot */ \
	X(38, unmap,           2, MNEME_SYS_SERVER) /* task, va -> ret1 = pa, ret2 = page_shift, ret3 = tables freed */ \
	X(39, protect,         3, MNEME_SYS_SERVER) /* task, va, prot */ \
	X(40, query,           2, MNEME_SYS_SERVER) /* task, va -> ret1 = pa, ret2 = prot, ret3 = page_shift */ \
	X(41, pt_donate,       2, MNEME_SYS_SERVER) /* task, frame pa (4 KiB) -> ret1 = frames in the pool */ \
	X(42, tlb_flush,       3, MNEME_SYS_SERVER) /* task, va, size (0 = all) */ \
	X(43, handle_grant,    2, MNEME_SYS_SERVER) /* task, handle -> ret1 = slot in task */ \
	X(44, shutdown,        1, MNEME_SYS_SERVER) /* exit code (MNEME_SHUTDOWN_*) */ \
	X(45, unmap_range,     3, MNEME_SYS_SERVER) /* task, va, size -> ret1 = base pages unmapped, ret2 = tables freed */ \
	X(46, protect_range,   4, MNEME_SYS_SERVER) /* task, va, size, prot -> ret1 = base pages changed */ \
	X(47, pt_reclaim,      1, MNEME_SYS_SERVER) /* task -> ret1 = a page-table frame back (0: none), ret2 = frames left in the pool */ \
	X(48, age_range,       4, MNEME_SYS_SERVER) /* task, va, size, bitmap va (0 = none) -> ret1 = young base pages */ \
	X(56, device_open,     1, MNEME_SYS_SERVER) /* index -> ret1 = device handle, ret2 = kind, ret3 = registers */

enum mneme_syscall_nr {
#define MNEME_SYS_ENUM_(nr, name, nargs, who) MNEME_SYS_##name = nr,
	MNEME_SYSCALLS(MNEME_SYS_ENUM_)
#undef MNEME_SYS_ENUM_
	MNEME_SYS_NR_MAX = 64  /* numbers are < this */
};

/* shutdown() codes: what the emulator reports (same values as CORE_EXIT_*). */
#define MNEME_SHUTDOWN_PASS  0
#define MNEME_SHUTDOWN_FAIL  1
#define MNEME_SHUTDOWN_PANIC 2

/* Largest debug_write() in one call (bytes); longer writes are truncated to it. */
#define MNEME_DEBUG_WRITE_MAX 256

/* Page rights for map/protect/query and MAP_RESUME (same bits as the core's ARCH_PROT_*). */
#define MNEME_PROT_READ  1u
#define MNEME_PROT_WRITE 2u
#define MNEME_PROT_EXEC  4u

/* age_range(): base pages one call may cover (its bitmap: 512 bytes). */
#define MNEME_AGE_MAX_PAGES 4096

/* thread_set_affinity(): every CPU. */
#define MNEME_CPUS_ANY (~0ULL)

/*
 * Threads a task other than the memory server may have at once (thread_spawn: -MNEME_EQUOTA);
 * MNEME_MAX_THREADS holds MNEME_MAX_TASKS of these shares.
 */
#define MNEME_MAX_THREADS_PER_TASK 16

/* Thread priorities: 0 (lowest) .. MNEME_PRIO_MAX (highest). */
#define MNEME_PRIO_MAX     31
#define MNEME_PRIO_DEFAULT 10

/*
 * msginfo: the second IPC argument and the third receive result.
 *   bits  0..31  label (the message's operation or status, chosen by the protocol)
 *   bits 32..39  extra words in the IPC buffer (0..MNEME_IPC_BUFFER_WORDS)
 *   bits 40..47  flags (MNEME_MSG_*)
 *   bits 48..55  on receive with MNEME_MSG_HANDLE: the slot the transferred
 *                handle was installed in (ignored on send)
 *   bits 56..63  on receive: which CPU the sender ran on when it sent (for a
 *                fault: the CPU the thread faulted on), MNEME_MSG_CPU_* below;
 *                ignored on send
 * The sender's CPU lets a server act for the CPU its client runs on (the
 * memory server allocates from that CPU's NUMA node) whatever CPU the
 * server thread itself runs on.  The IPC fast path runs sender and
 * receiver on one CPU and leaves the field 0 ("here"); the general path
 * writes 1 + the CPU's index.
 */
#define MNEME_MSG_HANDLE 0x01u   /* arg6 names a handle transferred with the message */

static inline uint64_t mneme_msginfo(uint32_t label, unsigned extra, unsigned flags)
{
	return (uint64_t)label | ((uint64_t)(extra & 0xff) << 32) | ((uint64_t)(flags & 0xff) << 40);
}

static inline uint32_t mneme_msginfo_label(uint64_t info)
{
	return (uint32_t)info;
}

static inline unsigned mneme_msginfo_extra(uint64_t info)
{
	return (unsigned)(info >> 32) & 0xff;
}

static inline unsigned mneme_msginfo_flags(uint64_t info)
{
	return (unsigned)(info >> 40) & 0xff;
}

#define MNEME_MSG_CPU_SHIFT 56
#define MNEME_MSG_CPU_HERE  0u      /* the sender ran on the CPU the receiver runs on now */
#define MNEME_MSG_CPU_NONE  0xffu   /* no sending thread: the core's own messages (EXIT) */

static inline unsigned mneme_msginfo_slot(uint64_t info)
{
	return (unsigned)(info >> 48) & 0xff;
}

static inline uint64_t mneme_msginfo_with_slot(uint64_t info, unsigned slot)
{
	return (info & ~(0xffULL << 48)) | ((uint64_t)(slot & 0xff) << 48);
}

/* The sender's CPU field of a received msginfo (MNEME_MSG_CPU_HERE, NONE or 1 + index). */
static inline unsigned mneme_msginfo_cpu_field(uint64_t info)
{
	return (unsigned)(info >> MNEME_MSG_CPU_SHIFT);
}

/*
 * The index of the CPU the sender of a received message ran on, given
 * the CPU the receiver runs on now (@here); @here also for messages
 * without a sender.
 */
static inline unsigned mneme_msginfo_cpu(uint64_t info, unsigned here)
{
	unsigned f = mneme_msginfo_cpu_field(info);

	return f == MNEME_MSG_CPU_HERE || f == MNEME_MSG_CPU_NONE ? here : f - 1;
}

#endif

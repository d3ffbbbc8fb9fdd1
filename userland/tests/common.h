/*
 * Helpers shared by the test programs: endpoints, handles, children.
 */
#ifndef TESTS_COMMON_H
#define TESTS_COMMON_H

#include <ulib/ulib.h>
#include <mneme/fault.h>
#include <user/insn.h>

/* A new endpoint handle (all rights), or 0. */
static inline uint64_t t_endpoint(void)
{
	struct mneme_sysret r;

	return mneme_endpoint_create_r(&r) ? 0 : r.r[1];
}

/* A badged copy of @h with @rights, or 0. */
static inline uint64_t t_mint(uint64_t h, uint64_t badge, unsigned rights)
{
	struct mneme_sysret r;

	return mneme_handle_mint_r(&r, h, badge, rights) ? 0 : r.r[1];
}

/* Wait for a child to end; returns its exit status, or a large negative value on trouble. */
static inline int64_t t_wait(uint64_t child, uint64_t *reason)
{
	uint64_t status = 0, why = 0;
	int64_t st = mm_wait(child, 200000, &status, &why);

	if (reason)
		*reason = why;
	if (st)
		return -1000 + st;
	return (int64_t)status;
}

/* Wait for a child to end: 0 (and its status and exit reason) or -MNEME_E*. */
static inline int64_t t_join(uint64_t child, int64_t *status, uint64_t *reason)
{
	uint64_t st = 0, why = 0;
	int64_t err = mm_wait(child, 200000, &st, &why);

	if (status)
		*status = (int64_t)st;
	if (reason)
		*reason = why;
	return err;
}

/* True if syscall @nr is memory-server-only / exists at all (from the one syscall list). */
static inline bool t_sys_server_only(uint64_t nr)
{
#define T_WHO_(n, name, nargs, who) if (nr == (n)) return (who) == MNEME_SYS_SERVER;
	MNEME_SYSCALLS(T_WHO_)
#undef T_WHO_
	return false;
}

static inline bool t_sys_known(uint64_t nr)
{
#define T_KNOWN_(n, name, nargs, who) if (nr == (n)) return true;
	MNEME_SYSCALLS(T_KNOWN_)
#undef T_KNOWN_
	return false;
}

static inline uint64_t t_info(uint32_t label)
{
	return mneme_msginfo(label, 0, 0);
}

#endif

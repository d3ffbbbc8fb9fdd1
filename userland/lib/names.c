/*
 * mneme's numbers in words (see ulib/names.h).  The tables are indexed by
 * the numbers the ABI headers fix; test/host/libc reads those headers and
 * checks that every code has an entry here.
 */
#include <mneme/error.h>
#include <mneme/fault.h>
#include <mneme/syscall.h>
#include <ulib/names.h>

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	const char *text;
} errors[] = {
	[MNEME_OK]       = { "OK", "success" },
	[MNEME_EINVAL]   = { "EINVAL", "invalid argument" },
	[MNEME_ENOSYS]   = { "ENOSYS", "no such call or request" },
	[MNEME_EBADH]    = { "EBADH", "no such handle" },
	[MNEME_EFAULT]   = { "EFAULT", "bad address" },
	[MNEME_ENOMEM]   = { "ENOMEM", "out of memory" },
	[MNEME_ERANGE]   = { "ERANGE", "value out of range" },
	[MNEME_EPERM]    = { "EPERM", "operation not permitted" },
	[MNEME_EDEAD]    = { "EDEAD", "the peer died" },
	[MNEME_EBUSY]    = { "EBUSY", "in use" },
	[MNEME_ENOENT]   = { "ENOENT", "no such object" },
	[MNEME_EQUOTA]   = { "EQUOTA", "over the memory quota" },
	[MNEME_ECORRUPT] = { "ECORRUPT", "corrupt data" },
	[MNEME_ETRUNC]   = { "ETRUNC", "truncated data" },
	[MNEME_EEXIST]   = { "EEXIST", "already exists" },
};
_Static_assert(NELEMS(errors) == MNEME_ERROR_MAX, "a name for every mneme error code");

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

const char *mneme_error_name(int64_t err)
{
	uint64_t e = magnitude(err);

	return e < NELEMS(errors) && errors[e].name ? errors[e].name : "E?";
}

const char *mneme_strerror(int64_t err)
{
	uint64_t e = magnitude(err);

	return e < NELEMS(errors) && errors[e].text ? errors[e].text : "unknown error";
}

const char *mneme_fault_name(uint64_t kind)
{
	static const char *const names[] = {
		[MNEME_FAULT_PAGE]       = "page fault",
		[MNEME_FAULT_ILLEGAL]    = "illegal instruction",
		[MNEME_FAULT_DIVIDE]     = "divide error",
		[MNEME_FAULT_MISALIGNED] = "misaligned access",
		[MNEME_FAULT_BREAKPOINT] = "breakpoint",
		[MNEME_FAULT_PROTECTION] = "protection fault",
		[MNEME_FAULT_OTHER]      = "exception",
	};

	return kind < NELEMS(names) && names[kind] ? names[kind] : "unknown fault kind";
}

const char *mneme_exit_reason_name(uint64_t reason)
{
	static const char *const names[] = {
		[MNEME_EXIT_NORMAL]    = "exited",
		[MNEME_EXIT_FAULT]     = "killed by a fault (no pager)",
		[MNEME_EXIT_KILLED]    = "killed by its pager",
		[MNEME_EXIT_DESTROYED] = "destroyed",
		[MNEME_EXIT_OOM]       = "killed by the OOM killer",
	};

	return reason < NELEMS(names) && names[reason] ? names[reason] : "unknown exit reason";
}

const char *mneme_access_name(uint64_t prot)
{
	static const char *const names[] = {
		"no access", "read", "write", "read/write",
		"execute", "read/execute", "write/execute", "read/write/execute",
	};
	unsigned i = (prot & MNEME_PROT_READ ? 1 : 0) | (prot & MNEME_PROT_WRITE ? 2 : 0) |
		     (prot & MNEME_PROT_EXEC ? 4 : 0);

	return prot & ~(uint64_t)(MNEME_PROT_READ | MNEME_PROT_WRITE | MNEME_PROT_EXEC) ?
		       "unknown access" : names[i];
}

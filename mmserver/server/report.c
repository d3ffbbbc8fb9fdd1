/*
 * The server's words for the end of a task (see report.h).
 */
#include <mneme/error.h>
#include <mneme/fault.h>
#include <ulib/ulib.h>
#include "report.h"
#include "task.h"

/* Why a page fault could not be resolved, from what vm_fault() returned. */
static const char *fault_why(int err)
{
	switch (-err) {
	case MNEME_EFAULT: return "which no mapping allows";
	case MNEME_ENOMEM: return "and no memory is left for it";
	case MNEME_EQUOTA: return "beyond its memory quota";
	default:           return mneme_strerror(err);
	}
}

void report_kill(const char *name, uint64_t id, uint64_t kind, uint64_t addr, uint64_t access,
		 uint64_t ip, int err)
{
	if (kind == MNEME_FAULT_PAGE)
		printf("mmserver: killing %s (task %#llx): page fault: %s at %#llx, %s (%s), ip %#llx\n",
		       name, (unsigned long long)id, mneme_access_name(access),
		       (unsigned long long)addr, fault_why(err), mneme_error_name(err),
		       (unsigned long long)ip);
	else if (addr && addr != ip)
		printf("mmserver: killing %s (task %#llx): %s at ip %#llx (address %#llx)\n", name,
		       (unsigned long long)id, mneme_fault_name(kind), (unsigned long long)ip,
		       (unsigned long long)addr);
	else
		printf("mmserver: killing %s (task %#llx): %s at ip %#llx\n", name,
		       (unsigned long long)id, mneme_fault_name(kind), (unsigned long long)ip);
}

int report_end(const struct mm_task *t, char *buf, size_t len)
{
	long long st = (long long)t->exit_status;

	switch (t->exit_reason) {
	case MNEME_EXIT_NORMAL:
		return snprintf(buf, len, "exited with status %lld", st);
	case MNEME_EXIT_KILLED:
		if (st < 0 && -st < MNEME_ERROR_MAX)
			return snprintf(buf, len, "was killed by its pager (status %lld: %s, %s)", st,
					mneme_error_name(st), mneme_strerror(st));
		return snprintf(buf, len, "was killed by its pager (status %lld)", st);
	case MNEME_EXIT_FAULT:
		return snprintf(buf, len, "was killed by a fault with no pager: %s",
				mneme_fault_name(t->exit_kind));
	case MNEME_EXIT_DESTROYED:
		return snprintf(buf, len, "was destroyed");
	case MNEME_EXIT_OOM:
		return snprintf(buf, len, "was killed by the OOM killer");
	default:
		return snprintf(buf, len, "ended (%s %llu)", mneme_exit_reason_name(t->exit_reason),
				(unsigned long long)t->exit_reason);
	}
}

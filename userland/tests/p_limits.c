/*
 * Helper of t_limits: a child that tries to take what is not its own.
 * mode=
 *   refused   (its pager is the parent) read ULIB_NOWHERE_VA: the parent maps
 *             a page of 0x11 read-only, then has requests refused over it and
 *             over the next page; check in MAPS that nothing changed, then
 *             write the page (a write fault: the parent makes it writable),
 *             read two pages further (the parent's sign to stop)
 *   reshare   parent=ID: offer one 1 MiB range to the parent 62 times, send
 *             the last grant's number over the handle it was given, wait for
 *             the reply (the parent accepts it), exit
 *   breakpoint  (its pager is the parent) a breakpoint instruction, which the
 *             parent resumes; then read ULIB_NOWHERE_VA (the parent's sign
 *             to stop)
 *   hog       create endpoints and threads until refused, send how many
 *             over the handle it was given, then wait forever (killed)
 * Exit status 0: as expected; anything else says what went wrong.
 */
#include <libmm/libmm.h>
#include <ulib/thread.h>
#include "common.h"

#define MiB (1ULL << 20)

/* True if the MAPS text of this task has the line starting with @line. */
static bool maps_has(const char *line)
{
	static char text[8192];
	size_t n = strlen(line);

	if (mm_stats_read(MNEME_MM_STAT_MAPS, text, sizeof(text)) <= 0)
		return false;
	for (const char *p = text; *p; ) {
		if (!strncmp(p, line, n))
			return true;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

static int refused(void)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)ULIB_NOWHERE_VA;
	int fails = 0;

	fails += p[0] != 0x11;                                /* not the refused request's 0x22 */
	fails += !maps_has("0030000000-0030001000 r--p") << 1;   /* not upgraded to rw */
	fails += !maps_has("0030001000-0031000000 rw-p") << 2;   /* the next page kept its rights */
	p[8] = 0x33;                                          /* a write fault: made writable */
	fails += (p[8] != 0x33 || p[0] != 0x11) << 3;
	fails += (p[2 * 4096] != 0x44) << 4;                 /* the end: the parent stops here */
	return fails;
}

static int reshare(uint64_t parent)
{
	void *va;
	uint64_t grant = 0;
	unsigned offered = 0;

	if (mm_map_anon(NULL, MiB, MNEME_PROT_READ | MNEME_PROT_WRITE | MNEME_MM_POPULATE, &va))
		return 1;
	*(volatile uint64_t *)va = 0x5ea5ea;
	for (unsigned i = 0; i < 62; i++)
		offered += !mm_share(va, MiB, parent, MNEME_PROT_READ, &grant);
	if (offered != 62)
		return 2;
	struct ulib_msg m = { .info = t_info(1), .w = { grant } }, r;
	if (ipc_call(ulib_start->handles[0], &m, &r))
		return 3;
	return r.w[0] == 0x5ea5ea ? 0 : 4;                    /* the parent read it through the grant */
}

static int sleeper(void *arg)
{
	struct mneme_sysret r;

	for (;;)
		mneme_recv_r(&r, (uint64_t)(uintptr_t)arg);
	return 0;
}

static int hog(void)
{
	static struct ulib_thread t[MNEME_MAX_THREADS_PER_TASK];
	uint64_t ep = 0, e;
	unsigned eps = 0, threads = 1;                        /* the first is ours */

	while (eps < 4 * MNEME_MAX_ENDPOINTS_PER_TASK && (e = t_endpoint())) {
		ep = e;
		eps++;
	}
	for (unsigned i = 0; ep && i < MNEME_MAX_THREADS_PER_TASK; i++) {
		if (ulib_thread_create(&t[i], sleeper, (void *)(uintptr_t)ep, MNEME_PRIO_DEFAULT))
			break;
		threads++;
	}
	struct ulib_msg m = { .info = t_info(1), .w = { eps, threads } };
	if (ipc_send(ulib_start->handles[0], &m))
		return 1;
	return sleeper((void *)(uintptr_t)ep);
}

int main(int argc, char **argv)
{
	const char *mode = ulib_arg(argc, argv, "mode");
	const char *par = ulib_arg(argc, argv, "parent");

	if (!mode)
		return 100;
	if (!strcmp(mode, "refused"))
		return refused();
	if (!strcmp(mode, "breakpoint")) {
		arch_user_breakpoint();
		return *(volatile uint8_t *)(uintptr_t)ULIB_NOWHERE_VA != 0x55;
	}
	if (!strcmp(mode, "hog"))
		return hog();
	if (!strcmp(mode, "reshare"))
		return reshare(par ? ulib_strtou(par) : 0);
	return 100;
}

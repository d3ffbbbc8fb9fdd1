/*
 * The memory server: the first user task.  The core starts it with the
 * boot info (mneme/layout.h); it takes over the USABLE RAM (frame.h),
 * then starts the programs the command line asks for from the boot
 * archive, serves as their pager and reports each test program as a KTAP
 * subtest, and finally shuts the system down with the overall result.
 *
 * Command line words it reads (the rest is the core's):
 *   tests=mm_selftest         the mm core's self-test (mem.h) instead of programs
 *   tests=pt_guard            the core's page-table guard tried by the server (guard.h)
 *   tests=all | tests=a,b,c   run these test programs one after another;
 *                             "name:k=v:k=v" passes arguments (t_fuzz:seed=7)
 *   run=NAME:ARG:ARG          run one program with arguments (%XX escapes in
 *                             them) and end with its verdict: the line
 *                             "mmserver: run: NAME exited with status S"
 *                             (./mneme run --prog reads it), and PASS only for 0
 *   demo                      run the "demo" program, printing the memory map,
 *                             zones, buddyinfo and meminfo before and after
 *   bench                     run the "bench" program (figures, not a test)
 *   console                   after the demo (or alone), the interactive
 *                             console: "sh" with the console UART's device
 *                             handle (it starts the serial driver); the run
 *                             ends when the shell does, PASS for status 0
 *   ktap_next=N               number of the top-level KTAP result the server
 *                             prints (the core appends it after its own
 *                             suites; without it the server prints a whole
 *                             KTAP document of its own)
 */
#include <mneme/error.h>
#include <mneme/fault.h>
#include <mneme/ipc.h>
#include <mneme/layout.h>
#include <ulib/ulib.h>
#include "guard.h"
#include "mem.h"
#include "loader.h"
#include "report.h"
#include "serve.h"
#include "kswapd.h"
#include "task.h"
#include "vm_backend.h"

/* Test programs in the order tests=all runs them. */
static const char *const all_tests[] = {
	"t_runtime", "t_ipc", "t_clients", "t_order", "t_handles", "t_dead", "t_preempt",
	"t_pager", "t_nohandler", "t_isolation", "t_hostile", "t_fuzz", "t_mm", "t_mm_stress",
	"t_mm_hostile:count=20000", "t_libc", "t_objects", "t_rmap:rounds=12", "t_limits", "t_fair", "t_ptcharge", "t_refault", "t_refused",
};
#define NR_ALL_TESTS (sizeof(all_tests) / sizeof(all_tests[0]))

#define MAX_RUN 32

static __attribute__((noreturn)) void shutdown(int code)
{
	for (;;)
		mneme_shutdown((uint64_t)code);
}

/* The value of "key=" in the boot command line, copied to @buf (empty if absent). */
static bool cmdline_value(const char *key, char *buf, size_t size)
{
	const char *p = ulib_boot_info->cmdline;
	size_t n = strlen(key);

	buf[0] = '\0';
	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, n) && p[n] == '=') {
			size_t i = 0;
			for (p += n + 1; *p && *p != ' ' && i + 1 < size; p++)
				buf[i++] = *p;
			buf[i] = '\0';
			return true;
		}
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

static bool cmdline_word(const char *word)
{
	char tmp[2];
	const char *p = ulib_boot_info->cmdline;
	size_t n = strlen(word);

	if (cmdline_value(word, tmp, sizeof(tmp)))
		return true;
	for (; *p; p++)
		if ((p == ulib_boot_info->cmdline || p[-1] == ' ') && !strncmp(p, word, n) &&
		    (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

static int server_init(void)
{
	const struct mneme_boot_info *bi = ulib_boot_info;
	int err;

	if (bi->version != MNEME_BOOTINFO_VERSION || bi->size != sizeof(*bi) ||
	    bi->nr_ranges > MNEME_BOOTINFO_MAX_RANGES)
		return -MNEME_ECORRUPT;
	mm_server.archive = (const void *)(uintptr_t)MNEME_LAYOUT_ARCHIVE;
	mm_server.archive_size = bi->archive_size;
	mm_server.elf_machine = bi->arch == MNEME_ARCH_X86_64 ? MNEME_EM_X86_64 : MNEME_EM_RISCV;
	mm_server.ep = MNEME_HANDLE_SERVER_EP;
	mm_server.self = MNEME_HANDLE_SERVER_SELF;
	mm_server.ipc = ulib_ipc_buffer;
	if (!ulib_ipc_buffer || bi->archive_size > MNEME_LAYOUT_ARCHIVE_MAX)
		return -MNEME_EINVAL;
	err = archive_check(mm_server.archive, bi->archive_size);
	if (err)
		return err;
	err = mem_init(bi);
	if (!err)
		err = mm_kswapd_start();       /* the compressed store's size, background reclaim */
	if (err)
		return err;
	printf("mmserver: %llu KiB usable in %u ranges, archive %llu KiB, cmdline \"%s\"\n",
	       (unsigned long long)(mem_total_pages() * 4), bi->nr_ranges,
	       (unsigned long long)(bi->archive_size >> 10), bi->cmdline);
	return 0;
}

/* Programs run one at a time, so "done" is: the program and every task it started have ended. */
static bool all_done(void *ctx)
{
	(void)ctx;
	return mm_tasks_running == 0;
}

/*
 * Run program @prog to its end (and everything it started); its end goes
 * to *@end.  Returns 0, or -MNEME_E* if it could not start (-MNEME_ENOENT:
 * no such program) or did not leave the system as it found it (every
 * frame must come back, every invariant must hold).
 */
/*
 * The quota the server gives a program it starts itself (the root of a task
 * tree): MNEME_MM_QUOTA_DEFAULT, except for the benchmark, whose helpers
 * populate and clone 64 MiB regions, t_numa, whose child fills a whole
 * node until the node, not the quota, refuses, and the memory-pressure
 * tests, whose hogs take the machine until memory, not the quota, runs
 * out (their trees are held to this; admitting roots against the
 * machine is vm_quota_admit()'s).
 */
static uint64_t root_quota(const char *prog)
{
	if (!strcmp(prog, "bench") || !strcmp(prog, "t_numa"))
		return 2ULL << 30;
	if (!strcmp(prog, "t_pressure") || !strcmp(prog, "t_commit") || !strcmp(prog, "t_compact"))
		return 1ULL << 46;
	return MNEME_MM_QUOTA_DEFAULT;
}

static int run_program(const char *prog, const char *args, uint32_t depth, struct mm_task *end)
{
	struct mm_spawn_req req = { .prog = prog, .args = args, .parent = MM_SERVER_SLOT,
				    .ktap_depth = depth, .quota = root_quota(prog) };
	uint64_t id, free_before = mem_free_pages(), own_before = vm_server_pt_frames;
	int err = (int)mm_task_spawn(&req, &id);

	if (err) {
		printf("mmserver: cannot start %s: %s (%s)\n", prog, mneme_strerror(err),
		       mneme_error_name(err));
		return err;
	}
	unsigned slot = mm_task_lookup(id, 1u << MM_TASK_RUNNING);
	mm_serve_until(all_done, NULL);
	*end = mm_tasks[slot];
	/* The server's own page tables (2 MiB physmap pages split to make a task's tables read-only
	 * for the server) stay with it: they are no task's frames. */
	uint64_t free_after = mem_free_pages() + (vm_server_pt_frames - own_before);
	if (free_after != free_before) {
		printf("mmserver: %s: %lld frames not reclaimed\n", prog,
		       (long long)(free_before - free_after));
		return -MNEME_EBUSY;
	}
	if (mem_check(prog))
		return -MNEME_ECORRUPT;
	printf("%s# mmserver: %s: every frame reclaimed (%llu pages free), invariants hold\n",
	       depth > 1 ? "    " : "", prog, (unsigned long long)free_after);
	return 0;
}

/* A test program's result: 0 = pass; its exit status, or -MNEME_E* if it did not exit. */
static int64_t run_test(const char *prog, const char *args, uint32_t depth)
{
	struct mm_task end;
	int err = run_program(prog, args, depth, &end);

	if (err)
		return err;
	if (end.exit_reason != MNEME_EXIT_NORMAL) {
		char how[128];
		report_end(&end, how, sizeof(how));
		printf("mmserver: %s %s\n", prog, how);
	}
	return end.exit_reason == MNEME_EXIT_NORMAL ? end.exit_status : -MNEME_EDEAD;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Split the value of "run=" in place: "NAME:ARG:ARG" (each ARG with '%',
 * ':' and anything but a printable character as %XX, which ./mneme run
 * --prog does) into the name and the space-separated argument string the
 * spawn request takes.  False if an argument is malformed, holds a space
 * (arguments are words), or the whole does not fit @size.
 */
static bool run_split(char *value, char *args, size_t size)
{
	char *colon = strchr(value, ':');
	size_t n = 0;

	args[0] = '\0';
	if (!colon)
		return true;
	*colon = '\0';
	for (const char *p = colon + 1; *p; p++) {
		char c = *p;
		if (c == ':') {
			c = ' ';
		} else if (c == '%') {
			int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
			if (lo < 0 || (hi << 4 | lo) <= ' ')
				return false;
			c = (char)(hi << 4 | lo);
			p += 2;
		}
		if (n + 1 >= size)
			return false;
		args[n++] = c;
	}
	args[n] = '\0';
	return true;
}

/*
 * run=NAME[:ARG...]: run one program and end the system with its verdict.
 * The line "mmserver: run: NAME exited with status S" (or how else it
 * ended) is what ./mneme run --prog reads to exit with the program's status.
 */
static int run_one(char *value, unsigned top)
{
	char args[MNEME_MM_SPAWN_ARGS_MAX];
	struct mm_task end;
	const char *prog = value;

	if (!run_split(value, args, sizeof(args))) {
		printf("mmserver: run: %s: malformed arguments, or longer than %d bytes\n", prog,
		       MNEME_MM_SPAWN_ARGS_MAX - 1);
		printf("not ok %u %s\n", top, prog);
		return MNEME_SHUTDOWN_FAIL;
	}
	printf("mmserver: run: %s%s%s\n", prog, args[0] ? " " : "", args);
	int err = run_program(prog, args[0] ? args : NULL, 1, &end);
	if (err == -MNEME_ENOENT)
		printf("mmserver: run: %s: no such program in the boot archive\n", prog);
	else if (err)
		printf("mmserver: run: %s: the system failed (%s)\n", prog, mneme_error_name(err));
	else {
		char how[128];
		report_end(&end, how, sizeof(how));
		printf("mmserver: run: %s %s\n", prog, how);
	}
	bool pass = !err && end.exit_reason == MNEME_EXIT_NORMAL && end.exit_status == 0;
	printf("%s %u %s\n", pass ? "ok" : "not ok", top, prog);
	return pass ? MNEME_SHUTDOWN_PASS : MNEME_SHUTDOWN_FAIL;
}

/*
 * The interactive console: the shell "sh" gets the console UART's device
 * handle (handles[0]), starts the serial driver with it, and reads its
 * input from the driver (userland/apps/sh, userland/drivers/serial).  The
 * session ends when the shell does (its driver, its child, with it):
 * "poweroff" exits with 0.  Returns the shell's result as run_test().
 */
static int64_t run_console(void)
{
	struct mneme_sysret r;
	struct mm_task end;

	if (mneme_device_open_r(&r, 0)) {
		printf("mmserver: console: no device to read the console from (%s)\n",
		       mneme_error_name((int64_t)r.r[0]));
		return -MNEME_ENOENT;
	}
	uint64_t dev = r.r[1];
	struct mm_spawn_req req = { .prog = "sh", .parent = MM_SERVER_SLOT, .ktap_depth = 2,
				    .handle = dev };
	uint64_t id, free_before = mem_free_pages(), own_before = vm_server_pt_frames;
	int err = (int)mm_task_spawn(&req, &id);
	mneme_handle_close(dev);
	if (err) {
		printf("mmserver: console: cannot start sh: %s\n", mneme_error_name(err));
		return err;
	}
	unsigned slot = mm_task_lookup(id, 1u << MM_TASK_RUNNING);
	mm_serve_until(all_done, NULL);
	end = mm_tasks[slot];
	/* the server's own page tables made meanwhile (physmap splits) stay with it, as in run_program() */
	if (mem_free_pages() + (vm_server_pt_frames - own_before) != free_before || mem_check("sh"))
		return -MNEME_EBUSY;
	char how[128];
	report_end(&end, how, sizeof(how));
	printf("mmserver: console: sh %s\n", how);
	return end.exit_reason == MNEME_EXIT_NORMAL ? end.exit_status : -MNEME_EDEAD;
}

/* Split "a,b,c" (or "all") into names; returns how many. */
static unsigned parse_tests(char *list, const char **names)
{
	unsigned n = 0;

	if (!strcmp(list, "all")) {
		for (; n < NR_ALL_TESTS; n++)
			names[n] = all_tests[n];
		return n;
	}
	for (char *p = list; *p && n < MAX_RUN;) {
		names[n++] = p;
		while (*p && *p != ',')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* Run the test programs as one KTAP subtest "user"; returns the number that failed. */
static int run_tests(const char **names, unsigned n, unsigned top_index)
{
	int failed = 0;

	printf("    KTAP version 1\n    # Subtest: user\n    1..%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		char args[MNEME_BOOTINFO_CMDLINE], name[MNEME_BOOTINFO_CMDLINE];
		snprintf(name, sizeof(name), "%s", names[i]);   /* may be a constant of all_tests */
		char *colon = strchr(name, ':');
		if (colon) {
			*colon = '\0';
			snprintf(args, sizeof(args), "%s", colon + 1);
			for (char *c = args; *c; c++)
				*c = *c == ':' ? ' ' : *c;
		}
		int64_t st = run_test(name, colon ? args : NULL, 2);
		if (st)
			printf("    # %s: exit status %lld\n", name, (long long)st);
		printf("    %s %u %s\n", st ? "not ok" : "ok", i + 1, name);
		failed += st != 0;
	}
	printf("%s %u user\n", failed ? "not ok" : "ok", top_index);
	printf("# mmserver: %u test programs, %d failed; %lu faults resolved, %lu tasks killed\n",
	       n, failed, mm_server_stats.faults_resolved, mm_server_stats.tasks_killed);
	return failed;
}

int main(int argc, char **argv)
{
	char buf[MNEME_BOOTINFO_CMDLINE];
	const char *names[MAX_RUN];
	unsigned top = 1;
	int err;

	(void)argc, (void)argv;
	err = server_init();
	if (err) {
		printf("mmserver: cannot start: error %d\n", err);
		shutdown(MNEME_SHUTDOWN_FAIL);
	}
	mem_report_ready();
	if (cmdline_value("ktap_next", buf, sizeof(buf)))
		top = (unsigned)ulib_strtou(buf);
	else
		printf("KTAP version 1\n1..1\n");
	if (cmdline_value("tests", buf, sizeof(buf)) && !strcmp(buf, "mm_selftest"))
		shutdown(mem_selftest(top) ? MNEME_SHUTDOWN_FAIL : MNEME_SHUTDOWN_PASS);
	if (cmdline_value("tests", buf, sizeof(buf)) && !strcmp(buf, "pt_guard"))
		shutdown(guard_selftest(top) ? MNEME_SHUTDOWN_FAIL : MNEME_SHUTDOWN_PASS);
	if (cmdline_value("tests", buf, sizeof(buf))) {
		unsigned n = parse_tests(buf, names);
		shutdown(run_tests(names, n, top) ? MNEME_SHUTDOWN_FAIL : MNEME_SHUTDOWN_PASS);
	}
	if (cmdline_value("run", buf, sizeof(buf)) && buf[0])
		shutdown(run_one(buf, top));
	if (cmdline_word("bench") || cmdline_word("demo")) {
		bool demo = !cmdline_word("bench");
		const char *prog = demo ? "demo" : "bench";
		if (demo)
			mem_print_state("before the demo");
		int64_t st = run_test(prog, NULL, 2);
		if (demo)
			mem_print_state("after the demo");
		if (!st && demo && cmdline_word("console")) {
			prog = "console";
			st = run_console();
		}
		printf("%s %u %s\n", st ? "not ok" : "ok", top, prog);
		shutdown(st ? MNEME_SHUTDOWN_FAIL : MNEME_SHUTDOWN_PASS);
	}
	if (cmdline_word("console")) {
		int64_t st = run_console();
		printf("%s %u console\n", st ? "not ok" : "ok", top);
		shutdown(st ? MNEME_SHUTDOWN_FAIL : MNEME_SHUTDOWN_PASS);
	}
	printf("ok %u user # SKIP no user programs requested (tests=..., run=..., demo, bench, console)\n",
	       top);
	shutdown(MNEME_SHUTDOWN_PASS);
}

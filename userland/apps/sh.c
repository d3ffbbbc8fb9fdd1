/*
 * sh: the console's small shell (./mneme run starts it after the demo).
 *
 * The memory server starts it with the console UART's device handle; it
 * starts the serial driver (userland/drivers/serial.c) on an endpoint of
 * its own, hands it the device and reads its input from it line by line,
 * echoing what it reads (the terminal is raw; piped input shows up as a
 * transcript).  Commands: the memory server's statistics texts, ps,
 * run PROGRAM [ARG...] [&], kill ID, help, poweroff.  The session, and so
 * the system, ends with the shell: poweroff, or the end of the input (^D
 * at the start of a line, which ./mneme run sends after piped input),
 * exits with 0; losing the driver with 1.
 */
#include <libmm/libmm.h>
#include <mneme/error.h>
#include <mneme/fault.h>
#include <mneme/mm_proto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulib/ipc.h>
#include <ulib/names.h>
#include <ulib/serial.h>
#include <ulib/stats.h>
#include <ulib/ulib.h>

#define LINE_MAX_ 128
#define MAX_WORDS 16
#define WAIT_YIELDS (1ull << 40)      /* a foreground program may run as long as it likes */

static uint64_t con;                  /* the driver's endpoint */
static uint64_t driver;               /* its task id */

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static int cmd_help(int argc, char **argv);

static int cmd_stat(int argc, char **argv)
{
	(void)argc;
	int64_t st = ulib_stat_print(ulib_stat_lookup(argv[0]));

	if (st)
		printf("%s: %s\n", argv[0], mneme_strerror(st));
	return st != 0;
}

static int cmd_ps(int argc, char **argv)
{
	(void)argc, (void)argv;
	int64_t st = ulib_stat_print(MNEME_MM_STAT_TASKS);

	if (st)
		printf("ps: %s\n", mneme_strerror(st));
	return st != 0;
}

/* How a child ended, in words, like the memory server's report. */
static int report(const char *prog, uint64_t status, uint64_t reason)
{
	if (reason == MNEME_EXIT_NORMAL) {
		if (status)
			printf("sh: %s exited with status %lld\n", prog, (long long)(int64_t)status);
		return status != 0;
	}
	printf("sh: %s ended: %s (status %lld)\n", prog, mneme_exit_reason_name(reason),
	       (long long)(int64_t)status);
	return 1;
}

static int cmd_run(int argc, char **argv)
{
	char args[MNEME_MM_SPAWN_ARGS_MAX];
	bool background = argc > 1 && !strcmp(argv[argc - 1], "&");
	size_t n = 0;
	uint64_t id, status, reason;

	if (background)
		argc--;
	if (argc < 2) {
		printf("usage: run PROGRAM [ARG...] [&]\n");
		return 2;
	}
	args[0] = '\0';
	for (int i = 2; i < argc; i++) {
		int w = snprintf(args + n, sizeof(args) - n, "%s%s", n ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof(args) - n) {
			printf("run: the arguments are longer than %d bytes\n", MNEME_MM_SPAWN_ARGS_MAX - 1);
			return 2;
		}
		n += (size_t)w;
	}
	int64_t st = mm_spawn(argv[1], n ? args : NULL, 0, 0, 0, &id);
	if (st) {
		printf("run: %s: %s\n", argv[1],
		       st == -MNEME_ENOENT ? "no such program in the boot archive" : mneme_strerror(st));
		return 127;
	}
	if (background) {
		printf("[%#llx] %s\n", (unsigned long long)id, argv[1]);
		return 0;
	}
	st = mm_wait(id, WAIT_YIELDS, &status, &reason);
	if (st) {
		printf("run: %s: %s\n", argv[1], mneme_strerror(st));
		return 1;
	}
	return report(argv[1], status, reason);
}

static int cmd_kill(int argc, char **argv)
{
	char *end;

	if (argc != 2) {
		printf("usage: kill ID (an id of a program run from this shell, see ps)\n");
		return 2;
	}
	uint64_t id = strtoull(argv[1], &end, 0);
	if (*end || end == argv[1]) {
		printf("kill: '%s' is not a number\n", argv[1]);
		return 2;
	}
	if (id == driver) {
		printf("kill: %#llx is the console's driver\n", (unsigned long long)id);
		return 1;
	}
	int64_t st = mm_kill(id);
	if (st) {
		printf("kill: %#llx: %s\n", (unsigned long long)id,
		       st == -MNEME_ENOENT ? "no program of this shell has that id" : mneme_strerror(st));
		return 1;
	}
	printf("killed %#llx\n", (unsigned long long)id);
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("sh: powering off\n");
	exit(0);
}

static const struct command commands[] = {
	{ "help", cmd_help, "help                   this list" },
	{ "buddyinfo", cmd_stat, "buddyinfo              free blocks per order and zone (/proc/buddyinfo)" },
	{ "zoneinfo", cmd_stat, "zoneinfo               zones: spans, watermarks, counters (/proc/zoneinfo)" },
	{ "meminfo", cmd_stat, "meminfo                memory totals (/proc/meminfo)" },
	{ "slabinfo", cmd_stat, "slabinfo               slab caches (/proc/slabinfo)" },
	{ "pagetypeinfo", cmd_stat, "pagetypeinfo           free blocks per migrate type (/proc/pagetypeinfo)" },
	{ "vmstat", cmd_stat, "vmstat                 counters (/proc/vmstat)" },
	{ "ps", cmd_ps, "ps                     tasks: id, parent, resident memory, charge, quota" },
	{ "run", cmd_run, "run PROGRAM [ARG...]   run a program of the boot archive (& : in the background)" },
	{ "kill", cmd_kill, "kill ID                kill a program this shell started" },
	{ "poweroff", cmd_poweroff, "poweroff               end the session and the system" },
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (unsigned i = 0; i < NR_COMMANDS; i++)
		printf("  %s\n", commands[i].usage);
	return 0;
}

/* The next input byte (-2: the driver is gone). */
static int getch(void)
{
	static char buf[SERIAL_READ_MAX];
	static int64_t n, pos;

	if (pos == n) {
		fflush(stdout);
		n = serial_read(con, buf, sizeof(buf));
		pos = 0;
		if (n <= 0) {
			printf("sh: reading the console: %s\n", mneme_strerror(n ? n : -MNEME_ECORRUPT));
			n = 0;
			return -2;
		}
	}
	return (unsigned char)buf[pos++];
}

/*
 * One line into @line, echoed: Enter is CR, LF or CR LF; backspace and
 * DEL erase; ^C drops the line; other control bytes are ignored.  The
 * length, -1 at the end of the input (^D on an empty line), -2 if the
 * driver is gone.
 */
static int read_line(char *line, size_t size)
{
	static bool after_cr;
	size_t n = 0;

	for (;;) {
		int c = getch();
		if (c < 0)
			return c;
		if (c == '\n' && after_cr) {
			after_cr = false;
			continue;
		}
		after_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			putchar('\n');
			line[n] = '\0';
			return (int)n;
		}
		if (c == 0x7f || c == '\b') {
			if (n) {
				n--;
				fputs("\b \b", stdout);
			}
		} else if (c == 3) {
			fputs("^C\n", stdout);
			line[0] = '\0';
			return 0;
		} else if (c == 4 && !n) {
			return -1;
		} else if (c >= ' ' && c < 0x7f && n + 1 < size) {
			line[n++] = (char)c;
			putchar(c);
		}
		fflush(stdout);
	}
}

static int split(char *line, char **words)
{
	int n = 0;

	for (char *p = strtok(line, " \t"); p && n < MAX_WORDS; p = strtok(NULL, " \t"))
		words[n++] = p;
	return n;
}

static void execute(int argc, char **argv)
{
	for (unsigned i = 0; i < NR_COMMANDS; i++) {
		if (!strcmp(argv[0], commands[i].name)) {
			commands[i].run(argc, argv);
			return;
		}
	}
	printf("sh: %s: command not found (help lists the commands)\n", argv[0]);
}

/* Start the driver on an endpoint of ours and hand it the UART. */
static int start_driver(uint64_t device)
{
	struct mneme_sysret r;
	int64_t st = mneme_endpoint_create_r(&r);

	if (st) {
		printf("sh: endpoint_create: %s\n", mneme_strerror(st));
		return -1;
	}
	con = r.r[1];
	st = mm_spawn("serial", NULL, 0, con, 0, &driver);
	if (st) {
		printf("sh: cannot start the serial driver: %s\n", mneme_strerror(st));
		return -1;
	}
	struct ulib_msg m = { .info = mneme_msginfo(SERIAL_DEVICE, 0, MNEME_MSG_HANDLE),
			      .handle = device };
	st = ipc_send(con, &m);
	mneme_handle_close(device);
	if (st) {
		printf("sh: cannot hand the UART to the driver: %s\n", mneme_strerror(st));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	char line[LINE_MAX_], *words[MAX_WORDS];

	if (!ulib_start->handles[0]) {
		printf("sh: no console device (the memory server starts sh with one)\n");
		return 2;
	}
	if (start_driver(ulib_start->handles[0]))
		return 2;
	printf("mneme console: 'help' lists the commands, 'poweroff' ends the session\n");
	for (;;) {
		fputs("mneme$ ", stdout);
		fflush(stdout);
		int len = read_line(line, sizeof(line));
		if (len < 0) {
			printf("sh: end of input\n");
			return len == -1 ? 0 : 1;
		}
		int n = split(line, words);
		if (n)
			execute(n, words);
	}
}

/*
 * The memory server's message loop: faults of its tasks (the pager), EXIT
 * notices from the core, and requests of its tasks (mneme/mm_proto.h).
 */
#ifndef MMSERVER_SERVE_H
#define MMSERVER_SERVE_H

#include <stdbool.h>

/* Handle messages until @done(@ctx) is true (checked after every message). */
void mm_serve_until(bool (*done)(void *ctx), void *ctx);

/* Counters for the log and the tests. */
struct mm_server_stats {
	unsigned long faults_resolved, tasks_killed, requests, exits;
	unsigned long page_faults;   /* page faults of tasks whose pager is the server */
	unsigned long oom_kills;     /* tasks the OOM killer chose (vmstat oom_kill) */
};
extern struct mm_server_stats mm_server_stats;

#endif

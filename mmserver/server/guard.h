/*
 * tests=pt_guard: the core's defence against a confused memory server
 * (page-table frames in every call that takes a frame, the server's
 * read-only physmap of them), tried in the guest (guard.c).
 */
#ifndef MMSERVER_GUARD_H
#define MMSERVER_GUARD_H

/* The KTAP suite "pt_guard" as top-level result @top_index; returns the number of failed cases. */
int guard_selftest(unsigned top_index);

#endif

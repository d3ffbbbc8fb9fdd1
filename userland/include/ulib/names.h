/*
 * mneme's numbers in words: error codes (<mneme/error.h>), fault kinds and
 * exit reasons (<mneme/fault.h>), access rights.  For messages people
 * read: the memory server's kill and exit lines, perror()/strerror(), and
 * any program that reports a failed call.  Every function returns a
 * constant string, never NULL; a number it does not know gives a string
 * that says so.  A host test (test/host/libc) checks that every code the
 * headers define has its own name.
 */
#ifndef ULIB_NAMES_H
#define ULIB_NAMES_H

#include <stdint.h>

/* The code's name as <mneme/error.h> spells it without MNEME_ ("ENOMEM"); @err of either sign. */
const char *mneme_error_name(int64_t err);
/* What @err means ("out of memory or out of a static table"); @err of either sign. */
const char *mneme_strerror(int64_t err);
/* A fault kind (MNEME_FAULT_*): "page fault", "illegal instruction", ... */
const char *mneme_fault_name(uint64_t kind);
/* An exit reason (MNEME_EXIT_*): "exited", "killed after a fault", ... */
const char *mneme_exit_reason_name(uint64_t reason);
/* The access a fault attempted (MNEME_PROT_* bits): "read", "write", "execute", "read/write"... */
const char *mneme_access_name(uint64_t prot);

#endif

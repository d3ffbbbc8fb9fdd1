/*
 * The boot archive (format in <mneme/archive.h>): validation and lookup.
 * Pure functions over a byte range, host-tested.
 */
#ifndef CORE_ARCHIVE_H
#define CORE_ARCHIVE_H

#include <stdint.h>
#include <mneme/archive.h>

/*
 * Check the archive at @base, @size bytes available: header, entry table
 * and every entry's range.  0, or -MNEME_ETRUNC / -MNEME_ECORRUPT.
 */
int archive_check(const void *base, uint64_t size);
/* Find @name in a checked archive: 0 with its data and size, or -MNEME_ENOENT. */
int archive_find(const void *base, const char *name, const void **data, uint64_t *size);

#endif

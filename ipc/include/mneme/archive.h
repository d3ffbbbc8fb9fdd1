/*
 * The boot archive: the user programs (the memory server "mmserver" and
 * the test programs) packed by the build into the core's image.
 *
 * Layout (all integers little-endian, fixed width):
 *   struct mneme_archive_header                     at offset 0
 *   struct mneme_archive_entry[nr_entries]          right after it
 *   file data, each file starting on a 4 KiB boundary (offset % 4096 == 0)
 * The archive itself starts on a 4 KiB boundary of the core image, between
 * the linker symbols __mneme_archive_start and __mneme_archive_end
 * (defined by the build; the core maps [start, end) read-only into the
 * memory server at MNEME_LAYOUT_ARCHIVE and records its physical range in
 * the boot info: archive_base / archive_size).
 * Names are NUL-padded, at most 31 characters plus NUL.
 */
#ifndef MNEME_ARCHIVE_H
#define MNEME_ARCHIVE_H

#include <stdint.h>

#define MNEME_ARCHIVE_MAGIC   0x7672616d656e6d6dULL  /* "mmenmarv" little-endian */
#define MNEME_ARCHIVE_VERSION 1
#define MNEME_ARCHIVE_NAME    32
#define MNEME_ARCHIVE_ALIGN   4096
#define MNEME_ARCHIVE_MAX_ENTRIES 64

/* The name of the memory server's ELF in the archive. */
#define MNEME_ARCHIVE_SERVER_NAME "mmserver"

struct mneme_archive_header {
	uint64_t magic;        /* MNEME_ARCHIVE_MAGIC */
	uint32_t version;      /* MNEME_ARCHIVE_VERSION */
	uint32_t nr_entries;   /* <= MNEME_ARCHIVE_MAX_ENTRIES */
	uint64_t total_size;   /* bytes of the whole archive, header included */
	uint64_t reserved;     /* 0 */
};

struct mneme_archive_entry {
	char name[MNEME_ARCHIVE_NAME];
	uint64_t offset;       /* from the start of the archive, multiple of MNEME_ARCHIVE_ALIGN */
	uint64_t size;         /* bytes; offset + size <= total_size */
};

_Static_assert(sizeof(struct mneme_archive_header) == 32, "archive header layout");
_Static_assert(sizeof(struct mneme_archive_entry) == 48, "archive entry layout");

#endif

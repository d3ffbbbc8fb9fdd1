/*
 * Reading the boot archive and validating ELF executables.  Pure functions
 * over byte buffers (host-tested in test/host/userland): everything a
 * program file says is checked before the server acts on it.
 */
#ifndef MMSERVER_LOADER_H
#define MMSERVER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mneme/archive.h>
#include <mneme/elf.h>

/* Check the archive at @base (@size bytes available).  Returns 0 or -MNEME_E*. */
int archive_check(const void *base, uint64_t size);
/* Find program @name in a checked archive: 0 and its bytes, or -MNEME_ENOENT. */
int archive_find(const void *base, const char *name, const void **data, uint64_t *size);
/* Name of entry @i of a checked archive, or NULL past the end. */
const char *archive_name(const void *base, uint32_t i);

#define ELF_MAX_SEGMENTS 8

struct elf_segment {
	uint64_t vaddr;     /* page-aligned start of the mapping */
	uint64_t memsz;     /* bytes to map from vaddr, page-rounded */
	uint64_t file_off;  /* file offset of the first byte at vaddr + file_skip */
	uint64_t file_skip; /* bytes at the start of the mapping before file data (vaddr % 4096) */
	uint64_t filesz;    /* bytes copied from the file */
	unsigned prot;      /* MNEME_PROT_* */
	bool bss;           /* memory past the file's bytes (zeroed) */
};

struct elf_image {
	uint64_t entry;
	unsigned nr_segments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Validate a static executable for @machine (MNEME_EM_*) whose loadable
 * segments must lie in [@lo, @hi): ELF64 little-endian ET_EXEC, program
 * headers inside the file, segments inside the file and the window, no
 * W+X segment, no overlap, filesz <= memsz, offsets congruent to addresses
 * modulo the page size, entry inside an executable segment.  Fills @img.
 * Returns 0, -MNEME_ETRUNC or -MNEME_ECORRUPT (-MNEME_ERANGE for a window
 * violation).
 */
int elf_check(const void *file, uint64_t size, unsigned machine, uint64_t lo, uint64_t hi,
	      struct elf_image *img);

#endif

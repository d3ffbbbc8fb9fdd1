/*
 * Validation of static ELF64 executables (format in <mneme/elf.h>) before
 * the core loads one: the memory server's image at boot.  Pure, host-tested.
 */
#ifndef CORE_ELF_H
#define CORE_ELF_H

#include <stdint.h>
#include <mneme/elf.h>

#define ELF_MAX_SEGMENTS 8

struct elf_segment {
	uint64_t vaddr, memsz;     /* memory image [vaddr, vaddr + memsz) */
	uint64_t offset, filesz;   /* file bytes copied to vaddr; the rest is zero */
	unsigned prot;             /* MNEME_PROT_* */
};

struct elf_image {
	uint64_t entry;
	unsigned nr_segments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Check the ELF file @data (@size bytes) completely: ELF64 little-endian
 * ET_EXEC for @machine, program headers in bounds, 1..ELF_MAX_SEGMENTS
 * PT_LOAD segments with file bytes in bounds, filesz <= memsz, no
 * overflow, every segment inside [@lo, @hi), no two segments sharing a
 * page, none both writable and executable, the entry point inside an
 * executable segment.  Fills @out.  0, or -MNEME_ETRUNC / -MNEME_ECORRUPT
 * / -MNEME_ERANGE (a segment outside [@lo, @hi)) / -MNEME_EPERM (W+X).
 */
int elf_check(const void *data, uint64_t size, unsigned machine, uint64_t lo, uint64_t hi,
	      struct elf_image *out);

#endif

/*
 * The parts of the ELF64 format the core and the memory server need to
 * load static executables (ET_EXEC, little-endian) from the boot archive.
 */
#ifndef MNEME_ELF_H
#define MNEME_ELF_H

#include <stdint.h>

#define MNEME_ELF_MAGIC      0x464c457fu   /* "\x7fELF" read as a little-endian u32 */
#define MNEME_ELFCLASS64     2
#define MNEME_ELFDATA2LSB    1
#define MNEME_EV_CURRENT     1
#define MNEME_ET_EXEC        2
#define MNEME_EM_X86_64      62
#define MNEME_EM_RISCV       243

#define MNEME_PT_LOAD        1
#define MNEME_PF_X           1u
#define MNEME_PF_W           2u
#define MNEME_PF_R           4u

struct mneme_elf64_ehdr {
	uint8_t ident[16];     /* magic, class, data, version, OS ABI, padding */
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct mneme_elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

_Static_assert(sizeof(struct mneme_elf64_ehdr) == 64, "ELF header layout");
_Static_assert(sizeof(struct mneme_elf64_phdr) == 56, "ELF program header layout");

#endif

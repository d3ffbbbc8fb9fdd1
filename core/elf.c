/*
 * ELF64 executable validation (see <core/elf.h>).  The file is untrusted
 * input: every field is checked before anything is derived from it.
 */
#include <stdbool.h>
#include <core/elf.h>
#include <mneme/error.h>
#include <mneme/syscall.h>

#define PAGE_MASK 4095ULL

static int elf_check_header(const struct mneme_elf64_ehdr *eh, uint64_t size, unsigned machine)
{
	const uint8_t *id = eh->ident;

	if (size < sizeof(*eh))
		return -MNEME_ETRUNC;
	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F' ||
	    id[4] != MNEME_ELFCLASS64 || id[5] != MNEME_ELFDATA2LSB || id[6] != MNEME_EV_CURRENT ||
	    eh->version != MNEME_EV_CURRENT || eh->type != MNEME_ET_EXEC || eh->machine != machine)
		return -MNEME_ECORRUPT;
	if (eh->phentsize != sizeof(struct mneme_elf64_phdr) || eh->phnum == 0)
		return -MNEME_ECORRUPT;
	if (eh->phoff > size || (uint64_t)eh->phnum * sizeof(struct mneme_elf64_phdr) > size - eh->phoff)
		return -MNEME_ETRUNC;
	if (eh->phoff % 8)
		return -MNEME_ECORRUPT;
	return 0;
}

static int elf_check_segment(const struct mneme_elf64_phdr *ph, uint64_t size, uint64_t lo,
			     uint64_t hi, struct elf_segment *seg)
{
	if (ph->filesz > ph->memsz || ph->memsz == 0)
		return -MNEME_ECORRUPT;
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return -MNEME_ETRUNC;
	if (ph->vaddr < lo || ph->vaddr > hi || ph->memsz > hi - ph->vaddr)
		return -MNEME_ERANGE;
	if ((ph->flags & MNEME_PF_W) && (ph->flags & MNEME_PF_X))
		return -MNEME_EPERM;
	*seg = (struct elf_segment){
		.vaddr = ph->vaddr, .memsz = ph->memsz, .offset = ph->offset, .filesz = ph->filesz,
		.prot = MNEME_PROT_READ | ((ph->flags & MNEME_PF_W) ? MNEME_PROT_WRITE : 0) |
			((ph->flags & MNEME_PF_X) ? MNEME_PROT_EXEC : 0),
	};
	return 0;
}

/* True if the pages of @a and @b overlap. */
static bool pages_overlap(const struct elf_segment *a, const struct elf_segment *b)
{
	uint64_t a0 = a->vaddr & ~PAGE_MASK, a1 = (a->vaddr + a->memsz + PAGE_MASK) & ~PAGE_MASK;
	uint64_t b0 = b->vaddr & ~PAGE_MASK, b1 = (b->vaddr + b->memsz + PAGE_MASK) & ~PAGE_MASK;

	return a0 < b1 && b0 < a1;
}

int elf_check(const void *data, uint64_t size, unsigned machine, uint64_t lo, uint64_t hi,
	      struct elf_image *out)
{
	const struct mneme_elf64_ehdr *eh = data;
	int err = elf_check_header(eh, size, machine);

	if (err)
		return err;
	if (hi & PAGE_MASK || lo & PAGE_MASK || hi < lo)
		return -MNEME_ERANGE;
	const struct mneme_elf64_phdr *ph = (const void *)((const char *)data + eh->phoff);
	out->nr_segments = 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (ph[i].type != MNEME_PT_LOAD)
			continue;
		if (out->nr_segments == ELF_MAX_SEGMENTS)
			return -MNEME_ECORRUPT;
		struct elf_segment *seg = &out->seg[out->nr_segments];
		err = elf_check_segment(&ph[i], size, lo, hi, seg);
		if (err)
			return err;
		for (unsigned j = 0; j < out->nr_segments; j++)
			if (pages_overlap(seg, &out->seg[j]))
				return -MNEME_ECORRUPT;
		out->nr_segments++;
	}
	if (!out->nr_segments)
		return -MNEME_ECORRUPT;
	for (unsigned i = 0; i < out->nr_segments; i++) {
		const struct elf_segment *s = &out->seg[i];
		if ((s->prot & MNEME_PROT_EXEC) && eh->entry >= s->vaddr &&
		    eh->entry - s->vaddr < s->memsz) {
			out->entry = eh->entry;
			return 0;
		}
	}
	return -MNEME_ECORRUPT;
}

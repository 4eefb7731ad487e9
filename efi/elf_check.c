// SPDX-License-Identifier: MIT
/*
 * Kernel ELF validation (see elf_check.h). Every field that becomes an
 * offset or a size is checked for overflow before it is used: a truncated
 * or hostile KERNEL.ELF must produce a message, never a wild read.
 */
#include "elf_check.h"

#define PAGE_SIZE 4096ULL
#define PAGE_MASK (PAGE_SIZE - 1)

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

enum {
	EI_CLASS = 4,
	EI_DATA = 5,
	EI_VERSION = 6,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	EV_CURRENT = 1,
	ET_EXEC = 2,
	EM_X86_64 = 62,
};

/* a + b <= limit without wrapping. */
static int fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

int elf_check(const void *file, size_t size, uint64_t min_vaddr,
	      uint64_t max_vaddr, struct elf_image *img, const char **why)
{
	const uint8_t *bytes = file;
	const struct elf64_ehdr *eh = file;
	int i, j;

	if (size < sizeof(*eh))
		return fail(why, "file is smaller than an ELF header");
	for (i = 0; i < 4; i++)
		if (bytes[i] != elf_magic[i])
			return fail(why, "not an ELF file (bad magic)");
	if (bytes[EI_CLASS] != ELFCLASS64)
		return fail(why, "not a 64-bit ELF file");
	if (bytes[EI_DATA] != ELFDATA2LSB)
		return fail(why, "not a little-endian ELF file");
	if (bytes[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(why, "unknown ELF version");
	if (eh->e_type != ET_EXEC)
		return fail(why, "not an executable (ET_EXEC) ELF file");
	if (eh->e_machine != EM_X86_64)
		return fail(why, "not an x86-64 ELF file");
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return fail(why, "unexpected program header size");
	if (eh->e_phnum == 0)
		return fail(why, "no program headers");
	if (eh->e_phoff % 8 != 0)
		return fail(why, "misaligned program header table");
	if (!fits(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr),
		  size))
		return fail(why, "program headers run past the end of the file");

	img->entry = eh->e_entry;
	img->nsegments = 0;
	img->virt_start = UINT64_MAX;
	img->virt_end = 0;

	const struct elf64_phdr *ph = (const void *)(bytes + eh->e_phoff);
	int entry_ok = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->p_type != ELF_PT_LOAD || p->p_memsz == 0)
			continue;
		if (img->nsegments == ELF_MAX_SEGMENTS)
			return fail(why, "too many loadable segments");
		if (p->p_filesz > p->p_memsz)
			return fail(why, "segment file size exceeds memory size");
		if (!fits(p->p_offset, p->p_filesz, size))
			return fail(why, "segment data runs past the end of the file (truncated?)");
		if (p->p_vaddr < min_vaddr ||
		    !fits(p->p_vaddr, p->p_memsz, max_vaddr))
			return fail(why, "segment outside the kernel address range");
		if ((p->p_vaddr & PAGE_MASK) != (p->p_offset & PAGE_MASK) &&
		    p->p_filesz != 0)
			return fail(why, "segment offset and address disagree modulo the page size");

		struct elf_segment *s = &img->seg[img->nsegments];
		s->vaddr = p->p_vaddr & ~PAGE_MASK;
		s->skip = p->p_vaddr - s->vaddr;
		/* max_vaddr is page aligned, so rounding up cannot wrap. */
		s->memsz = ((p->p_vaddr + p->p_memsz + PAGE_MASK) & ~PAGE_MASK) -
			   s->vaddr;
		s->offset = p->p_offset;
		s->filesz = p->p_filesz;
		s->flags = p->p_flags;

		for (j = 0; j < img->nsegments; j++) {
			const struct elf_segment *o = &img->seg[j];
			if (s->vaddr < o->vaddr + o->memsz &&
			    o->vaddr < s->vaddr + s->memsz)
				return fail(why, "loadable segments overlap");
		}
		if (s->vaddr < img->virt_start)
			img->virt_start = s->vaddr;
		if (s->vaddr + s->memsz > img->virt_end)
			img->virt_end = s->vaddr + s->memsz;
		if ((p->p_flags & ELF_PF_X) && eh->e_entry >= p->p_vaddr &&
		    eh->e_entry - p->p_vaddr < p->p_memsz)
			entry_ok = 1;
		img->nsegments++;
	}
	if (img->nsegments == 0)
		return fail(why, "no loadable segments");
	if (!entry_ok)
		return fail(why, "entry point is not inside an executable segment");
	*why = 0;
	return 0;
}

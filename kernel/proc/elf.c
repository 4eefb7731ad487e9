// SPDX-License-Identifier: MIT
/*
 * User ELF validation (elf.h). System V gABI ch. 4-5, x86-64 psABI 3.4 and
 * 5.1. Every field is checked before it is used, with overflow-safe
 * arithmetic: a hostile file must get -ENOEXEC, never a wrong mapping.
 */
#include "elf.h"

#include "../errno.h"
#include "../mm/aspace.h"

#define PAGE 4096ULL
#define PAGE_MASK (PAGE - 1)



static void copy_bytes(void *dst, const uint8_t *src, uint64_t n)
{
	uint8_t *d = dst;
	for (uint64_t i = 0; i < n; i++)
		d[i] = src[i];
}

static int refuse(const char **why, const char *msg)
{
	*why = msg;
	return -ENOEXEC;
}

/* a + b without wrapping; false on overflow. */
static int add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	*sum = a + b;
	return *sum >= a;
}

int elf_user_check(const uint8_t *data, uint64_t size, uint64_t pie_base,
		   uint64_t user_min, uint64_t user_top, struct elf_user *out,
		   const char **why)
{
	struct elf_user_ehdr eh;
	uint64_t end;

	*why = 0;
	if (size < sizeof(eh))
		return refuse(why, "shorter than an ELF header");
	copy_bytes(&eh, data, sizeof(eh));
	if (eh.ident[0] != 0x7f || eh.ident[1] != 'E' || eh.ident[2] != 'L' ||
	    eh.ident[3] != 'F')
		return refuse(why, "not an ELF file (bad magic)");
	if (eh.ident[EI_CLASS] != ELFCLASS64)
		return refuse(why, "not a 64-bit ELF file");
	if (eh.ident[EI_DATA] != ELFDATA2LSB)
		return refuse(why, "not little-endian");
	if (eh.machine != EM_X86_64)
		return refuse(why, "not an x86-64 program");
	if (eh.type != ET_EXEC && eh.type != ET_DYN)
		return refuse(why, "not an executable (ELF type is not EXEC or DYN)");
	if (eh.phentsize != sizeof(struct elf_user_phdr))
		return refuse(why, "unexpected program header size");
	if (eh.phnum == 0 || eh.phnum > 64)
		return refuse(why, "no program headers, or too many");
	if (!add_ok(eh.phoff, (uint64_t)eh.phnum * sizeof(struct elf_user_phdr), &end) ||
	    end > size)
		return refuse(why, "program headers past the end of the file");

	uint64_t bias = eh.type == ET_DYN ? pie_base : 0;
	uint64_t phdr_vaddr = 0, lowest = UINT64_MAX, highest = 0;
	int have_phdr = 0;

	out->nloads = 0;
	for (int i = 0; i < eh.phnum; i++) {
		struct elf_user_phdr ph;
		copy_bytes(&ph, data + eh.phoff + (uint64_t)i * sizeof(ph),
			   sizeof(ph));
		if (ph.type == PT_INTERP)
			return refuse(why, "dynamically linked (PT_INTERP): "
					   "only static programs run on Cohort");
		if (ph.type == PT_PHDR) {
			phdr_vaddr = ph.vaddr;
			have_phdr = 1;
		}
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (out->nloads == ELF_USER_MAX_LOADS)
			return refuse(why, "too many loadable segments");
		if (ph.filesz > ph.memsz)
			return refuse(why, "segment file size larger than memory size");
		if (!add_ok(ph.offset, ph.filesz, &end) || end > size)
			return refuse(why, "segment past the end of the file");
		if ((ph.vaddr & PAGE_MASK) != (ph.offset & PAGE_MASK))
			return refuse(why, "segment address and file offset not "
					   "congruent modulo the page size");
		uint64_t v, vend;
		if (!add_ok(ph.vaddr, bias, &v) || !add_ok(v, ph.memsz, &vend))
			return refuse(why, "segment address overflows");
		if (v < user_min || vend > user_top) {
			*why = "segment outside user space";
			return -EINVAL;
		}
		uint64_t skip = v & PAGE_MASK;
		struct elf_user_load *l = &out->load[out->nloads];
		l->vaddr = v - skip;
		l->memsz = ((vend + PAGE_MASK) & ~PAGE_MASK) - l->vaddr;
		l->file_off = ph.offset - skip;
		l->file_len = ph.filesz + skip;
		l->prot = (ph.flags & PF_R ? VM_READ : 0) |
			  (ph.flags & PF_W ? VM_WRITE : 0) |
			  (ph.flags & PF_X ? VM_EXEC : 0);
		/* Segments must be in address order and not share a page:
		 * each becomes its own region. */
		if (out->nloads && l->vaddr < out->load[out->nloads - 1].vaddr +
						      out->load[out->nloads - 1].memsz)
			return refuse(why, "loadable segments overlap or are not "
					   "in address order");
		if (!have_phdr && ph.offset == 0 &&
		    eh.phoff + (uint64_t)eh.phnum * sizeof(ph) <= ph.filesz)
			phdr_vaddr = ph.vaddr + eh.phoff; /* headers in this one */
		if (l->vaddr < lowest)
			lowest = l->vaddr;
		if (l->vaddr + l->memsz > highest)
			highest = l->vaddr + l->memsz;
		out->nloads++;
	}
	if (!out->nloads)
		return refuse(why, "no loadable segments");
	uint64_t entry;
	if (!add_ok(eh.entry, bias, &entry) || entry < lowest || entry >= highest)
		return refuse(why, "entry point outside the loaded segments");
	out->entry = entry;
	out->bias = bias;
	out->phdr = phdr_vaddr ? phdr_vaddr + bias : 0;
	out->phent = eh.phentsize;
	out->phnum = eh.phnum;
	out->brk = highest;
	return 0;
}

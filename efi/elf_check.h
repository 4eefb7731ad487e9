/* SPDX-License-Identifier: MIT */
/*
 * Validation of the kernel ELF before the loader copies a single byte of it.
 *
 * Pure code: no EFI calls, no allocation, so the host unit tests and the
 * fuzzer run exactly what the loader runs. elf_check() either fills in a
 * struct elf_image the loader may trust blindly, or returns an error and a
 * message that names the problem; it never reads outside [file, file+size).
 *
 * Read next: efi/loader.c (how the image is placed and mapped).
 */
#ifndef COHORT_EFI_ELF_CHECK_H
#define COHORT_EFI_ELF_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16

/* The subset of ELF64 (System V gABI, x86-64 psABI) the loader needs. */
struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

#define ELF_PT_LOAD 1
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
	uint64_t vaddr;	 /* page aligned down */
	uint64_t memsz;	 /* page aligned up, from vaddr */
	uint64_t offset; /* file offset of the first byte at p_vaddr */
	uint64_t filesz;
	uint64_t skip;	 /* p_vaddr - vaddr */
	uint32_t flags;	 /* ELF_PF_* */
};

struct elf_image {
	uint64_t entry;
	uint64_t virt_start; /* lowest segment page */
	uint64_t virt_end;   /* end of the highest segment, page aligned */
	int nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Check that `file` is an x86-64 ELF64 executable whose loadable segments
 * lie inside [min_vaddr, max_vaddr), inside the file, do not overlap, and
 * whose entry point is in an executable segment.
 * Returns 0 and fills *img, or -1 with *why set to a static message.
 */
int elf_check(const void *file, size_t size, uint64_t min_vaddr,
	      uint64_t max_vaddr, struct elf_image *img, const char **why);

#endif

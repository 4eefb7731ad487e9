/* SPDX-License-Identifier: MIT */
/*
 * Validation of a user program's ELF file before execve commits to it.
 *
 * Pure code (no allocation, no kernel calls), so host unit tests and the
 * fuzzer run exactly what the kernel runs. elf_user_check() either fills
 * a struct elf_user the loader may trust blindly, or returns -ENOEXEC (or
 * -EINVAL for a layout that does not fit user space) and a message naming
 * the problem; it never reads outside [data, data + size).
 *
 * Accepted: ELF64, little-endian, x86-64, ET_EXEC, or ET_DYN without
 * PT_INTERP (static PIE, loaded at USER_PIE_BASE). PT_INTERP (a dynamic
 * program) is refused: there is no dynamic linker.
 *
 * Read next: kernel/proc/exec.c.
 */
#ifndef COHORT_PROC_ELF_H
#define COHORT_PROC_ELF_H

#include <stdint.h>

#define ELF_USER_MAX_LOADS 16

/* The two ELF64 headers as they lie in the file (gABI 4-2, 5-1); the
 * checker copies them out byte by byte, never through a cast pointer. */
struct elf_user_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_user_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct elf_user_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf_user_phdr) == 56, "ELF64 program header");

#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf_user_load {
	uint64_t vaddr;	   /* page-aligned start, load bias applied */
	uint64_t memsz;	   /* page-aligned length from vaddr */
	uint64_t file_off; /* file offset of the byte at vaddr */
	uint64_t file_len; /* file bytes from file_off (the rest is zero) */
	unsigned prot;	   /* VM_READ | VM_WRITE | VM_EXEC */
};

struct elf_user {
	uint64_t entry;	   /* load bias applied */
	uint64_t phdr;	   /* user address of the program headers (AT_PHDR) */
	uint16_t phent, phnum;
	uint64_t bias;	   /* 0 for ET_EXEC */
	uint64_t brk;	   /* page-aligned end of the highest segment */
	int nloads;
	struct elf_user_load load[ELF_USER_MAX_LOADS];
	/* Bytes of PT_TLS etc. are the program's business: musl reads
	 * them through AT_PHDR. */
};

/* 0, or -ENOEXEC / -EINVAL with *why set to a static message. `pie_base`
 * is where an ET_DYN program goes. */
int elf_user_check(const uint8_t *data, uint64_t size, uint64_t pie_base,
		   uint64_t user_min, uint64_t user_top, struct elf_user *out,
		   const char **why);

#endif

// SPDX-License-Identifier: MIT
/*
 * kernel/proc/elf.c: the user ELF checker execve trusts. Each test builds
 * a small image in memory (an ELF header and program headers, as a linker
 * would write them) and checks the verdict and the layout handed to the
 * loader. Hostile inputs must be refused with -ENOEXEC or -EINVAL and a
 * message, never accepted with a wrong mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/mm/aspace.h"
#include "kernel/proc/elf.h"

#define PIE_BASE USER_PIE_BASE
#define TOP (USER_MMAP_TOP)

static uint8_t img[64 * 1024];
static struct elf_user out;
static const char *why;

static struct elf_user_ehdr *eh(void)
{
	return (struct elf_user_ehdr *)img;
}

static struct elf_user_phdr *ph(int i)
{
	return (struct elf_user_phdr *)(img + sizeof(struct elf_user_ehdr)) + i;
}

/* A typical static program: text (R X) with the headers at 0x400000 and
 * data+bss (R W) at 0x402000 (file offset 0x1000 + 0x80). */
static void build_exec(void)
{
	memset(img, 0, sizeof(img));
	memcpy(eh()->ident, "\x7f" "ELF\x02\x01\x01", 7);
	eh()->type = 2;
	eh()->machine = 62;
	eh()->version = 1;
	eh()->entry = 0x400100;
	eh()->phoff = sizeof(struct elf_user_ehdr);
	eh()->ehsize = sizeof(struct elf_user_ehdr);
	eh()->phentsize = sizeof(struct elf_user_phdr);
	eh()->phnum = 2;
	*ph(0) = (struct elf_user_phdr){ PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x400000,
				0x800, 0x800, 0x1000 };
	*ph(1) = (struct elf_user_phdr){ PT_LOAD, PF_R | PF_W, 0x1080, 0x402080,
				0x402080, 0x100, 0x3000, 0x1000 };
}

static int check(uint64_t size)
{
	return elf_user_check(img, size, PIE_BASE, USER_MIN, TOP, &out, &why);
}

static void test_static_exec_layout(void **state)
{
	(void)state;
	build_exec();
	assert_int_equal(check(0x2000), 0);
	assert_int_equal(out.nloads, 2);
	assert_int_equal(out.entry, 0x400100);
	assert_int_equal(out.bias, 0);
	/* The headers lie in the first segment: AT_PHDR is their address. */
	assert_int_equal(out.phdr, 0x400000 + sizeof(struct elf_user_ehdr));
	assert_int_equal(out.phnum, 2);
	assert_int_equal(out.load[0].vaddr, 0x400000);
	assert_int_equal(out.load[0].memsz, 0x1000);
	assert_int_equal(out.load[0].prot, VM_READ | VM_EXEC);
	/* The data segment starts mid-page: the region starts on the page,
	 * the file view starts as many bytes earlier, bss follows. */
	assert_int_equal(out.load[1].vaddr, 0x402000);
	assert_int_equal(out.load[1].file_off, 0x1000);
	assert_int_equal(out.load[1].file_len, 0x180);
	assert_int_equal(out.load[1].memsz, 0x4000 - 0x1000 + 0x1000);
	assert_int_equal(out.load[1].prot, VM_READ | VM_WRITE);
	assert_int_equal(out.brk, 0x406000);
}

static void test_static_pie_is_biased(void **state)
{
	(void)state;
	build_exec();
	eh()->type = 3;
	eh()->entry = 0x100;
	ph(0)->vaddr = 0;
	ph(1)->vaddr = 0x2080;
	*ph(2) = (struct elf_user_phdr){ PT_PHDR, PF_R, sizeof(struct elf_user_ehdr),
				sizeof(struct elf_user_ehdr), 0, 3 * sizeof(struct elf_user_phdr),
				3 * sizeof(struct elf_user_phdr), 8 };
	eh()->phnum = 3;
	assert_int_equal(check(0x2000), 0);
	assert_int_equal(out.bias, PIE_BASE);
	assert_int_equal(out.entry, PIE_BASE + 0x100);
	assert_int_equal(out.load[0].vaddr, PIE_BASE);
	assert_int_equal(out.phdr, PIE_BASE + sizeof(struct elf_user_ehdr));
}

static void expect_refused(uint64_t size, long err, const char *what)
{
	assert_int_equal(check(size), err);
	assert_non_null(why);
	assert_non_null(strstr(why, what));
}

static void test_dynamic_program_refused(void **state)
{
	(void)state;
	build_exec();
	*ph(2) = (struct elf_user_phdr){ PT_INTERP, PF_R, 0x900, 0, 0, 0x1c, 0x1c, 1 };
	eh()->phnum = 3;
	expect_refused(0x2000, -ENOEXEC, "dynamically linked");
}

static void test_bad_headers_refused(void **state)
{
	(void)state;
	build_exec();
	expect_refused(10, -ENOEXEC, "shorter than");
	img[0] = 'M';
	expect_refused(0x2000, -ENOEXEC, "bad magic");
	build_exec();
	img[4] = 1; /* ELFCLASS32 */
	expect_refused(0x2000, -ENOEXEC, "64-bit");
	build_exec();
	eh()->machine = 3; /* i386 */
	expect_refused(0x2000, -ENOEXEC, "x86-64");
	build_exec();
	eh()->type = 1; /* ET_REL */
	expect_refused(0x2000, -ENOEXEC, "not an executable");
	build_exec();
	eh()->phentsize = 32;
	expect_refused(0x2000, -ENOEXEC, "program header size");
	build_exec();
	eh()->phnum = 0;
	expect_refused(0x2000, -ENOEXEC, "program headers");
	build_exec();
	eh()->phoff = 0x1ff0; /* headers run past the file */
	expect_refused(0x2000, -ENOEXEC, "past the end");
	build_exec();
	eh()->phoff = UINT64_MAX - 8; /* wraps */
	expect_refused(0x2000, -ENOEXEC, "past the end");
}

static void test_bad_segments_refused(void **state)
{
	(void)state;
	build_exec();
	ph(1)->filesz = 0x4000; /* file bytes beyond memory */
	expect_refused(0x8000, -ENOEXEC, "file size larger");
	build_exec();
	ph(1)->offset = 0x1f80; /* data past the end of the file */
	ph(1)->vaddr = 0x402f80;
	expect_refused(0x2000, -ENOEXEC, "past the end of the file");
	build_exec();
	ph(1)->vaddr = 0x402000; /* offset 0x1080 not congruent */
	expect_refused(0x2000, -ENOEXEC, "congruent");
	build_exec();
	ph(1)->vaddr = 0x400080; /* shares the text's page */
	ph(1)->offset = 0x1080;
	expect_refused(0x2000, -ENOEXEC, "overlap");
	build_exec();
	ph(0)->vaddr = 0x1000; /* below USER_MIN */
	ph(1)->vaddr = 0x3080;
	eh()->entry = 0x1100;
	expect_refused(0x2000, -EINVAL, "outside user space");
	build_exec();
	ph(1)->vaddr = 0xffff800000000080; /* the kernel half */
	expect_refused(0x2000, -EINVAL, "outside user space");
	build_exec();
	ph(1)->memsz = UINT64_MAX - 0x402000; /* wraps */
	expect_refused(0x2000, -ENOEXEC, "overflows");
	build_exec();
	eh()->entry = 0x500000;
	expect_refused(0x2000, -ENOEXEC, "entry point");
	build_exec();
	ph(0)->type = 4; /* no PT_LOAD at all */
	ph(1)->type = 4;
	expect_refused(0x2000, -ENOEXEC, "no loadable");
}

static void test_too_many_segments_refused(void **state)
{
	(void)state;
	build_exec();
	eh()->phnum = ELF_USER_MAX_LOADS + 1;
	for (int i = 0; i <= ELF_USER_MAX_LOADS; i++)
		*ph(i) = (struct elf_user_phdr){ PT_LOAD, PF_R, 0, 0x400000 + 0x1000ULL * i,
					0, 0, 0x1000, 0x1000 };
	eh()->entry = 0x400000;
	expect_refused(0x2000, -ENOEXEC, "too many");
}

/* Every truncation of a valid image is refused or accepted without
 * reading past the end (ASan watches): the loader never sees a layout
 * that reaches beyond the bytes it was given. */
static void test_every_truncation_is_safe(void **state)
{
	(void)state;
	build_exec();
	static uint8_t copy[0x2000];
	memcpy(copy, img, sizeof(copy));
	for (uint64_t n = 0; n <= sizeof(copy); n++) {
		uint8_t *exact = malloc(n ? n : 1);
		memcpy(exact, copy, n);
		int r = elf_user_check(exact, n, PIE_BASE, USER_MIN, TOP, &out, &why);
		if (r == 0)
			for (int i = 0; i < out.nloads; i++)
				assert_true(out.load[i].file_off +
						    out.load[i].file_len <=
					    n + (out.load[i].vaddr & 0xfff));
		free(exact);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_exec_layout),
		cmocka_unit_test(test_static_pie_is_biased),
		cmocka_unit_test(test_dynamic_program_refused),
		cmocka_unit_test(test_bad_headers_refused),
		cmocka_unit_test(test_bad_segments_refused),
		cmocka_unit_test(test_too_many_segments_refused),
		cmocka_unit_test(test_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

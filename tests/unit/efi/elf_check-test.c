// SPDX-License-Identifier: MIT
/*
 * efi/elf_check.c: a valid kernel ELF built in memory here (two PT_LOAD
 * segments at 0xffffffff80000000, entry in the executable one, plus a
 * PT_GNU_STACK header), then one broken variant per check: truncation at
 * every length, bad identification bytes, bad header fields, program headers
 * out of the file, bad segments (sizes, ranges, overlap, alignment, count)
 * and a bad entry point. Each image is copied into a heap block of exactly
 * its size, so ASan catches any read past the end. Failures must come with a
 * message; valid images must be described exactly (page rounding, skip).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "efi/elf_check.h"

#define MIN_VADDR 0xffffffff80000000ULL /* as efi/loader.c passes them */
#define MAX_VADDR 0xfffffffffffff000ULL

/* The valid image. */
#define TEXT_OFF 0x1000ULL
#define TEXT_VADDR 0xffffffff80000000ULL
#define TEXT_SIZE 0x1234ULL
#define DATA_OFF 0x3010ULL
#define DATA_VADDR 0xffffffff80003010ULL
#define DATA_FILESZ 0x100ULL
#define DATA_MEMSZ 0x2100ULL /* with .bss */
#define ENTRY (TEXT_VADDR + 0x40)
#define FILE_SIZE (DATA_OFF + DATA_FILESZ) /* last byte of segment data */
#define MAX_PHDRS 20 /* room at offset 64, below TEXT_OFF */

#define PT_GNU_STACK 0x6474e551u
#define PT_NOTE 4u

static _Alignas(16) uint8_t file[FILE_SIZE];

static struct elf64_ehdr *eh(void)
{
	return (struct elf64_ehdr *)file;
}

static struct elf64_phdr *ph(int i)
{
	return (struct elf64_phdr *)(file + sizeof(struct elf64_ehdr)) + i;
}

static void set_phdr(int i, uint32_t type, uint32_t flags, uint64_t off,
		     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	*ph(i) = (struct elf64_phdr){
		.p_type = type,
		.p_flags = flags,
		.p_offset = off,
		.p_vaddr = vaddr,
		.p_paddr = vaddr - MIN_VADDR,
		.p_filesz = filesz,
		.p_memsz = memsz,
		.p_align = 0x1000,
	};
}

/* Rebuild the valid image (called before every test). */
static int make_valid(void **state)
{
	(void)state;
	memset(file, 0, sizeof(file));
	for (size_t i = TEXT_OFF; i < FILE_SIZE; i++)
		file[i] = (uint8_t)(i * 7);
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	memcpy(eh()->e_ident, ident, sizeof(ident));
	eh()->e_type = 2;	/* ET_EXEC */
	eh()->e_machine = 62; /* EM_X86_64 */
	eh()->e_version = 1;
	eh()->e_entry = ENTRY;
	eh()->e_phoff = sizeof(struct elf64_ehdr);
	eh()->e_ehsize = sizeof(struct elf64_ehdr);
	eh()->e_phentsize = sizeof(struct elf64_phdr);
	eh()->e_phnum = 3;
	set_phdr(0, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, TEXT_OFF, TEXT_VADDR,
		 TEXT_SIZE, TEXT_SIZE);
	set_phdr(1, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, DATA_OFF, DATA_VADDR,
		 DATA_FILESZ, DATA_MEMSZ);
	set_phdr(2, PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0);
	return 0;
}

static const char *why;
static struct elf_image img;

/* elf_check on the first `size` bytes of file, copied into a block of
 * exactly that size. */
static int check_prefix(size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	memcpy(copy, file, size);
	why = "(not set)";
	memset(&img, 0xa5, sizeof(img));
	int r = elf_check(copy, size, MIN_VADDR, MAX_VADDR, &img, &why);
	free(copy);
	return r;
}

static int check(void)
{
	return check_prefix(sizeof(file));
}

/* Rejected, with a message. */
static void rejects(void)
{
	int r = check();
	assert_int_equal(r, -1);
	assert_non_null(why);
	assert_string_not_equal(why, "(not set)");
	assert_true(strlen(why) > 0);
}

static void rejects_because(const char *msg)
{
	rejects();
	assert_string_equal(why, msg);
}

static void accepts(void)
{
	int r = check();
	if (r != 0)
		fprintf(stderr, "rejected: %s\n", why);
	assert_int_equal(r, 0);
	assert_null(why);
}

/* ---- Valid input ---- */

static void test_valid_image_is_described_exactly(void **state)
{
	(void)state;

	accepts();
	assert_int_equal(img.entry, ENTRY);
	assert_int_equal(img.nsegments, 2);

	const struct elf_segment *t = &img.seg[0], *d = &img.seg[1];
	assert_int_equal(t->vaddr, TEXT_VADDR);
	assert_int_equal(t->skip, 0);
	assert_int_equal(t->memsz, 0x2000); /* 0x1234 rounded up */
	assert_int_equal(t->offset, TEXT_OFF);
	assert_int_equal(t->filesz, TEXT_SIZE);
	assert_int_equal(t->flags, ELF_PF_R | ELF_PF_X);

	assert_int_equal(d->vaddr, 0xffffffff80003000ULL); /* aligned down */
	assert_int_equal(d->skip, 0x10);
	/* 0x...3010 + 0x2100 = 0x...5110, up to 0x...6000, from 0x...3000. */
	assert_int_equal(d->memsz, 0x3000);
	assert_int_equal(d->offset, DATA_OFF);
	assert_int_equal(d->filesz, DATA_FILESZ);
	assert_int_equal(d->flags, ELF_PF_R | ELF_PF_W);

	assert_int_equal(img.virt_start, TEXT_VADDR);
	assert_int_equal(img.virt_end, 0xffffffff80006000ULL);
}

static void test_segment_order_in_file_does_not_matter(void **state)
{
	(void)state;
	struct elf64_phdr t = *ph(0);

	*ph(0) = *ph(1);
	*ph(1) = t;
	accepts();
	assert_int_equal(img.nsegments, 2);
	assert_int_equal(img.seg[0].vaddr, 0xffffffff80003000ULL);
	assert_int_equal(img.seg[1].vaddr, TEXT_VADDR);
	assert_int_equal(img.virt_start, TEXT_VADDR);
	assert_int_equal(img.virt_end, 0xffffffff80006000ULL);
}

static void test_page_aligned_sizes_are_not_rounded_further(void **state)
{
	(void)state;

	ph(0)->p_filesz = ph(0)->p_memsz = 0x2000; /* ends at 0x3000 */
	ph(1)->p_memsz = 0x1000 - 0x10;		   /* ends at ...4000 */
	accepts();
	assert_int_equal(img.seg[0].memsz, 0x2000);
	assert_int_equal(img.seg[1].memsz, 0x1000);
	assert_int_equal(img.virt_end, 0xffffffff80004000ULL);
}

static void test_non_load_and_empty_segments_are_ignored(void **state)
{
	(void)state;

	/* An empty PT_LOAD anywhere, even outside the range, is skipped. */
	eh()->e_phnum = 5;
	set_phdr(3, ELF_PT_LOAD, ELF_PF_R, 0, 0x1000, 0, 0);
	set_phdr(4, PT_NOTE, ELF_PF_R, 0xffff0000, 0x1000, 0x100000, 0x100000);
	accepts();
	assert_int_equal(img.nsegments, 2);
	assert_int_equal(img.virt_start, TEXT_VADDR);
}

static void test_bss_only_segment_needs_no_file_data(void **state)
{
	(void)state;

	/* filesz 0: the offset need not match the address modulo the page
	 * size (nothing is copied from the file). */
	eh()->e_phnum = 4;
	set_phdr(3, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x123,
		 0xffffffff80008000ULL, 0, 0x1800);
	accepts();
	assert_int_equal(img.nsegments, 3);
	assert_int_equal(img.seg[2].memsz, 0x2000);
	assert_int_equal(img.seg[2].filesz, 0);
	assert_int_equal(img.virt_end, 0xffffffff8000a000ULL);
}

static void test_segment_may_end_exactly_at_max_vaddr(void **state)
{
	(void)state;

	ph(1)->p_vaddr = MAX_VADDR - 0x2000 + 0x10;
	ph(1)->p_memsz = 0x2000 - 0x10;
	accepts();
	assert_int_equal(img.virt_end, MAX_VADDR);
}

static void test_entry_at_the_last_byte_of_text_is_accepted(void **state)
{
	(void)state;

	eh()->e_entry = TEXT_VADDR + TEXT_SIZE - 1;
	accepts();
	eh()->e_entry = TEXT_VADDR;
	accepts();
}

static void test_exactly_max_segments_are_accepted(void **state)
{
	(void)state;

	eh()->e_phnum = ELF_MAX_SEGMENTS;
	for (int i = 2; i < ELF_MAX_SEGMENTS; i++)
		set_phdr(i, ELF_PT_LOAD, ELF_PF_R, 0,
			 0xffffffff80010000ULL + 0x1000ULL * i, 0, 0x100);
	accepts();
	assert_int_equal(img.nsegments, ELF_MAX_SEGMENTS);
}

/* ---- Truncation ---- */

static void test_every_truncation_fails_cleanly(void **state)
{
	(void)state;

	/* Every prefix ends before the last segment's data: all must fail,
	 * with a message and without reading past the prefix. */
	for (size_t len = 0; len < sizeof(file); len++) {
		int r = check_prefix(len);
		if (r != -1)
			fprintf(stderr, "prefix of %zu bytes accepted\n", len);
		assert_int_equal(r, -1);
		assert_non_null(why);
		assert_string_not_equal(why, "(not set)");
	}
	assert_int_equal(check_prefix(sizeof(file)), 0);
}

static void test_truncated_inside_headers_names_the_problem(void **state)
{
	(void)state;

	assert_int_equal(check_prefix(0), -1);
	assert_string_equal(why, "file is smaller than an ELF header");
	assert_int_equal(check_prefix(63), -1);
	assert_string_equal(why, "file is smaller than an ELF header");
	assert_int_equal(check_prefix(64 + 56 * 3 - 1), -1);
	assert_string_equal(why, "program headers run past the end of the file");
	assert_int_equal(check_prefix(FILE_SIZE - 1), -1);
	assert_string_equal(
		why, "segment data runs past the end of the file (truncated?)");
}

/* ---- Identification and header ---- */

static void test_bad_magic_is_rejected(void **state)
{
	(void)state;

	for (int i = 0; i < 4; i++) {
		make_valid(NULL);
		file[i] ^= 0x20;
		rejects_because("not an ELF file (bad magic)");
	}
}

static void test_32_bit_class_is_rejected(void **state)
{
	(void)state;

	file[4] = 1; /* ELFCLASS32 */
	rejects_because("not a 64-bit ELF file");
	file[4] = 0;
	rejects_because("not a 64-bit ELF file");
}

static void test_big_endian_is_rejected(void **state)
{
	(void)state;

	file[5] = 2; /* ELFDATA2MSB */
	rejects_because("not a little-endian ELF file");
}

static void test_unknown_version_is_rejected(void **state)
{
	(void)state;

	file[6] = 2;
	rejects_because("unknown ELF version");
	make_valid(NULL);
	eh()->e_version = 0;
	rejects_because("unknown ELF version");
}

static void test_wrong_machine_is_rejected(void **state)
{
	(void)state;
	const uint16_t machines[] = { 0, 3 /* i386 */, 40 /* ARM */,
				      183 /* AArch64 */, 243 /* RISC-V */ };

	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		eh()->e_machine = machines[i];
		rejects_because("not an x86-64 ELF file");
	}
}

static void test_non_executable_types_are_rejected(void **state)
{
	(void)state;
	const uint16_t types[] = { 0 /* NONE */, 1 /* REL */, 3 /* DYN */,
				   4 /* CORE */ };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		eh()->e_type = types[i];
		rejects_because("not an executable (ET_EXEC) ELF file");
	}
}

static void test_wrong_phentsize_is_rejected(void **state)
{
	(void)state;
	const uint16_t sizes[] = { 0, 32, 55, 57, 64 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		eh()->e_phentsize = sizes[i];
		rejects_because("unexpected program header size");
	}
}

static void test_no_program_headers_is_rejected(void **state)
{
	(void)state;

	eh()->e_phnum = 0;
	rejects_because("no program headers");
}

static void test_only_non_load_headers_is_rejected(void **state)
{
	(void)state;

	ph(0)->p_type = PT_NOTE;
	ph(1)->p_type = PT_NOTE;
	rejects_because("no loadable segments");
	make_valid(NULL);
	ph(0)->p_memsz = ph(0)->p_filesz = 0;
	ph(1)->p_memsz = ph(1)->p_filesz = 0;
	rejects_because("no loadable segments");
}

static void test_phoff_past_end_is_rejected(void **state)
{
	(void)state;
	const uint64_t offs[] = { FILE_SIZE, FILE_SIZE - 8, FILE_SIZE + 0x1000,
				  0x7ffffffffffffff8ULL,
				  UINT64_MAX - 7 /* 8-aligned, wraps */ };

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		eh()->e_phoff = offs[i];
		rejects_because("program headers run past the end of the file");
	}
}

static void test_misaligned_phoff_is_rejected(void **state)
{
	(void)state;

	/* Move the table by 4 so it is still inside the file. */
	memmove(file + 68, file + 64, 3 * sizeof(struct elf64_phdr));
	eh()->e_phoff = 68;
	rejects_because("misaligned program header table");
}

static void test_phnum_times_phentsize_past_end_is_rejected(void **state)
{
	(void)state;

	eh()->e_phnum = 0xffff; /* 3.6 MB of headers in a 12 KB file */
	rejects_because("program headers run past the end of the file");
	/* Starts inside the file, one header runs over the end. */
	eh()->e_phnum = 1;
	eh()->e_phoff = (FILE_SIZE - 48) & ~7ULL;
	rejects_because("program headers run past the end of the file");
	/* phoff + table wraps around 2^64. */
	eh()->e_phnum = 2;
	eh()->e_phoff = UINT64_MAX - 63;
	rejects_because("program headers run past the end of the file");
}

/* ---- Segments ---- */

static void test_filesz_larger_than_memsz_is_rejected(void **state)
{
	(void)state;

	ph(1)->p_memsz = DATA_FILESZ - 1;
	rejects_because("segment file size exceeds memory size");
}

static void test_segment_data_past_end_of_file_is_rejected(void **state)
{
	(void)state;

	ph(1)->p_filesz = DATA_FILESZ + 1;
	rejects_because("segment data runs past the end of the file (truncated?)");

	make_valid(NULL);
	ph(0)->p_offset = FILE_SIZE; /* checked before the page congruence */
	rejects();

	/* offset + filesz wraps around 2^64. */
	make_valid(NULL);
	ph(1)->p_offset = UINT64_MAX - 0xfef; /* ...f010: same page offset */
	rejects_because("segment data runs past the end of the file (truncated?)");
}

static void test_segment_below_min_vaddr_is_rejected(void **state)
{
	(void)state;

	ph(0)->p_vaddr = MIN_VADDR - 0x1000;
	eh()->e_entry = ph(0)->p_vaddr + 0x40;
	rejects_because("segment outside the kernel address range");

	make_valid(NULL);
	ph(1)->p_vaddr = 0x3010; /* user-space address */
	rejects_because("segment outside the kernel address range");
}

static void test_segment_past_max_vaddr_is_rejected(void **state)
{
	(void)state;

	/* Ends one byte past max_vaddr. */
	ph(1)->p_vaddr = MAX_VADDR - 0x2000 + 0x10;
	ph(1)->p_memsz = 0x2000 - 0x10 + 1;
	rejects_because("segment outside the kernel address range");

	/* Starts past max_vaddr. */
	make_valid(NULL);
	ph(1)->p_vaddr = MAX_VADDR + 0x10;
	rejects_because("segment outside the kernel address range");

	/* vaddr + memsz wraps around 2^64 to a small number. */
	make_valid(NULL);
	ph(1)->p_memsz = UINT64_MAX - 0x1000;
	rejects_because("segment outside the kernel address range");
}

static void test_overlapping_segments_are_rejected(void **state)
{
	(void)state;

	/* Data starts inside text. */
	ph(1)->p_vaddr = TEXT_VADDR + 0x1010;
	rejects_because("loadable segments overlap");

	/* Same page, disjoint bytes: still an overlap once rounded to pages
	 * (the loader maps whole pages with one set of permissions). */
	make_valid(NULL);
	ph(1)->p_vaddr = TEXT_VADDR + 0x1810; /* text ends at +0x1234 */
	ph(1)->p_offset = 0x1810;
	rejects_because("loadable segments overlap");

	/* Text wholly inside data's pages, data listed first. */
	make_valid(NULL);
	struct elf64_phdr t = *ph(0);
	*ph(0) = *ph(1);
	*ph(1) = t;
	ph(1)->p_vaddr = 0xffffffff80004000ULL;
	ph(1)->p_memsz = ph(1)->p_filesz = 0x100;
	eh()->e_entry = 0xffffffff80004000ULL;
	rejects_because("loadable segments overlap");

	/* Two identical segments. */
	make_valid(NULL);
	*ph(1) = *ph(0);
	rejects_because("loadable segments overlap");
}

static void test_entry_outside_executable_segment_is_rejected(void **state)
{
	(void)state;

	eh()->e_entry = DATA_VADDR + 8; /* in the writable data */
	rejects_because("entry point is not inside an executable segment");
	eh()->e_entry = TEXT_VADDR + TEXT_SIZE; /* one past text */
	rejects_because("entry point is not inside an executable segment");
	eh()->e_entry = TEXT_VADDR - 1;
	rejects_because("entry point is not inside an executable segment");
	eh()->e_entry = 0;
	rejects_because("entry point is not inside an executable segment");

	make_valid(NULL);
	ph(0)->p_flags = ELF_PF_R; /* text not executable */
	rejects_because("entry point is not inside an executable segment");
}

static void test_offset_vaddr_mismatch_is_rejected(void **state)
{
	(void)state;

	ph(1)->p_offset = DATA_OFF + 0x10;
	ph(1)->p_filesz = DATA_FILESZ - 0x10; /* still inside the file */
	rejects_because("segment offset and address disagree modulo the page size");

	make_valid(NULL);
	ph(0)->p_vaddr = TEXT_VADDR + 0x800;
	eh()->e_entry = TEXT_VADDR + 0x840;
	rejects_because("segment offset and address disagree modulo the page size");
}

static void test_too_many_load_segments_are_rejected(void **state)
{
	(void)state;

	assert_true(ELF_MAX_SEGMENTS + 1 <= MAX_PHDRS);
	eh()->e_phnum = ELF_MAX_SEGMENTS + 1;
	for (int i = 2; i < ELF_MAX_SEGMENTS + 1; i++)
		set_phdr(i, ELF_PT_LOAD, ELF_PF_R, 0,
			 0xffffffff80010000ULL + 0x1000ULL * i, 0, 0x100);
	rejects_because("too many loadable segments");
}

/* ---- Random corruption ---- */

static uint64_t rng = 0x243f6a8885a308d3ULL; /* fixed seed */

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Flip random bytes of the headers. Whatever happens, a failure has a
 * message and a success gives an image the loader can trust blindly.
 */
static void test_random_header_corruption_is_safe(void **state)
{
	(void)state;
	int accepted = 0;

	for (int iter = 0; iter < 20000; iter++) {
		make_valid(NULL);
		int flips = 1 + (int)(next_rand() % 4);
		for (int f = 0; f < flips; f++) {
			size_t at = next_rand() % (64 + 3 * 56);
			file[at] = (uint8_t)next_rand();
		}
		size_t size = sizeof(file);
		if (next_rand() % 8 == 0)
			size = next_rand() % sizeof(file);
		if (check_prefix(size) != 0) {
			assert_non_null(why);
			assert_string_not_equal(why, "(not set)");
			continue;
		}
		accepted++;
		assert_null(why);
		assert_in_range(img.nsegments, 1, ELF_MAX_SEGMENTS);
		int entry_ok = 0;
		for (int i = 0; i < img.nsegments; i++) {
			const struct elf_segment *s = &img.seg[i];
			assert_true(s->offset <= size &&
				    s->filesz <= size - s->offset);
			assert_true(s->vaddr % 0x1000 == 0 &&
				    s->memsz % 0x1000 == 0);
			assert_true(s->vaddr >= MIN_VADDR);
			assert_true(s->memsz <= MAX_VADDR - s->vaddr);
			assert_true(s->skip < 0x1000);
			assert_true(s->skip + s->filesz <= s->memsz);
			assert_true(s->vaddr >= img.virt_start &&
				    s->vaddr + s->memsz <= img.virt_end);
			for (int j = 0; j < i; j++) {
				const struct elf_segment *o = &img.seg[j];
				assert_true(s->vaddr >= o->vaddr + o->memsz ||
					    o->vaddr >= s->vaddr + s->memsz);
			}
			if ((s->flags & ELF_PF_X) &&
			    img.entry >= s->vaddr + s->skip &&
			    img.entry < s->vaddr + s->memsz)
				entry_ok = 1;
		}
		assert_true(entry_ok);
	}
	/* Some flips hit harmless bytes (e_shoff, p_paddr...). */
	assert_true(accepted > 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka and our notes in order */
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, make_valid)
		T(test_valid_image_is_described_exactly),
		T(test_segment_order_in_file_does_not_matter),
		T(test_page_aligned_sizes_are_not_rounded_further),
		T(test_non_load_and_empty_segments_are_ignored),
		T(test_bss_only_segment_needs_no_file_data),
		T(test_segment_may_end_exactly_at_max_vaddr),
		T(test_entry_at_the_last_byte_of_text_is_accepted),
		T(test_exactly_max_segments_are_accepted),
		T(test_every_truncation_fails_cleanly),
		T(test_truncated_inside_headers_names_the_problem),
		T(test_bad_magic_is_rejected),
		T(test_32_bit_class_is_rejected),
		T(test_big_endian_is_rejected),
		T(test_unknown_version_is_rejected),
		T(test_wrong_machine_is_rejected),
		T(test_non_executable_types_are_rejected),
		T(test_wrong_phentsize_is_rejected),
		T(test_no_program_headers_is_rejected),
		T(test_only_non_load_headers_is_rejected),
		T(test_phoff_past_end_is_rejected),
		T(test_misaligned_phoff_is_rejected),
		T(test_phnum_times_phentsize_past_end_is_rejected),
		T(test_filesz_larger_than_memsz_is_rejected),
		T(test_segment_data_past_end_of_file_is_rejected),
		T(test_segment_below_min_vaddr_is_rejected),
		T(test_segment_past_max_vaddr_is_rejected),
		T(test_overlapping_segments_are_rejected),
		T(test_entry_outside_executable_segment_is_rejected),
		T(test_offset_vaddr_mismatch_is_rejected),
		T(test_too_many_load_segments_are_rejected),
		T(test_random_header_corruption_is_safe),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

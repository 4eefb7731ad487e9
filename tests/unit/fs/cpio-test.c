// SPDX-License-Identifier: MIT
/*
 * kernel/fs/cpio.c: well-formed archives give exactly their entries;
 * every malformed header is refused with a reason (bad magic, bad hex,
 * name size 0 or too big, name without its NUL or with one inside, data
 * past the end, directory with data, empty symlink, missing trailer); a
 * refusal is sticky; and every prefix of a valid archive, copied into a
 * buffer of exactly that size (ASan watches the edges), either parses to
 * an error or to the complete archive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/fs/cpio.h"

struct archive {
	uint8_t buf[65536];
	size_t len;
};

static void pad4(struct archive *a)
{
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

/* One newc entry; namesize = strlen(name) + 1 unless forced. */
static void add_raw(struct archive *a, const char *magic, uint32_t mode,
		    const char *name, uint32_t namesize, const void *data,
		    uint32_t size, uint32_t claimed_size)
{
	char h[CPIO_HEADER_SIZE + 1];
	snprintf(h, sizeof(h),
		 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 magic, 1u, mode, 0u, 0u, 1u, 0u, claimed_size, 0u, 0u, 0u, 0u,
		 namesize, 0u);
	memcpy(a->buf + a->len, h, CPIO_HEADER_SIZE);
	a->len += CPIO_HEADER_SIZE;
	memcpy(a->buf + a->len, name, strlen(name) + 1);
	a->len += strlen(name) + 1;
	pad4(a);
	if (size)
		memcpy(a->buf + a->len, data, size);
	a->len += size;
	pad4(a);
}

static void add(struct archive *a, uint32_t mode, const char *name,
		const void *data, uint32_t size)
{
	add_raw(a, "070701", mode, name, (uint32_t)strlen(name) + 1, data, size,
		size);
}

static void trailer(struct archive *a)
{
	add(a, 0, "TRAILER!!!", 0, 0);
}

static void build_valid(struct archive *a)
{
	a->len = 0;
	add(a, CPIO_S_IFDIR | 0755, "bin", 0, 0);
	add(a, CPIO_S_IFREG | 0755, "bin/init", "\x7f" "ELF...", 7);
	add(a, CPIO_S_IFLNK | 0777, "bin/sh", "init", 4);
	add(a, CPIO_S_IFREG | 0644, "etc/empty", 0, 0);
	trailer(a);
}

static int parse_all(const void *buf, size_t len, int *entries,
		     const char **why)
{
	struct cpio_reader r;
	struct cpio_entry e;
	int rc, n = 0;
	cpio_reader_init(&r, buf, len);
	while ((rc = cpio_next(&r, &e)) == 1)
		n++;
	*entries = n;
	*why = r.error;
	return rc;
}

static void test_valid_archive(void **state)
{
	static struct archive a;
	struct cpio_reader r;
	struct cpio_entry e;
	(void)state;
	build_valid(&a);
	cpio_reader_init(&r, a.buf, a.len);

	assert_int_equal(cpio_next(&r, &e), 1);
	assert_string_equal(e.name, "bin");
	assert_int_equal(e.mode, CPIO_S_IFDIR | 0755);
	assert_int_equal(e.size, 0);

	assert_int_equal(cpio_next(&r, &e), 1);
	assert_string_equal(e.name, "bin/init");
	assert_int_equal(e.name_len, 8);
	assert_int_equal(e.size, 7);
	assert_memory_equal(e.data, "\x7f" "ELF...", 7);

	assert_int_equal(cpio_next(&r, &e), 1);
	assert_int_equal(e.mode & CPIO_S_IFMT, CPIO_S_IFLNK);
	assert_memory_equal(e.data, "init", 4);

	assert_int_equal(cpio_next(&r, &e), 1);
	assert_string_equal(e.name, "etc/empty");
	assert_int_equal(e.size, 0);

	assert_int_equal(cpio_next(&r, &e), 0);
	assert_int_equal(cpio_next(&r, &e), 0); /* stays at the end */
	assert_null(r.error);
}

static void test_lowercase_hex_and_crc_magic(void **state)
{
	static struct archive a;
	int n;
	const char *why;
	(void)state;
	a.len = 0;
	add_raw(&a, "070702", CPIO_S_IFREG | 0644, "f", 2, "ab", 2, 2);
	trailer(&a);
	/* Lower-case the mode field ("000081A4" -> "000081a4"). */
	a.buf[6 + 8 + 6] = 'a';
	assert_int_equal(parse_all(a.buf, a.len, &n, &why), 0);
	assert_int_equal(n, 1);
}

static void expect_error(struct archive *a, const char *why_expected)
{
	int n;
	const char *why;
	assert_int_equal(parse_all(a->buf, a->len, &n, &why), -1);
	assert_non_null(why);
	if (!strstr(why, why_expected))
		fail_msg("error '%s', expected '%s'", why, why_expected);
}

static void test_bad_magic(void **state)
{
	static struct archive a;
	(void)state;
	build_valid(&a);
	a.buf[5] = '7'; /* 070707: old binary/odc cpio, not newc */
	expect_error(&a, "bad magic");
	build_valid(&a);
	memcpy(a.buf, "\x7f" "ELF", 4);
	expect_error(&a, "bad magic");
}

static void test_bad_hex(void **state)
{
	static struct archive a;
	(void)state;
	build_valid(&a);
	a.buf[6 + 8 * 6 + 3] = 'G'; /* filesize */
	expect_error(&a, "not 8 hex digits");
	build_valid(&a);
	a.buf[6] = ' '; /* leading space: sscanf would take it; we do not */
	expect_error(&a, "not 8 hex digits");
	build_valid(&a);
	a.buf[6 + 8 * 11 + 7] = 0; /* namesize with a NUL in it */
	expect_error(&a, "not 8 hex digits");
}

static void test_bad_names(void **state)
{
	static struct archive a;
	(void)state;
	a.len = 0;
	add_raw(&a, "070701", CPIO_S_IFREG, "abc", 0, 0, 0, 0);
	expect_error(&a, "bad name size");

	a.len = 0;
	add_raw(&a, "070701", CPIO_S_IFREG, "abc", 0x10000, 0, 0, 0);
	expect_error(&a, "bad name size");

	a.len = 0; /* namesize 3 covers "ab" but its last byte is 'c' */
	add_raw(&a, "070701", CPIO_S_IFREG, "abc", 3, 0, 0, 0);
	expect_error(&a, "name without its NUL");

	a.len = 0; /* namesize 6 reaches past "abc\0" into padding: NUL inside */
	add_raw(&a, "070701", CPIO_S_IFREG, "abc", 6, 0, 0, 0);
	trailer(&a);
	expect_error(&a, "NUL inside the name");

	a.len = 0; /* name runs past the end of the buffer */
	add_raw(&a, "070701", CPIO_S_IFREG, "abc", 4000, 0, 0, 0);
	expect_error(&a, "name runs past the end");
}

static void test_sizes_past_end(void **state)
{
	static struct archive a;
	(void)state;
	a.len = 0;
	add_raw(&a, "070701", CPIO_S_IFREG, "f", 2, "xy", 2, 0xfffffff0);
	trailer(&a);
	expect_error(&a, "runs past the end");

	a.len = 0; /* exactly one byte too many */
	add_raw(&a, "070701", CPIO_S_IFREG, "f", 2, "xyzw", 4, 4);
	a.len -= 1;
	expect_error(&a, "runs past the end");
}

static void test_absurd_entries(void **state)
{
	static struct archive a;
	(void)state;
	a.len = 0;
	add(&a, CPIO_S_IFDIR | 0755, "d", "data", 4);
	trailer(&a);
	expect_error(&a, "directory with data");

	a.len = 0;
	add(&a, CPIO_S_IFLNK | 0777, "l", 0, 0);
	trailer(&a);
	expect_error(&a, "symlink");
}

static void test_missing_trailer(void **state)
{
	static struct archive a;
	(void)state;
	a.len = 0;
	add(&a, CPIO_S_IFREG | 0644, "f", "x", 1);
	expect_error(&a, "without TRAILER");
	a.len = 0;
	expect_error(&a, "without TRAILER"); /* empty buffer */
	int n;
	const char *why;
	assert_int_equal(parse_all(NULL, 100, &n, &why), -1);
}

static void test_error_is_sticky(void **state)
{
	static struct archive a;
	struct cpio_reader r;
	struct cpio_entry e;
	(void)state;
	build_valid(&a);
	memcpy(a.buf + 120, "ZZZZZZ", 6); /* corrupt the second header */
	cpio_reader_init(&r, a.buf, a.len);
	int rc;
	while ((rc = cpio_next(&r, &e)) == 1)
		;
	assert_int_equal(rc, -1);
	assert_int_equal(cpio_next(&r, &e), -1);
}

static void test_garbage_after_trailer(void **state)
{
	static struct archive a;
	int n;
	const char *why;
	(void)state;
	build_valid(&a);
	memset(a.buf + a.len, 0xAB, 512); /* block padding, or junk */
	a.len += 512;
	assert_int_equal(parse_all(a.buf, a.len, &n, &why), 0);
	assert_int_equal(n, 4);
}

/* Every prefix in a buffer of exactly that size: no read outside it
 * (ASan), and only the whole archive is complete. */
static void test_every_prefix(void **state)
{
	static struct archive a;
	(void)state;
	build_valid(&a);
	for (size_t len = 0; len <= a.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		int n;
		const char *why;
		memcpy(copy, a.buf, len);
		int rc = parse_all(copy, len, &n, &why);
		/* The trailer's own padding may be cut: it is complete from
		 * the end of its name on. */
		if (rc == 0)
			assert_true(len >= a.len - 4);
		else
			assert_int_equal(rc, -1);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_archive),
		cmocka_unit_test(test_lowercase_hex_and_crc_magic),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_hex),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_sizes_past_end),
		cmocka_unit_test(test_absurd_entries),
		cmocka_unit_test(test_missing_trailer),
		cmocka_unit_test(test_error_is_sticky),
		cmocka_unit_test(test_garbage_after_trailer),
		cmocka_unit_test(test_every_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

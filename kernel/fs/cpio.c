// SPDX-License-Identifier: MIT
/*
 * cpio newc reader (cpio.h has the format and the contract). Validate
 * every field of a header before believing any of it; each check names
 * what was wrong, for the one log line a corrupt archive gets.
 */
#include "cpio.h"

#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_FIELDS 13

enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK
};

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Exactly 8 hex digits (either case); -1 otherwise. */
static int parse_hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

void cpio_reader_init(struct cpio_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = buf ? len : 0;
	r->off = 0;
	r->done = 0;
	r->error = 0;
	r->error_off = 0;
}

static int fail(struct cpio_reader *r, size_t off, const char *why)
{
	r->error = why;
	r->error_off = off;
	return -1;
}

static int name_is(const struct cpio_entry *e, const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (i >= e->name_len || e->name[i] != s[i])
			return 0;
	return i == e->name_len;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *e)
{
	size_t off = r->off;
	uint32_t f[CPIO_FIELDS];

	if (r->error)
		return -1;
	if (r->done)
		return 0;
	/* off <= len always holds: it only ever advances to checked ends. */
	if (r->len - off < CPIO_HEADER_SIZE)
		return fail(r, off, r->len == off ? "archive ends without TRAILER!!!"
						  : "truncated header");
	const uint8_t *h = r->buf + off;
	if (h[0] != '0' || h[1] != '7' || h[2] != '0' || h[3] != '7' ||
	    h[4] != '0' || (h[5] != '1' && h[5] != '2'))
		return fail(r, off, "bad magic (not a cpio newc archive)");
	for (int i = 0; i < CPIO_FIELDS; i++)
		if (parse_hex8(h + 6 + 8 * i, &f[i]))
			return fail(r, off, "header field is not 8 hex digits");

	uint32_t namesize = f[F_NAMESIZE];
	if (namesize == 0 || namesize > CPIO_NAME_MAX)
		return fail(r, off, "bad name size");
	size_t name_off = off + CPIO_HEADER_SIZE;
	if (r->len - name_off < namesize)
		return fail(r, off, "name runs past the end");
	const char *name = (const char *)(r->buf + name_off);
	for (uint32_t i = 0; i + 1 < namesize; i++)
		if (name[i] == 0)
			return fail(r, off, "NUL inside the name");
	if (name[namesize - 1] != 0)
		return fail(r, off, "name without its NUL");

	/* Sizes are below 2^32 and offsets below len, so no sum overflows
	 * size_t on a 64-bit host; on any host check against len first. */
	size_t data_off = align4(name_off + namesize);
	uint64_t size = f[F_FILESIZE];
	if (data_off > r->len || r->len - data_off < size)
		return fail(r, off, "file data runs past the end");
	if (size > CPIO_FILE_MAX)
		return fail(r, off, "file larger than 1 GiB");

	e->name = name;
	e->name_len = namesize - 1;
	e->ino = f[F_INO];
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
	e->rdev_major = f[F_RDEVMAJOR];
	e->rdev_minor = f[F_RDEVMINOR];
	e->data = r->buf + data_off;
	e->size = size;
	e->offset = off;

	if (name_is(e, CPIO_TRAILER)) {
		r->done = 1;
		return 0;
	}
	uint32_t type = e->mode & CPIO_S_IFMT;
	if (type == CPIO_S_IFDIR && size != 0)
		return fail(r, off, "directory with data");
	if (type == CPIO_S_IFLNK && (size == 0 || size >= CPIO_NAME_MAX))
		return fail(r, off, "bad symlink target size");

	size_t end = data_off + size;
	/* The last entry's padding may be cut off by the end of the buffer;
	 * the next call then reports the missing trailer. */
	r->off = align4(end) <= r->len ? align4(end) : r->len;
	return 1;
}

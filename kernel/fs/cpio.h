/* SPDX-License-Identifier: MIT */
/*
 * A reader for cpio "newc" archives (the initramfs format; the header is
 * the one in Linux's Documentation/driver-api/early-userspace/
 * buffer-format.rst): "070701" (or "070702", whose checksum is ignored),
 * then 13 fields of exactly 8 hex digits (ino, mode, uid, gid, nlink,
 * mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize,
 * check), the name with its NUL (header + name padded to 4 bytes), then
 * the data padded to 4. An entry named "TRAILER!!!" ends the archive.
 *
 * Pure: bytes in, validated entries out; no allocation, no kernel
 * headers, so it builds on the host (tests/unit/fs, tests/fuzz). It never
 * reads outside [buf, buf + len): every offset is checked before use, in
 * arithmetic that cannot overflow. Entries point into the buffer.
 *
 * Read next: kernel/fs/vfs_tree.c (which builds the tree from entries).
 */
#ifndef COHORT_FS_CPIO_H
#define COHORT_FS_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110
#define CPIO_NAME_MAX 4096	     /* namesize limit, NUL included (PATH_MAX) */
#define CPIO_FILE_MAX (1ULL << 30) /* no single file above 1 GiB */

/* File types in `mode` (the st_mode bits). */
#define CPIO_S_IFMT 0170000
#define CPIO_S_IFDIR 0040000
#define CPIO_S_IFREG 0100000
#define CPIO_S_IFLNK 0120000

struct cpio_entry {
	const char *name;	 /* NUL-terminated, inside the archive */
	size_t name_len;	 /* without the NUL */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t rdev_major, rdev_minor;
	const uint8_t *data;	 /* inside the archive */
	uint64_t size;
	size_t offset;		 /* of the header, for error messages */
};

struct cpio_reader {
	const uint8_t *buf;
	size_t len;
	size_t off;	  /* next header */
	int done;	  /* trailer seen */
	const char *error; /* why cpio_next failed (static text) */
	size_t error_off;  /* header offset of the bad entry */
};

void cpio_reader_init(struct cpio_reader *r, const void *buf, size_t len);

/*
 * The next entry. Returns 1 (an entry in *e), 0 (the trailer was reached:
 * the archive is complete), or -1 (the archive is corrupt: r->error says
 * why and r->error_off where; every later call returns -1 too). Rejected:
 * a bad magic, a field that is not 8 hex digits, namesize 0 or above
 * CPIO_NAME_MAX, a name whose NUL is not its last byte (or missing), data
 * running past the end, a file above CPIO_FILE_MAX, a directory with
 * data, a symlink with no target or one above CPIO_NAME_MAX, the end of
 * the buffer before the trailer.
 */
int cpio_next(struct cpio_reader *r, struct cpio_entry *e);

#endif

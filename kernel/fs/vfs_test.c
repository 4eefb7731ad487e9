// SPDX-License-Identifier: MIT
/*
 * test=vfs: the file layer through the kernel-internal API (kernel
 * buffers): initramfs contents read back exactly (the Makefile stages
 * /etc/cohort-test.txt, 400 lines "cohort-test line NNNN\n", which this
 * file regenerates), directory listings, lookup errors and their errno,
 * descriptor tables, /dev/null and /dev/zero, the console's line
 * discipline fed by hand, and pipes (order, EOF, EPIPE, O_NONBLOCK,
 * PIPE_BUF atomicity, and a blocking transfer between two threads that
 * may run on different CPUs). One line per failed check; a summary line.
 */
#include "../../sched/sched.h"
#include "../errno.h"
#include "../kthread.h"
#include "../lib/printf.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/heap.h"
#include "fs_internal.h"
#include "tty.h"
#include "vfs_test.h"

#define TEST_LINES 400
#define TEST_LINE_LEN 22 /* "cohort-test line 0000\n" */
#define TEST_SIZE (TEST_LINES * TEST_LINE_LEN)

static int passed, failed;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (cond) {                                               \
			passed++;                                         \
		} else {                                                  \
			failed++;                                         \
			kprintf("vfs-test: FAIL %s:%d: %s", __FILE__,      \
				__LINE__, #cond);                         \
			kprintf("vfs-test:   " __VA_ARGS__);              \
		}                                                         \
	} while (0)

static char expect_byte(size_t i)
{
	char line[TEST_LINE_LEN + 1];
	k_snprintf(line, sizeof(line), "cohort-test line %04u\n",
		   (unsigned)(i / TEST_LINE_LEN));
	return line[i % TEST_LINE_LEN];
}

static bool matches(const char *buf, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != expect_byte(off + i))
			return false;
	return true;
}

static void test_read_back(void)
{
	struct file *f;
	char *buf = kmalloc(1024);
	int r = vfs_open(0, "/etc/cohort-test.txt", O_RDONLY, &f);
	CHECK(r == 0, "open /etc/cohort-test.txt: %d", r);
	if (r || !buf) {
		kfree(buf);
		return;
	}
	/* An odd chunk size, so reads straddle lines and pages. */
	size_t off = 0;
	long n;
	bool ok = true;
	while ((n = vfs_read(f, buf, 1000)) > 0) {
		if (!matches(buf, off, (size_t)n))
			ok = false;
		off += (size_t)n;
	}
	CHECK(n == 0 && off == TEST_SIZE && ok,
	      "read %lu bytes (want %u), last %ld, content %s",
	      (unsigned long)off, TEST_SIZE, n, ok ? "ok" : "WRONG");
	n = vfs_pread(f, buf, 100, 4321);
	CHECK(n == 100 && matches(buf, 4321, 100), "pread at 4321: %ld", n);
	n = vfs_pread(f, buf, 100, TEST_SIZE - 10);
	CHECK(n == 10, "pread across the end: %ld", n);
	CHECK(vfs_write(f, "x", 1) == -EBADF, "write to a read-only file");
	CHECK(vfs_lseek(f, 0, SEEK_END) == TEST_SIZE, "SEEK_END");
	CHECK(vfs_read(f, buf, 10) == 0, "read at the end");
	CHECK(vfs_lseek(f, -22, SEEK_CUR) == TEST_SIZE - 22, "SEEK_CUR back");
	n = vfs_read(f, buf, 100);
	CHECK(n == 22 && matches(buf, TEST_SIZE - 22, 22), "last line: %ld", n);
	CHECK(vfs_lseek(f, -1, SEEK_SET) == -EINVAL, "negative position");
	CHECK(vfs_lseek(f, 0, 7) == -EINVAL, "bad whence");
	CHECK(vfs_lseek(f, 100000, SEEK_SET) == 100000, "past the end is fine");
	CHECK(vfs_read(f, buf, 10) == 0, "and reads 0");
	vfs_close(f);

	r = vfs_open(0, "/etc/cohort-test.link", O_RDONLY, &f);
	CHECK(r == 0, "open through the symlink: %d", r);
	if (!r) {
		n = vfs_read(f, buf, 50);
		CHECK(n == 50 && matches(buf, 0, 50), "read through the symlink");
		vfs_close(f);
	}
	kfree(buf);
}

static bool dir_has(const char *path, const char *const *names, int count)
{
	struct file *f;
	uint8_t *buf = kmalloc(2048);
	bool seen[8] = { 0 };
	bool ok = true;
	if (!buf || vfs_open(0, path, O_RDONLY | O_DIRECTORY, &f)) {
		kfree(buf);
		return false;
	}
	for (;;) {
		struct kiov v = { buf, 2048 };
		struct iobuf b;
		iob_init(&b, &v, 1, false);
		long n = vfs_getdents_iob(f, &b);
		if (n <= 0) {
			ok = n == 0;
			break;
		}
		for (long off = 0; off < n;) {
			uint16_t reclen;
			memcpy(&reclen, buf + off + 16, 2);
			const char *name = (const char *)buf + off + 19;
			for (int i = 0; i < count; i++)
				if (strcmp(name, names[i]) == 0)
					seen[i] = true;
			if (reclen == 0 || reclen % 8) {
				ok = false;
				break;
			}
			off += reclen;
		}
	}
	vfs_close(f);
	kfree(buf);
	for (int i = 0; i < count; i++)
		if (!seen[i]) {
			kprintf("vfs-test: %s: no entry '%s'", path, names[i]);
			ok = false;
		}
	return ok;
}

static void test_dirs(void)
{
	static const char *const etc[] = { ".", "..", "cohort-test.txt",
					   "cohort-test.link" };
	static const char *const root[] = { ".", "..", "dev", "etc" };
	static const char *const dev[] = { "console", "null", "zero" };
	CHECK(dir_has("/etc", etc, 4), "listing /etc");
	CHECK(dir_has("/", root, 4), "listing /");
	CHECK(dir_has("/dev", dev, 3), "listing /dev");

	struct file *f;
	char buf[40];
	int r = vfs_open(0, "/etc", O_RDONLY, &f);
	CHECK(r == 0, "open /etc: %d", r);
	if (!r) {
		struct kiov v = { buf, 23 };
		struct iobuf b;
		CHECK(vfs_read(f, buf, 8) == -EISDIR, "read on a directory");
		/* "." needs 24 bytes (19 + name + NUL, rounded to 8). */
		iob_init(&b, &v, 1, false);
		long n = vfs_getdents_iob(f, &b);
		CHECK(n == -EINVAL, "getdents into 23 bytes: %ld", n);
		v.len = 40;
		iob_init(&b, &v, 1, false);
		n = vfs_getdents_iob(f, &b);
		CHECK(n == 24 && strcmp(buf + 19, ".") == 0,
		      "one record fits in 40 bytes: %ld", n);
		CHECK(vfs_lseek(f, 0, SEEK_END) == -EINVAL, "SEEK_END on a dir");
		CHECK(vfs_lseek(f, 0, SEEK_SET) == 0, "rewinddir");
		iob_init(&b, &v, 1, false);
		n = vfs_getdents_iob(f, &b);
		CHECK(n == 24 && strcmp(buf + 19, ".") == 0, "after rewind");
		vfs_close(f);
	}
}

static void test_lookup_errors(void)
{
	struct vnode *n, *etc;
	struct file *f;
	char *longp = kmalloc(PATH_MAX + 10);
	int r;

	CHECK(vfs_lookup(0, "/nonexistent", LOOKUP_FOLLOW, &n) == -ENOENT,
	      "missing file");
	CHECK(vfs_lookup(0, "", LOOKUP_FOLLOW, &n) == -ENOENT, "empty path");
	r = vfs_lookup(0, "/etc/cohort-test.txt/x", LOOKUP_FOLLOW, &n);
	CHECK(r == -ENOTDIR, "file used as a directory: %d", r);
	r = vfs_lookup(0, "/etc/cohort-test.txt/", LOOKUP_FOLLOW, &n);
	CHECK(r == -ENOTDIR, "trailing slash on a file: %d", r);
	r = vfs_lookup(0, "/etc/cohort-loop", LOOKUP_FOLLOW, &n);
	CHECK(r == -ELOOP, "symlink loop: %d", r);
	r = vfs_lookup(0, "/etc/cohort-test.link", 0, &n);
	CHECK(r == 0 && (n->mode & S_IFMT) == S_IFLNK, "no-follow lookup: %d", r);
	r = vfs_lookup(0, "/../etc/./../etc//cohort-test.txt", LOOKUP_FOLLOW, &n);
	CHECK(r == 0 && (n->mode & S_IFMT) == S_IFREG, ". and ..: %d", r);
	if (longp) {
		memset(longp, 'a', NAME_MAX + 2);
		longp[0] = '/'; /* then NAME_MAX + 1 letters */
		longp[NAME_MAX + 2] = 0;
		r = vfs_lookup(0, longp, LOOKUP_FOLLOW, &n);
		CHECK(r == -ENAMETOOLONG, "component over NAME_MAX: %d", r);
		for (int i = 0; i < PATH_MAX + 5; i++)
			longp[i] = i % 2 ? '/' : 'a';
		longp[PATH_MAX + 5] = 0;
		r = vfs_lookup(0, longp, LOOKUP_FOLLOW, &n);
		CHECK(r == -ENAMETOOLONG, "path over PATH_MAX: %d", r);
		kfree(longp);
	}
	/* Relative lookups and getcwd's path. */
	r = vfs_lookup(0, "/etc", LOOKUP_FOLLOW, &etc);
	CHECK(r == 0, "lookup /etc: %d", r);
	if (!r) {
		char path[64];
		CHECK(vfs_lookup(etc, "cohort-test.txt", 0, &n) == 0,
		      "relative lookup");
		CHECK(vfs_lookup(etc, "../etc/cohort-test.txt", 0, &n) == 0,
		      "relative lookup with ..");
		long len = vfs_path_of(n, path, sizeof(path));
		CHECK(len == 21 && strcmp(path, "/etc/cohort-test.txt") == 0,
		      "path of a node: %ld '%s'", len, len > 0 ? path : "");
		CHECK(vfs_path_of(n, path, 5) == -ERANGE, "short path buffer");
	}
	r = vfs_open(0, "/etc/cohort-test.txt", O_WRONLY, &f);
	CHECK(r == -EROFS, "write open: %d", r);
	r = vfs_open(0, "/etc/new", O_WRONLY | O_CREAT, &f);
	CHECK(r == -EROFS, "create: %d", r);
	r = vfs_open(0, "/nodir/new", O_WRONLY | O_CREAT, &f);
	CHECK(r == -ENOENT, "create in a missing directory: %d", r);
	r = vfs_open(0, "/etc/cohort-test.txt/new", O_WRONLY | O_CREAT, &f);
	CHECK(r == -ENOTDIR, "create under a file: %d", r);
	r = vfs_open(0, "/etc/cohort-test.txt", O_RDONLY | O_CREAT, &f);
	CHECK(r == 0, "O_CREAT of an existing file opens it: %d", r);
	if (!r)
		vfs_close(f);
	r = vfs_open(0, "/etc", O_RDWR, &f);
	CHECK(r == -EISDIR, "directory opened for writing: %d", r);
	r = vfs_open(0, "/etc/cohort-test.txt", O_RDONLY | O_DIRECTORY, &f);
	CHECK(r == -ENOTDIR, "O_DIRECTORY on a file: %d", r);
	r = vfs_open(0, "/etc/cohort-test.link", O_RDONLY | O_NOFOLLOW, &f);
	CHECK(r == -ELOOP, "O_NOFOLLOW on a symlink: %d", r);
}

static void test_devices(void)
{
	struct file *f;
	uint8_t buf[300];
	int r = vfs_open(0, "/dev/null", O_RDWR, &f);
	CHECK(r == 0, "open /dev/null: %d", r);
	if (!r) {
		CHECK(vfs_read(f, buf, sizeof(buf)) == 0, "null reads 0");
		CHECK(vfs_write(f, buf, 123) == 123, "null swallows writes");
		vfs_close(f);
	}
	r = vfs_open(0, "/dev/zero", O_RDONLY, &f);
	CHECK(r == 0, "open /dev/zero: %d", r);
	if (!r) {
		memset(buf, 0xff, sizeof(buf));
		long n = vfs_read(f, buf, sizeof(buf));
		bool zero = true;
		for (size_t i = 0; i < sizeof(buf); i++)
			zero = zero && buf[i] == 0;
		CHECK(n == (long)sizeof(buf) && zero, "zero gives zeros: %ld", n);
		vfs_close(f);
	}
}

static void type(const char *s)
{
	while (*s)
		tty_input((uint8_t)*s++);
}

static void test_console(void)
{
	struct file *f;
	char buf[64];
	int r = vfs_open(0, "/dev/console", O_RDWR | O_NONBLOCK, &f);
	CHECK(r == 0, "open /dev/console: %d", r);
	if (r)
		return;
	CHECK(tty_owns_input(), "a reader owns the serial input");
	CHECK(vfs_read(f, buf, sizeof(buf)) == -EAGAIN, "nothing typed yet");
	CHECK(vfs_write(f, "vfs-test: console write\n", 24) == 24,
	      "console write");
	type("lx\bs -l\r");
	long n = vfs_read(f, buf, sizeof(buf));
	CHECK(n == 6 && memcmp(buf, "ls -l\n", 6) == 0, "edited line: %ld", n);
	type("one\ntwo\n");
	n = vfs_read(f, buf, sizeof(buf));
	CHECK(n == 4 && memcmp(buf, "one\n", 4) == 0, "one line per read");
	n = vfs_read(f, buf, sizeof(buf));
	CHECK(n == 4 && memcmp(buf, "two\n", 4) == 0, "second line");
	type("\x04");
	CHECK(vfs_read(f, buf, sizeof(buf)) == 0, "Ctrl-D at line start: EOF");
	type("par\x04");
	n = vfs_read(f, buf, sizeof(buf));
	CHECK(n == 3 && memcmp(buf, "par", 3) == 0, "Ctrl-D mid-line: %ld", n);
	type("junk\x03");
	CHECK(vfs_read(f, buf, sizeof(buf)) == -EAGAIN, "Ctrl-C drops the line");
	log_raw("\n");
	vfs_close(f);
	CHECK(!tty_owns_input(), "input back to the kernel console");
}

static void test_fd_table(void)
{
	struct fd_table *t = fdt_create(), *t2;
	struct file *f;
	int r;
	if (!t) {
		CHECK(0, "no memory for a descriptor table");
		return;
	}
	r = vfs_open(0, "/dev/null", O_RDONLY, &f);
	CHECK(r == 0, "open: %d", r);
	if (r) {
		fdt_put(t);
		return;
	}
	CHECK(fdt_install(t, f, 0, false) == 0, "lowest free descriptor");
	file_get(f);
	CHECK(fdt_install(t, f, 0, true) == 1, "next descriptor");
	file_get(f);
	CHECK(fdt_install(t, f, 10, false) == 10, "descriptor >= 10");
	CHECK(fdt_get_cloexec(t, 1) == 1 && fdt_get_cloexec(t, 0) == 0,
	      "close-on-exec bits");
	CHECK(fdt_close(t, 5) == -EBADF, "closing a free slot");
	t2 = fdt_fork(t);
	CHECK(t2 != 0, "fork the table");
	fdt_close_on_exec(t);
	CHECK(fdt_get_file(t, 1) == 0, "exec closed the close-on-exec one");
	struct file *g = fdt_get_file(t, 0);
	CHECK(g == f, "descriptor 0 still open");
	file_put(g);
	CHECK(atomic_load(&f->refs) == 5, "references: %d (want 5: 2 + 3)",
	      atomic_load(&f->refs));
	fdt_put(t2);
	fdt_put(t);
	/* EMFILE: fill a table. */
	t = fdt_create();
	r = vfs_open(0, "/dev/null", O_RDONLY, &f);
	if (t && !r) {
		int last = 0;
		for (int i = 0; i < FD_MAX; i++) {
			file_get(f);
			last = fdt_install(t, f, 0, false);
		}
		CHECK(last == FD_MAX - 1, "fills to FD_MAX: %d", last);
		CHECK(fdt_install(t, f, 0, false) == -EMFILE, "EMFILE");
		file_put(f);
		fdt_put(t);
	}
}

static void test_pipe_basics(void)
{
	struct file *p[2];
	char buf[64];
	int r = pipe_create(p, 0);
	CHECK(r == 0, "pipe: %d", r);
	if (r)
		return;
	CHECK(vfs_write(p[1], "hello, ", 7) == 7, "write");
	CHECK(vfs_write(p[1], "pipe", 4) == 4, "write");
	long n = vfs_read(p[0], buf, sizeof(buf));
	CHECK(n == 11 && memcmp(buf, "hello, pipe", 11) == 0, "in order: %ld", n);
	CHECK(vfs_read(p[1], buf, 1) == -EBADF, "read on the write end");
	CHECK(vfs_write(p[0], "x", 1) == -EBADF, "write on the read end");
	CHECK(vfs_pread(p[0], buf, 1, 0) == -ESPIPE, "pread on a pipe");
	CHECK(vfs_lseek(p[0], 0, SEEK_SET) == -ESPIPE, "lseek on a pipe");
	vfs_write(p[1], "tail", 4);
	vfs_close(p[1]);
	n = vfs_read(p[0], buf, sizeof(buf));
	CHECK(n == 4, "data written before the close: %ld", n);
	CHECK(vfs_read(p[0], buf, sizeof(buf)) == 0, "EOF after the last writer");
	vfs_close(p[0]);

	r = pipe_create(p, 0);
	if (!r) {
		vfs_close(p[0]);
		CHECK(vfs_write(p[1], "x", 1) == -EPIPE, "EPIPE after the last reader");
		vfs_close(p[1]);
	}

	r = pipe_create(p, O_NONBLOCK);
	if (!r) {
		uint8_t *big = kzalloc(PIPE_BUF);
		long total = 0;
		CHECK(vfs_read(p[0], buf, 1) == -EAGAIN, "empty non-blocking read");
		while ((n = vfs_write(p[1], big, 1024)) > 0)
			total += n;
		CHECK(n == -EAGAIN && total == PIPE_SIZE,
		      "fills to %ld bytes, then %ld", total, n);
		vfs_read(p[0], big, 3000); /* 3000 free: < PIPE_BUF */
		n = vfs_write(p[1], big, PIPE_BUF);
		CHECK(n == -EAGAIN, "PIPE_BUF write does not split: %ld", n);
		n = vfs_write(p[1], big, PIPE_BUF + 1000);
		CHECK(n == 3000, "a larger write may: %ld", n);
		kfree(big);
		vfs_close(p[0]);
		vfs_close(p[1]);
	}
}

/* A writer thread sends TRANSFER bytes of a pattern through a blocking
 * pipe, in sizes that do not divide the ring; the reader checks each. */
#define TRANSFER (300 * 1000)

static void writer_thread(void *arg)
{
	struct file *w = arg;
	uint8_t chunk[777];
	size_t sent = 0;
	while (sent < TRANSFER) {
		size_t n = TRANSFER - sent < sizeof(chunk) ? TRANSFER - sent
							 : sizeof(chunk);
		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)((sent + i) * 7 + 3);
		long r = vfs_write(w, chunk, n);
		if (r <= 0)
			break;
		sent += (size_t)r;
	}
	vfs_close(w);
}

static void test_pipe_threads(void)
{
	struct file *p[2];
	uint8_t buf[1500];
	int err;
	if (pipe_create(p, 0)) {
		CHECK(0, "pipe");
		return;
	}
	struct thread *t = kthread_create("vfs-writer", writer_thread, p[1], 0,
					  0, &err);
	CHECK(t != 0, "writer thread: %d", err);
	if (!t) {
		vfs_close(p[0]);
		vfs_close(p[1]);
		return;
	}
	size_t got = 0;
	bool ok = true;
	long n;
	while ((n = vfs_read(p[0], buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			if (buf[i] != (uint8_t)((got + i) * 7 + 3))
				ok = false;
		got += (size_t)n;
	}
	kthread_join(t, 0);
	CHECK(n == 0 && got == TRANSFER && ok,
	      "threads: %lu bytes (want %u), end %ld, order %s",
	      (unsigned long)got, TRANSFER, n, ok ? "ok" : "WRONG");
	vfs_close(p[0]);
}

/* PIPE_BUF atomicity under contention: WRITERS threads each write RECORDS
 * records of RECORD bytes (all bytes = writer id + record number), at
 * once; the stream the reader sees must be whole records, and each
 * writer's in order. */
#define WRITERS 3
#define RECORDS 150
#define RECORD 1000

struct rec_writer {
	struct file *w;
	int id;
};

static void record_writer(void *arg)
{
	struct rec_writer *rw = arg;
	uint8_t rec[RECORD];
	for (int i = 0; i < RECORDS; i++) {
		memset(rec, (uint8_t)(rw->id * 64 + i % 64), RECORD);
		if (vfs_write(rw->w, rec, RECORD) != RECORD)
			break;
	}
	vfs_close(rw->w);
}

static void test_pipe_atomic_writers(void)
{
	struct file *p[2];
	struct rec_writer rw[WRITERS];
	struct thread *t[WRITERS];
	uint8_t *rec = kmalloc(RECORD);
	int next[WRITERS] = { 0 }, err, bad = 0, records = 0;
	if (!rec || pipe_create(p, 0)) {
		CHECK(0, "pipe or memory");
		kfree(rec);
		return;
	}
	for (int i = 0; i < WRITERS; i++) {
		rw[i] = (struct rec_writer){ p[1], i };
		file_get(p[1]);
		t[i] = kthread_create("vfs-recwriter", record_writer, &rw[i], 0,
				      0, &err);
		if (!t[i])
			vfs_close(p[1]);
	}
	vfs_close(p[1]); /* the writers hold the write end now */
	size_t have = 0;
	long n;
	while ((n = vfs_read(p[0], rec + have, RECORD - have)) > 0) {
		have += (size_t)n;
		if (have < RECORD)
			continue;
		have = 0;
		records++;
		int id = rec[0] / 64, seq = rec[0] % 64;
		bool whole = true;
		for (int i = 1; i < RECORD; i++)
			whole = whole && rec[i] == rec[0];
		if (!whole || id >= WRITERS || seq != next[id] % 64)
			bad++;
		else
			next[id]++;
	}
	for (int i = 0; i < WRITERS; i++)
		if (t[i])
			kthread_join(t[i], 0);
	CHECK(n == 0 && have == 0 && bad == 0 && records == WRITERS * RECORDS,
	      "atomic writers: %d records (want %d), %d torn or out of order",
	      records, WRITERS * RECORDS, bad);
	vfs_close(p[0]);
	kfree(rec);
}

int vfs_selftest(void)
{
	passed = failed = 0;
	CHECK(vfs_initramfs_files() >= 1, "initramfs files: %d",
	      vfs_initramfs_files());
	test_read_back();
	test_dirs();
	test_lookup_errors();
	test_devices();
	test_console();
	test_fd_table();
	test_pipe_basics();
	test_pipe_threads();
	test_pipe_atomic_writers();
	kprintf("vfs-test: %d passed, %d failed", passed, failed);
	return failed != 0;
}

/*
 * test=vfs-console: real serial input through the receive interrupt.
 * Holds /dev/console open for reading (so the tty owns the input) and
 * blocks reading it; tests/system/test_fs.py types a Ctrl-T line for the
 * kernel console, then a line for us, then Ctrl-D.
 */
int vfs_console_selftest(void)
{
	struct file *f;
	char buf[64];
	long n;
	int r = vfs_open(0, "/dev/console", O_RDONLY, &f);
	if (r) {
		kprintf("vfs-console: open /dev/console: %d", r);
		return 1;
	}
	kprintf("vfs-console: reading");
	n = vfs_read(f, buf, sizeof(buf) - 1);
	if (n <= 0) {
		kprintf("vfs-console: read %ld", n);
		vfs_close(f);
		return 1;
	}
	buf[n] = 0;
	if (buf[n - 1] == '\n')
		buf[n - 1] = 0;
	kprintf("vfs-console: got '%s' (%ld bytes)", buf, n);
	n = vfs_read(f, buf, sizeof(buf));
	kprintf("vfs-console: %s", n == 0 ? "EOF" : "no EOF");
	vfs_close(f);
	return n != 0;
}

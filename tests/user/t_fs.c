/* SPDX-License-Identifier: MIT */
/*
 * t_fs: files. open/read/lseek/pread/readv/fstat/newfstatat of initramfs
 * files, getdents64 of /test and /bin, getcwd/chdir, faccessat, readlink,
 * /dev/null and /dev/zero, dup/dup2/dup3/fcntl, pipes (EOF, O_NONBLOCK,
 * poll/ppoll readiness), ioctl on the console when stdout is one, and the
 * errors: ENOENT, ENOTDIR, EISDIR, EINVAL, ENAMETOOLONG, ERANGE, ENOTTY,
 * EFAULT for bad/kernel pointers, EBADF for fd 999 in every call.
 *
 * Only checks that hold on both Cohort's read-only initramfs and a normal
 * Linux directory tree (tools/run-user-host runs it on the staged
 * build/initrd): e.g. open("/nonexistent/x", O_WRONLY|O_CREAT) is ENOENT on
 * both, while writing to an initramfs file (EROFS on Cohort, allowed on
 * the host) is not checked here.
 */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>

struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* The raw call: musl turns fstatat(AT_FDCWD, ...) into SYS_stat. */
static long nfstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return syscall(SYS_newfstatat, dirfd, path, st, flags);
}

static void test_file(void)
{
	const char *init = rpath("/bin/init");
	char buf[64], a[2], b[6];
	struct stat st, st2;
	struct iovec iov[2] = { { a, 2 }, { b, 6 } };
	int fd = open(init, O_RDONLY);

	CHECK(fd >= 0, "open %s", init);
	if (fd < 0)
		return;
	CHECK_OK(fstat(fd, &st), "fstat");
	CHECK(S_ISREG(st.st_mode) && st.st_size > 4096,
	      "a regular file of %ld bytes", (long)st.st_size);
	CHECK(read(fd, buf, 4) == 4 && memcmp(buf, "\177ELF", 4) == 0,
	      "read the ELF magic");
	CHECK(lseek(fd, 0, SEEK_CUR) == 4, "offset 4 after the read");
	CHECK(pread(fd, buf, 3, 1) == 3 && memcmp(buf, "ELF", 3) == 0,
	      "pread at offset 1");
	CHECK(lseek(fd, 0, SEEK_CUR) == 4, "pread left the offset alone");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek SEEK_SET 0");
	CHECK(readv(fd, iov, 2) == 8 && memcmp(a, "\177E", 2) == 0 &&
	      memcmp(b, "LF", 2) == 0, "readv into two buffers");
	CHECK(lseek(fd, 0, SEEK_END) == st.st_size, "lseek SEEK_END = size");
	CHECK(read(fd, buf, sizeof(buf)) == 0, "read at EOF returns 0");
	CHECK(pread(fd, buf, sizeof(buf), st.st_size + 100) == 0,
	      "pread beyond EOF returns 0");
	CHECK(lseek(fd, -10, SEEK_END) == st.st_size - 10 &&
	      read(fd, buf, sizeof(buf)) == 10, "the last 10 bytes");
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL, "lseek to -1 EINVAL");
	CHECK_ERR(lseek(fd, 0, 7), EINVAL, "lseek whence 7 EINVAL");
	CHECK_ERR(pread(fd, buf, 4, -1), EINVAL, "pread offset -1 EINVAL");
	lseek(fd, 0, SEEK_SET);
	CHECK_ERR(syscall(SYS_read, fd, BADPTR, 4), EFAULT,
		  "read to address 1 EFAULT");
	CHECK_ERR(syscall(SYS_read, fd, KADDR, 4), EFAULT,
		  "read to a kernel address EFAULT");
	CHECK_ERR(syscall(SYS_fstat, fd, KADDR), EFAULT,
		  "fstat to a kernel address EFAULT");
	CHECK_ERR(write(fd, "x", 1), EBADF, "write to an O_RDONLY fd EBADF");
	CHECK_OK(nfstatat(AT_FDCWD, init, &st2, 0), "newfstatat");
	CHECK(st2.st_ino == st.st_ino && st2.st_size == st.st_size &&
	      st2.st_mode == st.st_mode, "same inode, size, mode as fstat");
	CHECK(nfstatat(fd, "", &st2, AT_EMPTY_PATH) == 0 && st2.st_ino == st.st_ino,
	      "newfstatat AT_EMPTY_PATH on the fd");
	CHECK_ERR(nfstatat(AT_FDCWD, "", &st2, 0), ENOENT,
		  "newfstatat of \"\" ENOENT");
	CHECK_ERR(nfstatat(AT_FDCWD, rpath("/bin/missing"), &st2, 0), ENOENT,
		  "newfstatat of a missing file ENOENT");
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, BADPTR, &st2, 0), EFAULT,
		  "newfstatat path at address 1 EFAULT");
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, init, KADDR, 0), EFAULT,
		  "newfstatat buf in the kernel EFAULT");
	CHECK_ERR(nfstatat(999, "x", &st2, 0), EBADF,
		  "newfstatat relative to fd 999 EBADF");
	CHECK_ERR(nfstatat(fd, "x", &st2, 0), ENOTDIR,
		  "newfstatat relative to a file fd ENOTDIR");
	/* What musl's stat()/lstat() send on x86-64: SYS_stat, SYS_lstat. */
	CHECK(stat(init, &st2) == 0 && st2.st_ino == st.st_ino, "stat()");
	CHECK(lstat(init, &st2) == 0 && st2.st_ino == st.st_ino, "lstat()");
	CHECK_ERR(stat(rpath("/bin/missing"), &st2), ENOENT,
		  "stat() of a missing file ENOENT");
	CHECK_OK(close(fd), "close");
	CHECK_ERR(close(fd), EBADF, "close twice EBADF");
}

static void test_open_errors(void)
{
	static char longname[PATH_MAX + 10];

	CHECK_ERR(open(rpath("/bin/no-such-file"), O_RDONLY), ENOENT,
		  "open a missing file ENOENT");
	CHECK_ERR(open("/nonexistent/x", O_WRONLY | O_CREAT, 0644), ENOENT,
		  "open /nonexistent/x O_CREAT ENOENT");
	CHECK_ERR(open(rpath("/bin/init/x"), O_RDONLY), ENOTDIR,
		  "open through a file ENOTDIR");
	CHECK_ERR(open(rpath("/bin/init"), O_RDONLY | O_DIRECTORY), ENOTDIR,
		  "O_DIRECTORY on a file ENOTDIR");
	CHECK_ERR(open(rpath("/bin"), O_WRONLY), EISDIR,
		  "open a directory O_WRONLY EISDIR");
	CHECK_ERR(open("", O_RDONLY), ENOENT, "open \"\" ENOENT");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	CHECK_ERR(open(longname, O_RDONLY), ENAMETOOLONG,
		  "open a path longer than PATH_MAX ENAMETOOLONG");
	CHECK_ERR(syscall(SYS_open, BADPTR, O_RDONLY), EFAULT,
		  "open path at address 1 EFAULT");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, KADDR, O_RDONLY), EFAULT,
		  "openat path in the kernel EFAULT");
	CHECK_ERR(openat(999, "x", O_RDONLY), EBADF, "openat dirfd 999 EBADF");
	int d = open(rpath("/bin"), O_RDONLY | O_DIRECTORY);
	int f = d >= 0 ? openat(d, "init", O_RDONLY) : -1;
	CHECK(d >= 0 && f >= 0, "openat relative to a directory fd");
	close(f);
	close(d);
}

static int dir_has(const char *dir, const char *name, int *type, int *dots)
{
	char buf[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY), found = 0;
	long n;

	*dots = 0;
	if (fd < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64_raw *d = (void *)(buf + off);
			if (strcmp(d->name, name) == 0) {
				found = 1;
				*type = d->type;
			}
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				(*dots)++;
			if (d->reclen == 0)
				break;
			off += d->reclen;
		}
	}
	close(fd);
	return n < 0 ? -1 : found;
}

static void test_getdents(void)
{
	int type = -1, dots;
	char buf[4096];

	CHECK(dir_has(rpath("/test"), "t_fs", &type, &dots) == 1 &&
	      type == DT_REG, "getdents64 /test lists t_fs as DT_REG");
	if (dots != 2)
		SKIP("/test lists %d of \".\" and \"..\" (Linux lists both)", dots);
	CHECK(dir_has(rpath("/bin"), "init", &type, &dots) == 1,
	      "getdents64 /bin lists init");
	CHECK(dir_has(rpath("/"), "test", &type, &dots) == 1 && type == DT_DIR,
	      "getdents64 / lists test as DT_DIR");
	int fd = open(rpath("/bin/init"), O_RDONLY);
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR,
		  "getdents64 of a file ENOTDIR");
	close(fd);
	fd = open(rpath("/test"), O_RDONLY | O_DIRECTORY);
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, 1), EINVAL,
		  "getdents64 with a 1-byte buffer EINVAL");
	CHECK_ERR(syscall(SYS_getdents64, fd, KADDR, sizeof(buf)), EFAULT,
		  "getdents64 into the kernel EFAULT");
	close(fd);
	CHECK_ERR(syscall(SYS_getdents64, 999, buf, sizeof(buf)), EBADF,
		  "getdents64 fd 999 EBADF");
}

static void test_cwd(void)
{
	char cwd[PATH_MAX], old[PATH_MAX];
	struct stat st;
	size_t len;

	CHECK(getcwd(old, sizeof(old)) != NULL && old[0] == '/',
	      "getcwd gives an absolute path");
	CHECK_OK(chdir(rpath("/test")), "chdir /test");
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
	len = strlen(cwd);
	CHECK(len >= 5 && strcmp(cwd + len - 5, "/test") == 0,
	      "getcwd ends in /test (%s)", cwd);
	CHECK_OK(nfstatat(AT_FDCWD, "t_fs", &st, 0),
		 "a relative path resolves from /test");
	CHECK_OK(nfstatat(AT_FDCWD, "../bin/init", &st, 0), "\"..\" goes up");
	CHECK_OK(nfstatat(AT_FDCWD, "./t_fs", &st, 0), "\".\" stays");
	if (check_root_dir[0] == 0)	/* the initramfs is the root */
		CHECK_OK(nfstatat(AT_FDCWD, "/../../test/t_fs", &st, 0),
			 "\"..\" at the root stays at the root");
	else
		SKIP("\"..\" at the root: the host's root is not the initramfs");
	CHECK_ERR(chdir("no-such-dir"), ENOENT, "chdir to a missing dir ENOENT");
	CHECK_ERR(chdir("t_fs"), ENOTDIR, "chdir to a file ENOTDIR");
	CHECK_ERR(syscall(SYS_chdir, KADDR), EFAULT, "chdir path in kernel EFAULT");
	CHECK_ERR(syscall(SYS_getcwd, cwd, 1), ERANGE, "getcwd size 1 ERANGE");
	CHECK_ERR(syscall(SYS_getcwd, KADDR, sizeof(cwd)), EFAULT,
		  "getcwd into the kernel EFAULT");
	CHECK_OK(chdir(old), "chdir back");
}

static void test_access(void)
{
	const char *init = rpath("/bin/init");

	CHECK_OK(faccessat(AT_FDCWD, init, R_OK, 0), "faccessat R_OK");
	CHECK_OK(faccessat(AT_FDCWD, init, X_OK, 0), "faccessat X_OK");
	CHECK_OK(faccessat(AT_FDCWD, init, F_OK, 0), "faccessat F_OK");
	/* musl's access() is SYS_access. */
	CHECK_OK(access(rpath("/test"), R_OK | X_OK), "access() a directory");
	CHECK_ERR(access(rpath("/bin/nope"), F_OK), ENOENT,
		  "access() of a missing file ENOENT");
	CHECK_ERR(faccessat(AT_FDCWD, rpath("/bin/nope"), F_OK, 0), ENOENT,
		  "faccessat of a missing file ENOENT");
	CHECK_ERR(syscall(SYS_faccessat, AT_FDCWD, init, 0x100), EINVAL,
		  "faccessat mode 0x100 EINVAL");
	CHECK_ERR(syscall(SYS_faccessat, AT_FDCWD, KADDR, F_OK), EFAULT,
		  "faccessat path in the kernel EFAULT");
	char buf[64];
	CHECK_ERR(readlink(init, buf, sizeof(buf)), EINVAL,
		  "readlink of a regular file EINVAL");
	CHECK_ERR(readlink(rpath("/bin/nope"), buf, sizeof(buf)), ENOENT,
		  "readlink of a missing file ENOENT");
}

static void test_devices(void)
{
	char buf[256];
	int null = open("/dev/null", O_RDWR), zero = open("/dev/zero", O_RDWR);
	int allzero = 1;

	CHECK(null >= 0 && zero >= 0, "open /dev/null and /dev/zero");
	CHECK(write(null, "hello", 5) == 5, "write to /dev/null swallows it");
	CHECK(read(null, buf, sizeof(buf)) == 0, "read of /dev/null: EOF");
	memset(buf, 1, sizeof(buf));
	CHECK(read(zero, buf, sizeof(buf)) == sizeof(buf), "read /dev/zero");
	for (size_t i = 0; i < sizeof(buf); i++)
		allzero &= buf[i] == 0;
	CHECK(allzero, "all zeros");
	CHECK(write(zero, "x", 1) == 1, "write to /dev/zero accepted");
	struct stat st;
	CHECK(fstat(null, &st) == 0 && S_ISCHR(st.st_mode),
	      "/dev/null is a character device");
	CHECK_ERR(syscall(SYS_read, zero, KADDR, 16), EFAULT,
		  "read /dev/zero into the kernel EFAULT");
	CHECK_ERR(syscall(SYS_ioctl, null, TCGETS, buf), ENOTTY,
		  "ioctl TCGETS on /dev/null ENOTTY");
	close(null);
	close(zero);
}

static void test_dup_fcntl(void)
{
	int fd = open(rpath("/bin/init"), O_RDONLY);
	int d, d2;

	d = dup(fd);
	CHECK(d > fd, "dup gives a new descriptor");
	lseek(fd, 100, SEEK_SET);
	CHECK(lseek(d, 0, SEEK_CUR) == 100, "dup shares the offset");
	CHECK(fcntl(d, F_GETFD) == 0, "dup clears FD_CLOEXEC");
	CHECK(dup2(fd, fd) == fd, "dup2 onto itself returns it");
	CHECK(dup2(fd, 100) == 100 && fcntl(100, F_GETFD) == 0, "dup2 to 100");
	CHECK(dup2(d, 100) == 100, "dup2 onto an open descriptor replaces it");
	CHECK_ERR(dup3(fd, fd, 0), EINVAL, "dup3 onto itself EINVAL");
	CHECK(dup3(fd, 101, O_CLOEXEC) == 101 &&
	      fcntl(101, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC");
	CHECK_ERR(syscall(SYS_dup3, fd, 102, 0x1234), EINVAL,
		  "dup3 unknown flags EINVAL");
	CHECK_ERR(dup2(fd, -1), EBADF, "dup2 to -1 EBADF");
	CHECK_ERR(dup2(fd, 1 << 20), EBADF, "dup2 past the fd limit EBADF");
	CHECK_OK(fcntl(d, F_SETFD, FD_CLOEXEC), "F_SETFD FD_CLOEXEC");
	CHECK(fcntl(d, F_GETFD) == FD_CLOEXEC, "F_GETFD reads it back");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "F_GETFL O_RDONLY");
	d2 = fcntl(fd, F_DUPFD, 50);
	CHECK(d2 >= 50 && fcntl(d2, F_GETFD) == 0, "F_DUPFD at or above 50");
	close(d2);
	d2 = fcntl(fd, F_DUPFD_CLOEXEC, 60);
	CHECK(d2 >= 60 && fcntl(d2, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC");
	close(d2);
	CHECK_ERR(fcntl(fd, 12345), EINVAL, "fcntl unknown command EINVAL");
	CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL, "F_DUPFD below 0 EINVAL");
	close(100);
	close(101);
	close(d);
	close(fd);
}

static void test_pipes(void)
{
	int p[2], n = 0;
	char buf[256];
	struct pollfd pf[2];

	CHECK_OK(pipe(p), "pipe");
	CHECK(write(p[1], "abc", 3) == 3 && read(p[0], buf, sizeof(buf)) == 3 &&
	      memcmp(buf, "abc", 3) == 0, "bytes through a pipe");
	pf[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	CHECK(poll(pf, 2, 0) == 1 && pf[0].revents == 0 &&
	      pf[1].revents == POLLOUT, "poll: empty pipe not readable, writable");
	write(p[1], "x", 1);
	CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLIN),
	      "poll: POLLIN after a write");
	read(p[0], buf, 1);
	struct timespec ts = { 0, 20000000 };
	CHECK(ppoll(pf, 1, &ts, NULL) == 0, "ppoll times out on an empty pipe");
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 &&
	      (fcntl(p[0], F_GETFL) & O_NONBLOCK), "F_SETFL O_NONBLOCK");
	CHECK_ERR(read(p[0], buf, 1), EAGAIN, "non-blocking read of empty EAGAIN");
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	memset(buf, 'z', sizeof(buf));
	int err = 0;
	for (int i = 0; i < 100000; i++) {
		long w = write(p[1], buf, sizeof(buf));
		if (w < 0) {
			err = errno;
			break;
		}
		n += w;
	}
	CHECK(err == EAGAIN && n >= 4096,
	      "filling a non-blocking pipe ends in EAGAIN after %d bytes", n);
	pf[1].revents = 0;
	CHECK(poll(&pf[1], 1, 0) == 0, "poll: a full pipe is not writable");
	close(p[1]);
	long total = 0, r;
	while ((r = read(p[0], buf, sizeof(buf))) > 0)
		total += r;
	CHECK(r == 0 && total == n, "read drains it, then EOF (0)");
	pf[0].revents = 0;
	CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLHUP),
	      "poll: POLLHUP after the last writer closed");
	close(p[0]);

	CHECK_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK), "pipe2 O_CLOEXEC|O_NONBLOCK");
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
	      (fcntl(p[1], F_GETFL) & O_NONBLOCK), "both flags set");
	CHECK_ERR(syscall(SYS_lseek, p[0], 0, SEEK_SET), ESPIPE,
		  "lseek on a pipe ESPIPE");
	CHECK_ERR(read(p[1], buf, 1), EBADF, "read from the write end EBADF");
	CHECK_ERR(write(p[0], "x", 1), EBADF, "write to the read end EBADF");
	CHECK_ERR(syscall(SYS_ioctl, p[0], TIOCGWINSZ, buf), ENOTTY,
		  "TIOCGWINSZ on a pipe ENOTTY");
	close(p[0]);
	close(p[1]);
	CHECK_ERR(syscall(SYS_pipe, BADPTR), EFAULT, "pipe(1) EFAULT");
	CHECK_ERR(syscall(SYS_pipe2, KADDR, 0), EFAULT, "pipe2(kernel) EFAULT");
	CHECK_ERR(syscall(SYS_pipe2, p, 0x1234), EINVAL,
		  "pipe2 unknown flags EINVAL");
	struct pollfd nv = { .fd = 999, .events = POLLIN };
	CHECK(poll(&nv, 1, 0) == 1 && nv.revents == POLLNVAL,
	      "poll of fd 999: POLLNVAL");
	CHECK_ERR(syscall(SYS_poll, KADDR, 1, 0), EFAULT,
		  "poll fds in the kernel EFAULT");
	CHECK_ERR(syscall(SYS_poll, &nv, 1 << 30, 0), EINVAL,
		  "poll of 2^30 fds EINVAL");
}

static void test_tty(void)
{
	struct winsize ws;
	struct termios t;

	if (ioctl(1, TCGETS, &t) != 0) {
		SKIP("stdout is not a terminal: TIOCGWINSZ/TCGETS not checked");
		CHECK_ERR(ioctl(1, TIOCGWINSZ, &ws), ENOTTY,
			  "TIOCGWINSZ on a non-terminal stdout ENOTTY");
		return;
	}
	CHECK_OK(ioctl(1, TIOCGWINSZ, &ws), "TIOCGWINSZ on the console");
	CHECK_OK(ioctl(1, TCSETS, &t), "TCSETS with what TCGETS gave");
	pid_t pg = -1;
	CHECK(ioctl(1, TIOCGPGRP, &pg) == 0 && pg > 0, "TIOCGPGRP");
	CHECK_ERR(syscall(SYS_ioctl, 1, TIOCGWINSZ, KADDR), EFAULT,
		  "TIOCGWINSZ into the kernel EFAULT");
	CHECK_ERR(syscall(SYS_ioctl, 1, 0x5499, &ws), ENOTTY,
		  "unknown tty ioctl ENOTTY");
}

static void test_ebadf(void)
{
	char buf[16];
	struct stat st;
	struct iovec iov = { buf, sizeof(buf) };

	for (int fd = 999; fd != -2; fd = fd == 999 ? -1 : -2) {
		CHECK_ERR(read(fd, buf, 1), EBADF, "read fd %d EBADF", fd);
		CHECK_ERR(write(fd, buf, 1), EBADF, "write fd %d EBADF", fd);
		CHECK_ERR(pread(fd, buf, 1, 0), EBADF, "pread fd %d EBADF", fd);
		CHECK_ERR(readv(fd, &iov, 1), EBADF, "readv fd %d EBADF", fd);
		CHECK_ERR(writev(fd, &iov, 1), EBADF, "writev fd %d EBADF", fd);
		CHECK_ERR(close(fd), EBADF, "close fd %d EBADF", fd);
		CHECK_ERR(fstat(fd, &st), EBADF, "fstat fd %d EBADF", fd);
		CHECK_ERR(lseek(fd, 0, SEEK_SET), EBADF, "lseek fd %d EBADF", fd);
		CHECK_ERR(dup(fd), EBADF, "dup fd %d EBADF", fd);
		CHECK_ERR(dup2(fd, 5), EBADF, "dup2 fd %d EBADF", fd);
		CHECK_ERR(dup3(fd, 5, 0), EBADF, "dup3 fd %d EBADF", fd);
		CHECK_ERR(fcntl(fd, F_GETFD), EBADF, "fcntl fd %d EBADF", fd);
		CHECK_ERR(syscall(SYS_ioctl, fd, TIOCGWINSZ, buf), EBADF,
			  "ioctl fd %d EBADF", fd);
		CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), EBADF,
			  "getdents64 fd %d EBADF", fd);
	}
}

int main(int argc, char **argv)
{
	(void)argc;
	check_watchdog(60);
	check_set_root(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	test_file();
	test_open_errors();
	test_getdents();
	test_cwd();
	test_access();
	test_devices();
	test_dup_fcntl();
	test_pipes();
	test_tty();
	test_ebadf();
	return check_done();
}

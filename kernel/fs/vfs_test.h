/* SPDX-License-Identifier: MIT */
/* test=vfs (kernel/selftest.c): 0 if every check passed. */
#ifndef COHORT_FS_VFS_TEST_H
#define COHORT_FS_VFS_TEST_H

int vfs_selftest(void);
/* test=vfs-console: reads a line typed on the serial port, then EOF. */
int vfs_console_selftest(void);

#endif

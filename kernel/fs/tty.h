/* SPDX-License-Identifier: MIT */
/*
 * /dev/console: the user console on COM1. Output goes to the serial line
 * with no log prefix (under the log lock, so it never splits a kernel log
 * line); input comes from kernel/console.c's receive interrupt through a
 * minimal canonical line discipline (echo, backspace, Enter, Ctrl-D end of
 * input, Ctrl-C SIGINT to the foreground process group).
 *
 * Who gets serial input (docs/console.md): the kernel console until some
 * process has /dev/console open for reading; from then on the console
 * (tty). While the tty has it, Ctrl-T at the start of a line sends that
 * one line to the kernel console instead (`ps`, `mem`, ...).
 */
#ifndef COHORT_FS_TTY_H
#define COHORT_FS_TTY_H

#include <stdbool.h>

#define TTY_ESCAPE_KERNEL 0x14 /* Ctrl-T: one line for the kernel console */

/* True while some open file can read /dev/console: serial input belongs
 * to the tty. Any context. */
bool tty_owns_input(void);

/* One received byte, from the serial receive interrupt (interrupts off).
 * Echoes, edits the line, completes lines, sends SIGINT on Ctrl-C. */
void tty_input(int c);

#endif

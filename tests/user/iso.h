/* SPDX-License-Identifier: MIT */
/*
 * iso.h: the isolation programs (iso_*). Each says what it is about to
 * do, does one forbidden thing, and must be killed for it; a program that
 * gets past it says so and exits 1. The pytest (and tools/run-user-host)
 * check the signal that init (or the host runner) reports.
 */
#ifndef COHORT_TESTS_USER_ISO_H
#define COHORT_TESTS_USER_ISO_H

#include "check.h"

static inline void iso_begin(const char *name, const char *what)
{
	say("%s: %s (must die with SIGSEGV)", name, what);
}

static inline int iso_survived(const char *name)
{
	say("%s: FAIL survived the forbidden operation", name);
	return 1;
}

#endif
